"""A commune head reports on an overdue assignment in a real browser; another unit gets 404."""

import datetime

import pytest

from tasks.models import Evidence
from tests.browser.conftest import log_in
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_document, make_task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def tree(fixed_today):
    tree = Tree()
    task = make_task(make_document("4505/UBND-KSTT"), ref="1", title="Kích hoạt 100% tài khoản định danh điện tử")
    tree.overdue = make_assignment(tree.commune, task, due_date=TODAY - datetime.timedelta(days=4))
    make_assignment(
        tree.commune, make_task(title="Tuyên truyền trực quan"), due_date=TODAY + datetime.timedelta(days=20)
    )
    return tree


def test_a_commune_head_reports_progress_with_a_note_and_a_pdf(page, tree, tmp_path):
    log_in(page, tree.head_commune.username)
    page.wait_for_url("**/don-vi/")
    page.get_by_role("link", name="1. Kích hoạt 100% tài khoản định danh điện tử").click()
    page.wait_for_url(f"**/nhiem-vu/{tree.overdue.pk}/")
    assert "quá hạn 4 ngày" in page.locator("main").inner_text()

    pdf = tmp_path / "danh-sach-kich-hoat.pdf"
    pdf.write_bytes(PDF_BYTES)
    page.get_by_label("Trạng thái công việc").select_option(label="Đang thực hiện")
    page.get_by_label("Tiến độ (%)").fill("70")
    page.get_by_label("Ghi chú").fill("Đã kích hoạt 70% hồ sơ, còn 120 hồ sơ sai thông tin")
    page.get_by_label("Tệp minh chứng").set_input_files(str(pdf))
    page.get_by_role("button", name="Lưu lại").click()

    page.wait_for_selector(".alert-success")
    timeline = page.locator("#timeline").inner_text()
    assert "Đã kích hoạt 70% hồ sơ, còn 120 hồ sơ sai thông tin" in timeline
    assert "0% → 70%" in timeline
    assert "danh-sach-kich-hoat.pdf" in timeline
    assert Evidence.objects.get().original_name == "danh-sach-kich-hoat.pdf"

    with page.expect_download() as download:
        page.get_by_role("link", name="📎 danh-sach-kich-hoat.pdf").click()
    assert download.value.suggested_filename == "danh-sach-kich-hoat.pdf"


def test_the_head_of_another_unit_gets_404_at_that_address(page, tree):
    log_in(page, tree.head_other_commune.username)
    page.wait_for_url("**/don-vi/")
    response = page.goto(f"/nhiem-vu/{tree.overdue.pk}/")
    assert response.status == 404
    assert "Kích hoạt 100%" not in page.content()

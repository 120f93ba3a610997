"""The secretariat's monthly cycle (issue 16) in a real browser: it asks a lagging commune to
explain and reads the answer on the lagging list; a commune head submits its periodic report and the
dashboard counts it received; a deadline moved is found in the audit trail; the official report
downloads as a Word document."""

import datetime

import pytest

from tests.browser.conftest import log_in
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_out(page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login/**")


@pytest.fixture
def lagging(settings):
    """Xã Diễn Kỷ has an assignment overdue since 16/06 (given on 01/06); today is 20/06/2023."""
    settings.APP_TODAY = datetime.date(2023, 6, 1)
    tree = Tree()
    make_assignment(tree.commune, make_task(title="Kích hoạt định danh"), due_date=TODAY - datetime.timedelta(days=4))
    settings.APP_TODAY = TODAY
    return tree


def test_the_secretariat_asks_a_lagging_commune_to_explain_and_reads_its_answer(page, lagging):
    log_in(page, lagging.secretariat.username)
    page.wait_for_url("**/tong-quan/")
    page.get_by_role("link", name="Đơn vị chậm tiến độ").first.click()
    page.wait_for_url("**/cham-tien-do/")
    row = page.locator("tr[data-unit]").filter(has_text="Xã Diễn Kỷ")
    row.get_by_test_id("ask-explanation").click()
    page.wait_for_url(f"**/don-vi/{lagging.commune.code}/giai-trinh/")

    page.get_by_label("Nội dung yêu cầu giải trình").fill("Vì sao chậm kích hoạt định danh?")
    page.get_by_label("Hạn giải trình").fill("27/06/2023")  # 7 days ahead
    page.get_by_role("button", name="Gửi đề nghị").click()
    assert "Đã gửi yêu cầu giải trình. Đơn vị đã được báo qua thư." in page.locator(".alert-success").inner_text()
    asked = page.get_by_test_id("explanations").inner_text()
    assert "Vì sao chậm kích hoạt định danh?" in asked and "hạn giải trình 27/06/2023" in asked
    log_out(page)

    log_in(page, lagging.head_commune.username)
    page.wait_for_url("**/don-vi/")
    section = page.locator("#explanations")
    assert "Vì sao chậm kích hoạt định danh?" in section.inner_text()
    section.get_by_label("Giải trình").fill("Thiếu máy đọc chip, đã mượn của huyện.")
    section.get_by_role("button", name="Gửi giải trình").click()
    assert "Đã gửi giải trình." in page.locator(".alert-success").inner_text()
    assert "Thiếu máy đọc chip, đã mượn của huyện." in page.get_by_test_id("explanation-answer").inner_text()
    log_out(page)

    log_in(page, lagging.secretariat.username)
    page.wait_for_url("**/tong-quan/")
    page.goto("/cham-tien-do/")
    cell = page.locator("tr[data-unit]").filter(has_text="Xã Diễn Kỷ").get_by_test_id("lagging-explanations")
    assert "Đã giải trình" in cell.inner_text()
    cell.get_by_role("link", name="hạn giải trình 27/06/2023").click()
    assert "Thiếu máy đọc chip, đã mượn của huyện." in page.get_by_test_id("explanation-answer").inner_text()
    page.get_by_label("Ghi chú khi đóng").fill("Đã làm việc với xã.")
    page.get_by_role("button", name="Đóng yêu cầu").click()
    assert "Đã đóng yêu cầu." in page.locator(".alert-success").inner_text()
    page.goto("/cham-tien-do/")
    cell = page.locator("tr[data-unit]").filter(has_text="Xã Diễn Kỷ").get_by_test_id("lagging-explanations")
    assert "Đã giải trình" not in cell.inner_text()  # a closed request leaves the list

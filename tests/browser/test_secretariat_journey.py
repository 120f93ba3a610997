"""The secretariat's morning in a real browser: charts, lagging list, decisions, scorecard download."""

import datetime
from io import BytesIO

import openpyxl
import pytest

from tasks import services
from tasks.models import Assignment, IndicatorReport
from tests.browser.conftest import log_in
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_document, make_eid_targets, make_task, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tree(fixed_today):
    tree = Tree()
    document = make_document("4505/UBND-KSTT")
    for unit, head, title in [
        (tree.commune, tree.head_commune, "Lập danh sách công dân"),
        (tree.commune2, make_user(tree.commune2, username="head-commune2"), "Tuyên truyền trực quan"),
    ]:
        assignment = make_assignment(
            unit, make_task(document, title=title), due_date=TODAY + datetime.timedelta(days=2)
        )
        services.assignment_report(
            assignment=assignment, user=head, version=1, work_status="reported", progress=100, note=f"Xong: {title}"
        )
    make_assignment(
        tree.other_commune, make_task(document, title="Rà soát dữ liệu"), due_date=TODAY - datetime.timedelta(days=6)
    )
    indicator = make_eid_targets(
        {
            tree.province: 3000,
            tree.other_district: 1000,
            tree.other_commune: 1000,
            tree.area: 2000,
            tree.commune: 1000,
            tree.commune2: 1000,
        }
    )
    for day in range(20):
        for unit in (tree.commune, tree.commune2, tree.other_commune):
            IndicatorReport.objects.create(
                indicator=indicator, unit=unit, as_of=TODAY - datetime.timedelta(days=19 - day), value=500 + 20 * day
            )
    return tree


def test_the_secretariat_works_through_the_morning(page, tree):
    log_in(page, tree.secretariat.username)
    page.wait_for_url("**/tong-quan/")
    page.wait_for_selector("#area-chart[data-drawn='true']")
    page.wait_for_selector("canvas.indicator-chart[data-drawn='true']")
    assert page.locator("#area-chart").bounding_box()["height"] > 50

    page.get_by_role("link", name="Đơn vị chậm tiến độ").first.click()
    page.wait_for_url("**/cham-tien-do/")
    assert page.locator("tr[data-unit]").first.get_attribute("data-unit") == tree.other_commune.code

    page.get_by_role("link", name="Việc cần xử lý").click()
    page.wait_for_url("**/hang-doi/")
    rows = page.locator("tr[data-assignment]")
    assert rows.count() == 2
    first = rows.filter(has_text="Lập danh sách công dân")
    first.get_by_role("button", name="Xác nhận").click()
    page.wait_for_selector(".alert-success")
    second = page.locator("tr[data-assignment]").filter(has_text="Tuyên truyền trực quan")
    second.get_by_label("Lý do trả lại").fill("Thiếu ảnh chụp pano tuyên truyền")
    second.get_by_role("button", name="Trả lại").click()
    page.wait_for_selector(".alert-success")
    assert page.locator("tr[data-assignment]").count() == 0
    statuses = dict(
        Assignment.objects.filter(unit__in=[tree.commune, tree.commune2]).values_list("unit__code", "work_status")
    )
    assert statuses == {tree.commune.code: "confirmed", tree.commune2.code: "returned"}

    page.get_by_role("link", name="Bảng xếp hạng").click()
    page.wait_for_url("**/xep-hang/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel").click()
    sheet = openpyxl.load_workbook(BytesIO(download.value.path().read_bytes())).active
    assert "2023" in sheet["A1"].value
    assert {row[3].value for row in sheet.iter_rows(min_row=5)} >= {tree.commune.name, tree.commune2.name}


def test_the_secretariat_ticks_completions_and_confirms_them_at_once(page, tree):
    log_in(page, tree.secretariat.username)
    page.wait_for_url("**/tong-quan/")
    page.goto(page.url.replace("/tong-quan/", "/hang-doi/?q=danh+sach"))
    rows = page.locator("tr[data-assignment]")
    assert rows.count() == 1  # the search found the one report
    page.goto(page.url.split("?")[0])
    for title in ("Lập danh sách công dân", "Tuyên truyền trực quan"):
        page.locator("tr[data-assignment]").filter(has_text=title).get_by_role("checkbox").check()
    page.get_by_role("button", name="Xác nhận các báo cáo đã đánh dấu").click()
    page.wait_for_selector(".alert-success")
    assert "Đã xác nhận 2 báo cáo hoàn thành." in page.locator(".alert-success").inner_text()
    assert page.locator("tr[data-assignment]").count() == 0
    assert set(
        Assignment.objects.filter(unit__in=[tree.commune, tree.commune2]).values_list("work_status", flat=True)
    ) == {"confirmed"}

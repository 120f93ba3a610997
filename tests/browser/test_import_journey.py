"""The secretariat imports the week's e-ID figures from a spreadsheet in a real browser."""

import datetime

import openpyxl
import pytest

from tasks.models import IndicatorReport
from tasks.summaries import indicator_totals_rebuild
from tests.browser.conftest import log_in
from tests.conftest import TODAY
from tests.factories import Tree, make_eid_targets

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tree(fixed_today):
    tree = Tree()
    indicator = make_eid_targets(
        {
            tree.province: 3000,
            tree.area: 2000,
            tree.commune: 1000,
            tree.commune2: 1000,
            tree.other_district: 1000,
            tree.other_commune: 1000,
        }
    )
    for unit in (tree.commune, tree.commune2, tree.other_commune):
        IndicatorReport.objects.create(
            indicator=indicator, unit=unit, as_of=TODAY - datetime.timedelta(days=7), value=500
        )
    indicator_totals_rebuild(province_id=tree.province.pk)  # figures written around the services
    return tree


def test_the_secretariat_imports_figures_and_the_dashboard_shows_them(page, tree, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Tên đơn vị", "Ngày", "Giá trị lũy kế"])
    sheet.append(["UBND xã Diễn Kỷ", TODAY, 950])
    sheet.append(["thi tran dien chau", "20/06/2023", "980"])
    sheet.append(["Mường Xén", TODAY, 1000])
    path = tmp_path / "so-lieu-tuan.xlsx"
    workbook.save(path)

    log_in(page, tree.secretariat.username)
    page.wait_for_url("**/tong-quan/")
    assert "50,0%" in page.locator("[data-indicator='DDDT']").first.inner_text()  # 1.500 / 3.000

    page.get_by_role("link", name="Nhập liệu").click()
    page.get_by_label("Chỉ tiêu", exact=True).select_option(label="Kích hoạt tài khoản định danh điện tử")
    page.get_by_label("Tệp").set_input_files(str(path))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    page.wait_for_selector("[data-testid='import-counts']")
    assert page.locator("[data-count='create']").inner_text() == "Mới: 3"
    assert page.locator("[data-count='errors']").inner_text() == "Lỗi: 0"

    page.get_by_role("button", name="Cập nhật 3 thay đổi").click()
    page.wait_for_selector(".alert-success")
    assert IndicatorReport.objects.filter(as_of=TODAY).count() == 3

    page.get_by_role("link", name="Tổng quan toàn tỉnh").click()
    page.wait_for_url("**/tong-quan/")
    assert "97,7%" in page.locator("[data-indicator='DDDT']").first.inner_text()  # 2.930 / 3.000

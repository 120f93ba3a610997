"""The secretariat applies a structure transition in a real browser: the menu, the form, a preview
that lists the commune left out of the mapping with its Vietnamese reason and no Apply button,
the resolution typed on the page, apply, and what the unit pages then show."""

import datetime

import pytest

from tests.browser.conftest import log_in
from tests.factories import Tree, make_assignment, make_task, make_unit
from units.models import Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNITS = "code,name,level,kind,parent_code\n40111,Xã Diễn Châu Mới,commune,commune,\n"
# Xã Diễn Kỷ (4011) and Thị trấn Diễn Châu (4012) merge; Xã Diễn Hoa (4013) is left out.
MAPPING = "old_code,new_code,share\n4011,40111,full\n4012,40111,full\n"


@pytest.fixture
def province(settings):
    """Huyện Diễn Châu with three communes; open work on Xã Diễn Kỷ and on Xã Diễn Hoa."""
    settings.APP_TODAY = datetime.date(2025, 7, 15)
    tree = Tree()
    tree.commune3 = make_unit(parent=tree.area, code="4013", name="Xã Diễn Hoa")
    due = datetime.date(2025, 9, 30)
    make_assignment(tree.commune, make_task(ref="1", title="Thu thập dữ liệu dân cư"), due_date=due)
    make_assignment(tree.commune3, make_task(ref="2", title="Kích hoạt định danh điện tử"), due_date=due)
    return tree


def test_the_secretariat_merges_communes_resolves_the_one_left_out_and_applies(page, province):
    log_in(page, province.secretariat.username)
    page.get_by_role("link", name="Sắp xếp đơn vị").click()
    page.wait_for_url("**/ke-hoach/sap-xep-don-vi/")

    page.get_by_label("Ngày hiệu lực").fill("01/07/2025")
    page.get_by_label("Căn cứ pháp lý").fill("1674/NQ-UBTVQH15")
    page.get_by_label("Đơn vị mới (các dòng)").fill(UNITS)
    page.get_by_label("Bảng ánh xạ (các dòng)").fill(MAPPING)
    page.get_by_label("Đơn vị kết thúc không có đơn vị kế thừa").fill("401")  # the district level ends
    page.get_by_role("button", name="Xem trước").click()

    unresolved = page.get_by_test_id("transition-unresolved")
    assert "1 đơn vị chưa xác định" in unresolved.inner_text()
    row = unresolved.locator("tbody tr")
    assert row.count() == 1
    assert "Xã Diễn Hoa (4013)" in row.inner_text()
    assert "Đơn vị cấp trên kết thúc, còn đơn vị này chưa được ánh xạ sang đơn vị kế thừa" in row.inner_text()
    assert page.get_by_role("button", name="Áp dụng").count() == 0
    # What was typed is still there after the preview.
    assert page.get_by_label("Ngày hiệu lực").input_value() == "01/07/2025"
    assert "4012,40111,full" in page.get_by_label("Bảng ánh xạ (các dòng)").input_value()

    page.get_by_label("Ánh xạ sang mã đơn vị 4013").fill("40111")
    page.get_by_role("button", name="Xem trước").click()
    assert page.get_by_test_id("transition-unresolved").count() == 0
    destinations = page.get_by_test_id("transition-destinations").inner_text()
    assert "Xã Diễn Hoa (4013)" in destinations and "Xã Diễn Châu Mới (40111)" in destinations
    page.get_by_role("button", name="Áp dụng").click()

    page.get_by_role("heading", name="Đã áp dụng sắp xếp đơn vị").wait_for()
    summary = page.locator("main").inner_text()
    assert "1674/NQ-UBTVQH15" in summary and "01/07/2025" in summary
    assert page.get_by_test_id("summary-assignments_carried").inner_text() == "2"
    assert page.get_by_test_id("summary-new_units").inner_text() == "1"

    # The new commune carries both communes' open work.
    page.goto("/don-vi/40111/")
    body = page.locator("main").inner_text()
    assert "Xã Diễn Châu Mới" in body
    assert "Thu thập dữ liệu dân cư" in body and "Kích hoạt định danh điện tử" in body
    # The old commune says it ended on that date and links its successor.
    page.goto("/don-vi/4013/")
    ended = page.get_by_test_id("unit-ended")
    assert "Đơn vị này đã kết thúc hoạt động từ ngày 01/07/2025." in ended.inner_text()
    ended.get_by_test_id("successor").click()
    page.wait_for_url("**/don-vi/40111/**")
    assert "Xã Diễn Châu Mới" in page.locator("h1").inner_text()
    assert Unit.objects.get(code="4013").valid_to == datetime.date(2025, 7, 1)

"""The secretariat reads the province as it stood on a past date, in a real browser: the picker,
the old structure's areas, a number that opens the list behind it as at the same date."""

import datetime

import pytest
from django.utils import timezone

from tasks.models import Assignment
from tests.browser.conftest import log_in
from tests.factories import Tree, make_assignment, make_task, make_unit
from units.models import StructureTransition, Unit, UnitSuccession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

D1 = datetime.date(2023, 6, 20)
E = datetime.date(2025, 7, 1)


@pytest.fixture
def province(settings):
    """Work of 2023 on the old communes, then the 2025 structure (as the service leaves it)."""
    settings.APP_TODAY = datetime.date(2025, 9, 15)
    tree = Tree()
    task = make_task(ref="1", title="Thu thập dữ liệu dân cư")
    late = make_assignment(tree.commune, task, due_date=datetime.date(2023, 6, 10))
    make_assignment(tree.other_commune, task, due_date=datetime.date(2023, 6, 10))
    Assignment.objects.update(created_at=timezone.make_aware(datetime.datetime(2023, 6, 1, 9)))
    old = [tree.area, tree.commune, tree.commune2, tree.other_district, tree.other_commune]
    Unit.objects.filter(pk__in=[u.pk for u in old]).update(valid_to=E, is_active=False)
    new = make_unit(parent=tree.province, level=Unit.Level.COMMUNE, code="4099", name="Xã Mới", valid_from=E)
    transition = StructureTransition.objects.create(province=tree.province, effective_on=E, basis="1243/NQ-UBTVQH15")
    UnitSuccession.objects.create(predecessor=tree.commune, successor=new, effective_on=E, transition=transition)
    tree.late = late
    return tree


def test_the_secretariat_picks_a_past_date_and_follows_a_number(page, province):
    log_in(page, province.secretariat.username)
    page.goto("/tong-quan/")
    picker = page.get_by_test_id("as-at-picker")
    picker.get_by_placeholder("dd/mm/yyyy").fill("20/06/2023")
    picker.get_by_role("button").first.click()
    page.wait_for_url("**as_at=20%2F06%2F2023**")
    assert "Số liệu tại ngày 20/06/2023" in page.get_by_test_id("as-at").inner_text()
    body = page.locator("main").inner_text()
    assert "Huyện Diễn Châu" in body and "Huyện Kỳ Sơn" in body  # the 2023 structure's areas
    assert "Xã Mới" not in body
    page.locator('a.status-card[data-status="overdue"]').click()
    page.wait_for_url("**/danh-sach/**")
    assert "as_at=20/06/2023" in page.url or "as_at=20%2F06%2F2023" in page.url
    assert "Xã Diễn Kỷ" in page.locator("main").inner_text()
    assert "Số liệu tại ngày 20/06/2023" in page.get_by_test_id("as-at").inner_text()

"""After a structure transition, reminders and digests go to the successors, never to the ended
units (issue 14, item 3)."""

import datetime

import pytest

from reports import digests, reminders
from reports.models import Notification
from tasks.models import Assignment
from tasks.transitions import Link, TransitionInput, transition_apply
from tests.factories import make_assignment, make_task
from units.loaders import UnitRow
from units.models import Unit

EFFECTIVE = datetime.date(2025, 7, 1)
DAY = datetime.date(2025, 7, 7)  # a Monday: the weekly digests' day


@pytest.fixture
def merged(tree, settings):
    """Xã Diễn Kỷ (4011) and Thị trấn Diễn Châu (4012) merge into a new commune that keeps 4011."""
    settings.APP_TODAY = DAY
    tree.head_commune.email = "head-commune40@example.org"
    tree.head_commune.save()
    task = make_task(title="Rà soát dữ liệu dân cư sau sắp xếp")
    make_assignment(tree.commune, task, due_date=DAY + datetime.timedelta(days=3))
    make_assignment(tree.commune2, task, due_date=DAY + datetime.timedelta(days=7))
    make_assignment(tree.commune2, make_task(title="Kích hoạt định danh"), due_date=DAY - datetime.timedelta(days=2))
    transition_apply(
        TransitionInput(
            province_code=tree.province.code,
            effective_on=EFFECTIVE,
            basis="1674/NQ-UBTVQH15",
            new_units=[UnitRow("4011", "Xã Diễn Châu", Unit.Level.COMMUNE, Unit.Kind.COMMUNE, tree.province.code)],
            links=[Link("4011", "4011"), Link("4012", "4011")],
            ended=[tree.area.code],
            closures={tree.area.code: "Cấp huyện kết thúc hoạt động từ 01/07/2025"},
        ),
        by=tree.secretariat,
    )
    return Unit.objects.get(code="4011", valid_from=EFFECTIVE)


def test_reminders_go_to_the_successor_and_its_head_not_to_the_ended_communes(tree, merged):
    reminders.reminders_decide(today=DAY)
    rows = Notification.objects.filter(kind=Notification.Kind.REMINDER)
    assert set(rows.values_list("unit", flat=True)) == {merged.pk}
    assert "head-commune40@example.org" in set(rows.values_list("recipient", flat=True))  # handed over
    text = rows.first().body_text
    assert "Xã Diễn Châu" in text
    assert "Rà soát dữ liệu dân cư sau sắp xếp" in text and "Kích hoạt định danh" in text
    assert not Notification.objects.filter(unit__in=[tree.commune, tree.commune2]).exists()


def test_the_weekly_digest_of_the_successor_lists_the_carried_work(tree, merged):
    digests.digests_decide(today=DAY)
    unit_digests = Notification.objects.filter(kind=Notification.Kind.DIGEST_UNIT)
    assert merged.pk in set(unit_digests.values_list("unit", flat=True))
    assert not unit_digests.filter(unit__in=[tree.commune, tree.commune2, tree.area]).exists()
    assert Assignment.objects.filter(unit=merged).count() == 2  # the same task merged into one row

"""The weeks of regular reporting: completed weeks come from the kept summary, the current one from history."""

import datetime

from django.utils import timezone

from reports.activity import reporting_weeks, reporting_weeks_reset
from reports.models import ReportingWeek
from tasks.models import HistoryEntry
from tasks.services import history_entry_build
from tests.factories import make_assignment


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def entry(assignment, user, day):
    history_entry_build(obj=assignment, user=user, action=HistoryEntry.Action.PROGRESS, changes={}, at=at(day)).save()


MON = datetime.date(2023, 6, 5)  # a Monday


def test_a_finished_week_is_kept_and_the_current_week_is_read_live(tree):
    commune = make_assignment(tree.commune)
    district = make_assignment(tree.area)
    entry(commune, tree.head_commune, MON)  # week 1: the commune
    entry(commune, tree.secretariat, MON + datetime.timedelta(days=8))  # week 2: not a reporting role
    today = MON + datetime.timedelta(days=9)  # Wednesday of week 2

    weeks, counts = reporting_weeks(province=tree.province, year=2023, today=today)
    assert (weeks, counts) == (2, {tree.commune.pk: 1})
    assert list(ReportingWeek.objects.values_list("unit_id", "week")) == [(tree.commune.pk, MON)]

    entry(district, tree.head_district, today)  # this week: counted at once, from the history
    assert reporting_weeks(province=tree.province, year=2023, today=today)[1] == {
        tree.commune.pk: 1,
        tree.area.pk: 1,
    }
    # A week later the same week is read from the summary, filled once.
    later = today + datetime.timedelta(days=7)
    assert reporting_weeks(province=tree.province, year=2023, today=later) == (
        3,
        {tree.commune.pk: 1, tree.area.pk: 1},
    )
    assert ReportingWeek.objects.count() == 2


def test_history_written_with_past_dates_is_counted_after_a_reset(tree):
    commune = make_assignment(tree.commune)
    entry(commune, tree.head_commune, MON)
    today = MON + datetime.timedelta(days=14)
    assert reporting_weeks(province=tree.province, year=2023, today=today)[1] == {tree.commune.pk: 1}
    entry(commune, tree.head_commune, MON + datetime.timedelta(days=7))  # a loader writing the past
    assert reporting_weeks(province=tree.province, year=2023, today=today)[1] == {tree.commune.pk: 1}
    reporting_weeks_reset(province_id=tree.province.pk)
    assert reporting_weeks(province=tree.province, year=2023, today=today)[1] == {tree.commune.pk: 2}


def test_a_province_without_history_counts_nothing_until_it_has_some(tree):
    today = MON + datetime.timedelta(days=2)
    assert reporting_weeks(province=tree.province, year=2023, today=today) == (0, {})
    entry(make_assignment(tree.commune), tree.head_commune, today)
    assert reporting_weeks(province=tree.province, year=2023, today=today) == (1, {tree.commune.pk: 1})

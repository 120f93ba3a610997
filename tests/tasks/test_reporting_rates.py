"""Reporting rate and timeliness (DHIS2's expected, received, on time) per unit, area, level and province."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks import services
from tasks.models import Assignment, ReportSlot
from tasks.selectors import reporting_rate_series, reporting_rates
from tasks.slots import slots_ensure
from tests.factories import bulk_assignments, bulk_communes, make_task

D = datetime.date
JUNE = (D(2023, 6, 1), D(2023, 6, 30))


def monthly_task():
    return make_task(
        is_recurring=True, report_period="monthly", due_rule="day_of_period", due_day=20, cycle_since=D(2023, 1, 1)
    )


def open_june(units):
    rows = bulk_assignments(units, monthly_task())
    Assignment.objects.filter(pk__in=[a.pk for a in rows]).update(
        created_at=datetime.datetime(2023, 5, 25, tzinfo=datetime.UTC)
    )
    slots_ensure(today=D(2023, 6, 1))
    return {slot.unit_id: slot for slot in ReportSlot.objects.select_related("assignment__task", "unit")}


def submit(settings, slot, user, day):
    settings.APP_TODAY = day
    services.slot_report(slot=slot, user=user, version=slot.version, outcome="done")


@pytest.fixture
def june(tree, settings):
    """Four units owe June's report by 20/06: the commune on time, the town late, two never."""
    slots = open_june([tree.commune, tree.commune2, tree.other_commune, tree.agency])
    head_town = type(tree.head_commune).objects.create(username="head-town", role="unit_head", unit=tree.commune2)
    submit(settings, slots[tree.commune.pk], tree.head_commune, D(2023, 6, 5))
    submit(settings, slots[tree.commune2.pk], head_town, D(2023, 6, 25))
    settings.APP_TODAY = D(2023, 7, 1)
    return slots


def counts(row):
    return (row.expected, row.received, row.on_time, row.late, row.missing)


@pytest.mark.django_db
def test_a_unit_that_reports_late_counts_as_late_in_the_rate(tree, june):
    rates = reporting_rates(tree.province, *JUNE, today=D(2023, 7, 1))
    assert counts(rates.total) == (4, 2, 1, 1, 2)
    assert rates.total.rate == 0.5 and rates.total.on_time_rate == 0.25
    by_unit = {row.code: counts(row) for row in rates.by_unit}
    assert by_unit == {
        tree.commune.code: (1, 1, 1, 0, 0),
        tree.commune2.code: (1, 1, 0, 1, 0),
        tree.other_commune.code: (1, 0, 0, 0, 1),
        tree.agency.code: (1, 0, 0, 0, 1),
    }
    assert {row.label: counts(row) for row in rates.by_area} == {
        "Huyện Diễn Châu": (2, 2, 1, 1, 0),
        "Huyện Kỳ Sơn": (1, 0, 0, 0, 1),
    }
    assert [(row.label, row.expected) for row in rates.by_level] == [("Cơ quan cấp tỉnh", 1), ("Cấp xã", 3)]
    assert [(row.code, row.expected) for row in rates.by_task] == [
        (june[tree.commune.pk].assignment.task.document.number, 4)
    ]


@pytest.mark.django_db
def test_before_the_due_date_only_reports_already_received_are_expected(tree, june):
    rates = reporting_rates(tree.province, *JUNE, as_at=D(2023, 6, 10))
    assert counts(rates.total) == (1, 1, 1, 0, 0)  # received early: on time, never above 100%


@pytest.mark.django_db
def test_as_at_a_past_date_a_later_report_is_still_missing(tree, june):
    rates = reporting_rates(tree.province, *JUNE, as_at=D(2023, 6, 22))
    assert counts(rates.total) == (4, 1, 1, 0, 3)
    # As at the end of the month everything is as it is live.
    dated = reporting_rates(tree.province, *JUNE, as_at=D(2023, 6, 30)).total
    live = reporting_rates(tree.province, *JUNE, today=D(2023, 6, 30)).total
    assert counts(dated) == counts(live) == (4, 2, 1, 1, 2)


@pytest.mark.django_db
def test_a_window_counts_the_reports_whose_period_ends_in_it(tree, june):
    assert reporting_rates(tree.province, D(2023, 4, 1), D(2023, 6, 30)).total.expected == 4  # Q2
    assert reporting_rates(tree.province, D(2023, 7, 1), D(2023, 7, 31)).total.expected == 0
    district = reporting_rates(tree.province, *JUNE, area=tree.area)
    assert counts(district.total) == (2, 2, 1, 1, 0)
    commune = reporting_rates(tree.province, *JUNE, unit=tree.commune2)
    assert counts(commune.total) == (1, 1, 0, 1, 0)


@pytest.mark.django_db
def test_paused_work_and_ended_units_are_not_expected(tree, june):
    Assignment.objects.filter(unit=tree.agency).update(work_status="paused")
    type(tree.area).objects.filter(pk=tree.other_commune.pk).update(is_active=False, valid_to=D(2023, 6, 26))
    assert counts(reporting_rates(tree.province, *JUNE, today=D(2023, 7, 1)).total) == (2, 2, 1, 1, 0)
    # As at 25/06 the commune was still in force: it owed its report then.
    assert reporting_rates(tree.province, *JUNE, as_at=D(2023, 6, 25)).total.expected == 3


@pytest.mark.django_db
def test_the_monthly_series_lists_every_month_of_the_window(tree, june):
    series = reporting_rate_series(tree.province, D(2023, 5, 1), D(2023, 7, 31), today=D(2023, 7, 1))
    assert [(row.label, row.expected, row.received, row.on_time) for row in series] == [
        ("05/2023", 0, 0, 0),
        ("06/2023", 4, 2, 1),
        ("07/2023", 0, 0, 0),
    ]


@pytest.mark.django_db
def test_the_rates_take_the_same_queries_for_a_few_and_hundreds_of_units(tree, settings):
    def queries(n, prefix):
        ReportSlot.objects.all().delete()
        Assignment.objects.all().delete()
        open_june([*bulk_communes(tree.area, n, prefix=prefix), tree.agency])
        with CaptureQueriesContext(connection) as captured:
            rates = reporting_rates(tree.province, *JUNE, today=D(2023, 7, 1))
            reporting_rate_series(tree.province, D(2023, 1, 1), D(2023, 12, 31), today=D(2023, 7, 1))
        assert rates.total.expected == n + 1
        return len(captured)

    assert queries(3, "A") == queries(200, "B")

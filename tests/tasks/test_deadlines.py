"""Every boundary of the six deadline statuses, computed by the database."""

import datetime

import pytest
from django.db.models import Count

from tasks.deadlines import DeadlineStatus, deadline_counts, deadline_status_expression
from tasks.models import Assignment
from tests.factories import make_assignment, make_task, make_unit

TODAY = datetime.date(2023, 6, 20)
S = Assignment.WorkStatus


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def status_of(assignment: Assignment, today: datetime.date = TODAY) -> str | None:
    return (
        Assignment.objects.filter(pk=assignment.pk)
        .annotate(deadline=deadline_status_expression(today))
        .values_list("deadline", flat=True)
        .get()
    )


@pytest.fixture
def unit(db):
    return make_unit(parent=make_unit(code="40"), code="412")


def confirmed(unit, due, done):
    return make_assignment(unit, due_date=due, work_status=S.CONFIRMED, progress=100, completed_on=done)


@pytest.mark.parametrize(
    ("due_in", "expected"),
    [
        (-30, DeadlineStatus.OVERDUE),
        (-1, DeadlineStatus.OVERDUE),
        (0, DeadlineStatus.DUE_SOON),  # due today is not overdue yet
        (1, DeadlineStatus.DUE_SOON),
        (7, DeadlineStatus.DUE_SOON),  # the last day of the 7-day window
        (8, DeadlineStatus.NOT_DUE),
        (200, DeadlineStatus.NOT_DUE),
    ],
)
def test_it_classifies_open_assignments_by_days_to_due_date(unit, due_in, expected):
    assignment = make_assignment(unit, due_date=days(due_in), work_status=S.IN_PROGRESS)
    assert status_of(assignment) == expected


def test_it_takes_the_due_soon_window_from_settings(unit, settings):
    settings.DEADLINE_DUE_SOON_DAYS = 3
    assert status_of(make_assignment(unit, due_date=days(3))) == DeadlineStatus.DUE_SOON
    assert status_of(make_assignment(unit, due_date=days(4))) == DeadlineStatus.NOT_DUE


def test_it_counts_completion_on_the_due_date_as_on_time(unit):
    assert status_of(confirmed(unit, days(-5), days(-5))) == DeadlineStatus.DONE_ON_TIME


def test_it_counts_completion_a_day_late_as_late(unit):
    assert status_of(confirmed(unit, days(-5), days(-4))) == DeadlineStatus.DONE_LATE


def test_it_counts_early_completion_as_on_time_even_before_the_due_date(unit):
    assert status_of(confirmed(unit, days(10), days(-2))) == DeadlineStatus.DONE_ON_TIME


def test_it_keeps_a_reported_but_unconfirmed_assignment_overdue(unit):
    # A task completes when the secretariat confirms it; until then the deadline still runs.
    assignment = make_assignment(unit, due_date=days(-1), work_status=S.REPORTED, progress=100)
    assert status_of(assignment) == DeadlineStatus.OVERDUE


def test_it_measures_against_the_extended_due_date(unit):
    assignment = make_assignment(unit, due_date=days(10), original_due_date=days(-3), work_status=S.IN_PROGRESS)
    assert assignment.was_extended
    assert status_of(assignment) == DeadlineStatus.NOT_DUE
    late_for_the_original = confirmed(unit, days(10), days(2))
    late_for_the_original.original_due_date = days(-3)
    late_for_the_original.save()
    assert status_of(late_for_the_original) == DeadlineStatus.DONE_ON_TIME


def test_it_gives_recurring_assignments_no_deadline(unit):
    task = make_task(is_recurring=True)
    assert status_of(make_assignment(unit, task=task, due_date=None)) == DeadlineStatus.NO_DEADLINE
    assert status_of(make_assignment(unit, due_date=None, work_status=S.CONFIRMED, completed_on=TODAY)) == (
        DeadlineStatus.NO_DEADLINE
    )


@pytest.mark.parametrize("work_status", [S.PAUSED, S.CANCELLED])
def test_it_leaves_paused_and_cancelled_assignments_out(unit, work_status):
    assignment = make_assignment(unit, due_date=days(-10), work_status=work_status)
    assert status_of(assignment) is None
    counts = Assignment.objects.aggregate(**deadline_counts(TODAY))
    assert counts["total"] == 0
    assert counts[DeadlineStatus.OVERDUE] == 0


def test_it_moves_an_assignment_to_overdue_the_day_after_its_due_date(unit):
    assignment = make_assignment(unit, due_date=TODAY)
    assert status_of(assignment, TODAY) == DeadlineStatus.DUE_SOON
    assert status_of(assignment, days(1)) == DeadlineStatus.OVERDUE


def test_counts_match_the_annotation_and_group_in_the_database(unit):
    other = make_unit(parent=unit.parent, code="413")
    make_assignment(unit, due_date=days(-1))
    make_assignment(unit, due_date=days(2))
    make_assignment(other, due_date=days(30))
    confirmed(other, days(-3), days(-3))
    make_assignment(other, due_date=None)

    grouped = dict(
        Assignment.objects.annotate(deadline=deadline_status_expression(TODAY))
        .values_list("deadline")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = Assignment.objects.aggregate(**deadline_counts(TODAY))
    assert grouped == {
        DeadlineStatus.OVERDUE: 1,
        DeadlineStatus.DUE_SOON: 1,
        DeadlineStatus.NOT_DUE: 1,
        DeadlineStatus.DONE_ON_TIME: 1,
        DeadlineStatus.NO_DEADLINE: 1,
    }
    assert {k: v for k, v in counts.items() if v} == {**grouped, "total": 5}

    # The same counts per unit, through the relation, in one query.
    per_unit = {
        row["code"]: row
        for row in type(unit)
        .objects.filter(code__in=["412", "413"])
        .values("code")
        .annotate(**deadline_counts(TODAY, prefix="assignments__"))
    }
    assert per_unit["412"]["overdue"] == 1 and per_unit["412"]["total"] == 2
    assert per_unit["413"]["done_on_time"] == 1 and per_unit["413"]["total"] == 3

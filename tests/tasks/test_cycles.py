"""Reporting cycles: periods, due rules, the first period a unit reports for, the rules' bounds."""

import datetime

import pytest
from django.utils import translation

from tasks.cycles import Cycle, cycle_errors, cycle_text, due_day_bounds, period_bounds, period_label

D = datetime.date


@pytest.mark.parametrize(
    ("period", "day", "bounds"),
    [
        ("weekly", D(2023, 6, 20), (D(2023, 6, 19), D(2023, 6, 25))),
        ("monthly", D(2024, 2, 10), (D(2024, 2, 1), D(2024, 2, 29))),
        ("quarterly", D(2023, 5, 31), (D(2023, 4, 1), D(2023, 6, 30))),
        ("quarterly", D(2023, 12, 1), (D(2023, 10, 1), D(2023, 12, 31))),
        ("yearly", D(2023, 6, 20), (D(2023, 1, 1), D(2023, 12, 31))),
    ],
)
def test_it_finds_the_calendar_period_of_a_day(period, day, bounds):
    assert period_bounds(period, day) == bounds


@pytest.mark.parametrize(
    ("cycle", "start", "due"),
    [
        (Cycle("monthly", "day_of_period", 20), D(2023, 6, 1), D(2023, 6, 20)),  # "by the 20th of the month"
        (Cycle("monthly", "day_of_period", 31), D(2023, 2, 1), D(2023, 2, 28)),  # a day February lacks: its last
        (Cycle("quarterly", "after_end", 5), D(2023, 4, 1), D(2023, 7, 5)),  # "5 days after the quarter ends"
        (Cycle("quarterly", "day_of_period", 15), D(2023, 4, 1), D(2023, 6, 15)),  # the quarter's last month
        (Cycle("yearly", "day_of_period", 15), D(2023, 1, 1), D(2023, 12, 15)),  # by 15 December
        (Cycle("weekly", "day_of_period", 5), D(2023, 6, 19), D(2023, 6, 23)),  # by Friday
        (Cycle("weekly", "after_end", 0), D(2023, 6, 19), D(2023, 6, 25)),  # the period's last day
    ],
)
def test_it_computes_the_due_date_of_a_period(cycle, start, due):
    assert cycle.due(start) == due


def test_a_unit_assigned_after_the_months_due_day_reports_from_the_next_month():
    by_20th = Cycle("monthly", "day_of_period", 20)
    assert by_20th.first_start(since=D(2023, 6, 28)) == D(2023, 7, 1)
    assert by_20th.first_start(since=D(2023, 6, 20)) == D(2023, 6, 1)  # due that very day: still June's
    after_end = Cycle("monthly", "after_end", 5)
    assert after_end.first_start(since=D(2023, 6, 28)) == D(2023, 6, 1)


def test_it_lists_every_period_that_started_after_the_last_report():
    monthly = Cycle("monthly", "after_end", 5)
    starts = monthly.starts(since=D(2023, 1, 10), after=D(2023, 3, 31), until=D(2023, 6, 20))
    assert starts == [D(2023, 4, 1), D(2023, 5, 1), D(2023, 6, 1)]
    assert monthly.starts(since=D(2023, 1, 10), after=D(2023, 6, 30), until=D(2023, 6, 20)) == []


def test_a_changed_cycle_starts_with_the_first_whole_period_after_the_last_report():
    quarterly = Cycle("quarterly", "after_end", 5)
    # The monthly report of July exists: the quarterly reports start with Q4, never overlapping July.
    assert quarterly.first_start(since=D(2023, 7, 10), after=D(2023, 7, 31)) == D(2023, 10, 1)


@pytest.mark.parametrize(
    ("period", "rule", "bounds"),
    [
        ("weekly", "day_of_period", (1, 7)),
        ("monthly", "day_of_period", (1, 31)),
        ("weekly", "after_end", (0, 7)),
        ("monthly", "after_end", (0, 28)),
        ("quarterly", "after_end", (0, 90)),
        ("yearly", "after_end", (0, 365)),
    ],
)
def test_every_due_date_falls_by_the_end_of_the_next_period(period, rule, bounds):
    assert due_day_bounds(period, rule) == bounds
    day = D(2023, 1, 1)
    for _ in range(60):  # every period of five years (weeks: sixty of them)
        cycle = Cycle(period, rule, bounds[1])
        start = cycle.bounds(day)[0]
        following = cycle.next_start(start)
        assert cycle.due(start) <= cycle.bounds(following)[1]
        day = following


def test_it_refuses_a_cycle_out_of_its_bounds_in_vietnamese():
    with translation.override("vi"):
        errors = cycle_errors(period="monthly", rule="day_of_period", day=32, is_recurring=True)
        assert errors == {"due_day": "Ngày phải từ 1 đến 31 với kỳ và cách tính hạn này."}
        assert cycle_errors(period="monthly", rule="day_of_period", day=20, is_recurring=False) == {
            "report_period": "Chỉ nhiệm vụ thường xuyên mới có kỳ báo cáo."
        }
        assert set(cycle_errors(period="monthly", rule="", day=None, is_recurring=True)) == {"due_rule", "due_day"}
    assert cycle_errors(period="", rule="", day=None, is_recurring=False) == {}
    assert cycle_errors(period="quarterly", rule="after_end", day=5, is_recurring=True) == {}


def test_it_names_periods_and_cycles_as_offices_do():
    with translation.override("vi"):
        assert period_label("monthly", D(2023, 6, 1)) == "Tháng 06/2023"
        assert period_label("quarterly", D(2023, 4, 1)) == "Quý II/2023"
        assert period_label("yearly", D(2023, 1, 1)) == "Năm 2023"
        assert period_label("weekly", D(2023, 6, 19)) == "Tuần 25/2023 (19/06–25/06)"
        assert cycle_text(Cycle("monthly", "day_of_period", 20)) == "Hằng tháng, trước hết ngày 20 của tháng"
        assert cycle_text(Cycle("quarterly", "after_end", 5)) == "Hằng quý, 5 ngày sau khi kỳ kết thúc"

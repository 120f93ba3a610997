"""Reporting cycles: the periods of a recurring task or indicator and the due date of each report.

A cycle is a period (weekly, monthly, quarterly, yearly: calendar periods, weeks from Monday) and a
due rule, one of two kinds (docs/DECISIONS.md, "Reporting cycles"):

- ``day_of_period``: by day N of the period: of the week for a weekly cycle (1 = Monday … 7 =
  Sunday), otherwise of the period's last month ("by the 20th of the month", "by the 15th of the
  quarter's last month", "by 15 December": Nghị định 09/2019/NĐ-CP's reports close in the period's
  last month). A day the month does not have is its last day (31 in February: 28 or 29).
- ``after_end``: N days after the period ends ("5 days after the quarter ends"); N = 0 is the
  period's last day.

Every due date falls at the latest on the last day of the next period (the bounds of
``due_day_bounds``), so an assignment has at most two reports open at once: the period that ended
and the one under way.

Pure date arithmetic, no query: the form, the service, the admin and the slot generator ask here.
"""

import calendar
import datetime
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Period(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class DueRule(models.TextChoices):
    DAY_OF_PERIOD = "day_of_period", _("By a day of the period")
    AFTER_END = "after_end", _("A number of days after the period ends")


# The largest N of "N days after the period ends": the next period's length at its shortest, so the
# report is due at the latest on the next period's last day.
MAX_DAYS_AFTER_END = {Period.WEEKLY: 7, Period.MONTHLY: 28, Period.QUARTERLY: 90, Period.YEARLY: 365}


def due_day_bounds(period: str, rule: str) -> tuple[int, int]:
    """The smallest and largest ``due_day`` of a cycle."""
    if rule == DueRule.AFTER_END:
        return 0, MAX_DAYS_AFTER_END[Period(period)]
    return 1, 7 if period == Period.WEEKLY else 31


@dataclass(frozen=True)
class Cycle:
    period: str
    rule: str
    day: int

    @classmethod
    def of(cls, obj) -> "Cycle | None":
        """The cycle of a task or an indicator (its ``report_period``, ``due_rule``, ``due_day``), or None."""
        if not obj.report_period:
            return None
        return cls(obj.report_period, obj.due_rule, obj.due_day)

    def bounds(self, day: datetime.date) -> tuple[datetime.date, datetime.date]:
        return period_bounds(self.period, day)

    def due(self, start: datetime.date) -> datetime.date:
        """The due date of the report of the period that starts on ``start``."""
        _start, end = period_bounds(self.period, start)
        if self.rule == DueRule.AFTER_END:
            return end + datetime.timedelta(days=self.day)
        if self.period == Period.WEEKLY:
            return start + datetime.timedelta(days=self.day - 1)
        return end.replace(day=min(self.day, calendar.monthrange(end.year, end.month)[1]))

    def next_start(self, start: datetime.date) -> datetime.date:
        """The first day of the period after the one that starts on ``start``."""
        return period_bounds(self.period, start)[1] + datetime.timedelta(days=1)

    def first_start(self, *, since: datetime.date, after: datetime.date | None = None) -> datetime.date:
        """The first period a unit reports for: the earliest that starts after ``after`` (the end
        of the last period it already has a report for) and whose report is not due before
        ``since`` (the day it was given the task, or the day the cycle was set): assigned on
        28/06 with "by the 20th", its first report is July's."""
        start = self.bounds(since)[0]
        if after is not None and start <= after:
            start = after + datetime.timedelta(days=1)
            if start != self.bounds(start)[0]:  # a changed cycle starts with a whole period
                start = self.next_start(self.bounds(start)[0])
        while self.due(start) < since:
            start = self.next_start(start)
        return start

    def starts(self, *, since: datetime.date, after: datetime.date | None, until: datetime.date) -> list[datetime.date]:
        """The first days of the periods to report for that have started by ``until``, from
        ``first_start(since=, after=)`` on."""
        found = []
        start = self.first_start(since=since, after=after)
        while start <= until:
            found.append(start)
            start = self.next_start(start)
        return found


def period_bounds(period: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the ``period`` that contains ``day`` (weeks from Monday)."""
    if period == Period.WEEKLY:
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + datetime.timedelta(days=6)
    if period == Period.MONTHLY:
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if period == Period.QUARTERLY:
        first_month = 3 * ((day.month - 1) // 3) + 1
        last_month = first_month + 2
        return (
            datetime.date(day.year, first_month, 1),
            datetime.date(day.year, last_month, calendar.monthrange(day.year, last_month)[1]),
        )
    if period == Period.YEARLY:
        return datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31)
    raise ValueError(f"unknown period {period!r}")


ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def period_label(period: str, start: datetime.date) -> str:
    """The period as an office names it: "Tuần 25/2023 (19/06–25/06)", "Tháng 06/2023", "Quý II/2023", "Năm 2023"."""
    _start, end = period_bounds(period, start)
    if period == Period.WEEKLY:
        year, week, _weekday = start.isocalendar()
        return gettext("Week %(week)s/%(year)s (%(start)s–%(end)s)") % {
            "week": week,
            "year": year,
            "start": start.strftime("%d/%m"),
            "end": end.strftime("%d/%m"),
        }
    if period == Period.MONTHLY:
        return gettext("Month %(month)s") % {"month": start.strftime("%m/%Y")}
    if period == Period.QUARTERLY:
        return gettext("Quarter %(quarter)s/%(year)s") % {
            "quarter": ROMAN[(start.month - 1) // 3 + 1],
            "year": start.year,
        }
    return gettext("Year %(year)s") % {"year": start.year}


# "By Friday": a weekly report's due day, 1 = Monday.
BY_WEEKDAY = [
    _("by Monday"),
    _("by Tuesday"),
    _("by Wednesday"),
    _("by Thursday"),
    _("by Friday"),
    _("by Saturday"),
    _("by Sunday"),
]


def cycle_text(cycle: "Cycle | None") -> str:
    """The cycle in words: "Hằng tháng, trước hết ngày 20 của tháng", "Hằng quý, 5 ngày sau khi kỳ kết thúc"."""
    if cycle is None:
        return ""
    period = Period(cycle.period).label
    if cycle.rule == DueRule.AFTER_END:
        rule = gettext("%(n)s days after the period ends") % {"n": cycle.day}
    elif cycle.period == Period.WEEKLY:
        rule = str(BY_WEEKDAY[cycle.day - 1])
    elif cycle.period == Period.MONTHLY:
        rule = gettext("by day %(n)s of the month") % {"n": cycle.day}
    elif cycle.period == Period.QUARTERLY:
        rule = gettext("by day %(n)s of the quarter's last month") % {"n": cycle.day}
    else:
        rule = gettext("by %(n)s December") % {"n": cycle.day}
    return f"{period}, {rule}"


def cycle_errors(*, period: str, rule: str, day: int | None, is_recurring: bool) -> dict[str, str]:
    """What is wrong with a cycle, as ``{field: message}`` (fields ``report_period``, ``due_rule``,
    ``due_day``); empty when it is right or when there is no cycle at all. No query."""
    if not period and not rule and day is None:
        return {}
    errors = {}
    if not period:
        errors["report_period"] = gettext("Choose the reporting period, or leave the due rule and day empty.")
    elif period not in Period.values:
        errors["report_period"] = gettext("Choose a reporting period from the list.")
    elif not is_recurring:
        errors["report_period"] = gettext("Only a recurring task has a reporting cycle.")
    if not rule:
        errors["due_rule"] = gettext("Choose when the report is due.")
    elif rule not in DueRule.values:
        errors["due_rule"] = gettext("Choose a due rule from the list.")
    if day is None:
        errors["due_day"] = gettext("Give the day of the due rule.")
    elif not errors:
        low, high = due_day_bounds(period, rule)
        if not low <= day <= high:
            errors["due_day"] = gettext("The day must be between %(low)s and %(high)s for this period and rule.") % {
                "low": low,
                "high": high,
            }
    return errors

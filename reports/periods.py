"""Reporting periods of the official report: a month, a quarter or a year (Nghị định 09/2019/NĐ-CP's
regular reports), named by a key that a link or a form carries: ``2023-06``, ``2023-Q2``, ``2023``.

A period runs from its first to its last calendar day; the report counts as at the end of its last
day (docs/DECISIONS.md "The official report"). ``period_parse`` is the one reader of a key a user
sends, and refuses in words what it cannot read; ``last_closed`` is what the beat job reports on.
"""

import datetime
import re
from dataclasses import dataclass

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MONTH, QUARTER, YEAR = "month", "quarter", "year"
KINDS = (MONTH, QUARTER, YEAR)
KIND_LABELS = {MONTH: gettext_lazy("Monthly"), QUARTER: gettext_lazy("Quarterly"), YEAR: gettext_lazy("Yearly")}
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
# Quyết định 06/QĐ-TTg is of 06/01/2022: no report of the programme before its first year.
FIRST_YEAR = 2022

KEY_RE = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|Q(?P<quarter>[1-4])))?$")


class PeriodError(ValueError):
    """A period a user asked for that cannot be reported; the message says why, in Vietnamese."""


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    number: int = 1  # the month (1–12) or the quarter (1–4); 1 for a year

    @property
    def start(self) -> datetime.date:
        if self.kind == MONTH:
            return datetime.date(self.year, self.number, 1)
        if self.kind == QUARTER:
            return datetime.date(self.year, 3 * self.number - 2, 1)
        return datetime.date(self.year, 1, 1)

    @property
    def end(self) -> datetime.date:
        return self.following().start - datetime.timedelta(days=1)

    @property
    def key(self) -> str:
        if self.kind == MONTH:
            return f"{self.year}-{self.number:02d}"
        if self.kind == QUARTER:
            return f"{self.year}-Q{self.number}"
        return str(self.year)

    def label(self) -> str:
        """ "tháng 6 năm 2023", "quý II năm 2023", "năm 2023": as the summary line says it."""
        if self.kind == MONTH:
            return _("month %(month)s of %(year)s") % {"month": self.number, "year": self.year}
        if self.kind == QUARTER:
            return _("quarter %(quarter)s of %(year)s") % {"quarter": ROMAN[self.number], "year": self.year}
        return _("the year %(year)s") % {"year": self.year}

    def following(self) -> "Period":
        if self.kind == YEAR:
            return Period(YEAR, self.year + 1)
        last = 12 if self.kind == MONTH else 4
        if self.number == last:
            return Period(self.kind, self.year + 1, 1)
        return Period(self.kind, self.year, self.number + 1)

    def preceding(self) -> "Period":
        return period_containing(self.kind, self.start - datetime.timedelta(days=1))

    def closed_on(self, today: datetime.date) -> bool:
        return self.end < today


def period_containing(kind: str, day: datetime.date) -> Period:
    if kind == MONTH:
        return Period(MONTH, day.year, day.month)
    if kind == QUARTER:
        return Period(QUARTER, day.year, (day.month - 1) // 3 + 1)
    return Period(YEAR, day.year)


def last_closed(kind: str, today: datetime.date) -> Period:
    """The latest period of ``kind`` that ended before ``today``."""
    return period_containing(kind, today).preceding()


def period_parse(raw: str | None, *, today: datetime.date) -> Period:
    """The period a key names (``2023-06``, ``2023-Q2``, ``2023``); ``PeriodError`` when it names
    none, or one that has not begun or comes before the programme."""
    text = (raw or "").strip()
    match = KEY_RE.match(text)
    shown = text[:20]
    if match is None or (match["month"] and not 1 <= int(match["month"]) <= 12):
        raise PeriodError(
            _("“%(value)s” is not a reporting period: choose a month, a quarter or a year from the list.")
            % {"value": shown}
        )
    year = int(match["year"])
    if match["month"]:
        period = Period(MONTH, year, int(match["month"]))
    elif match["quarter"]:
        period = Period(QUARTER, year, int(match["quarter"]))
    else:
        period = Period(YEAR, year)
    if year < FIRST_YEAR:
        raise PeriodError(_("Project 06 began in %(year)s: choose a period from then on.") % {"year": FIRST_YEAR})
    if period.start > today:
        raise PeriodError(
            _("%(period)s has not begun yet: choose a period up to today (%(today)s).")
            % {"period": capfirst(period.label()), "today": f"{today:%d/%m/%Y}"}
        )
    return period


def period_choices(today: datetime.date) -> list[tuple[str, list[tuple[str, str]]]]:
    """The periods a report may be drafted for, newest first, grouped by kind (a ``<select>``'s
    option groups): every one begun by ``today`` since the programme's first year."""
    groups = []
    for kind in (QUARTER, MONTH, YEAR):
        options, period = [], period_containing(kind, today)
        while period.year >= FIRST_YEAR:
            options.append((period.key, capfirst(period.label())))
            period = period.preceding()
        groups.append((str(KIND_LABELS[kind]), options))
    return groups


def default_choice(today: datetime.date) -> str:
    """The period the picker offers first: the last quarter that has ended."""
    return last_closed(QUARTER, today).key

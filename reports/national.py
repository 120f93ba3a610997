"""Reads of the national tier: every province's counts per deadline status, the ranking of
provinces and the lagging ones (docs/DECISIONS.md "The national role", "The national data and
its budgets").

A province's row counts exactly what its own dashboard counts (``reports.selectors.
province_assignments``: ``counted_q`` as at the date, the units of the province), so the national
counts are the sum of the provinces' dashboards. Today's come from the counts kept per province
(``tasks.summaries.province_status_counts_kept``); as at a past date, from one GROUP BY over the
assignments.
"""

import datetime
import math
from dataclasses import dataclass

from django.db.models import F, Max, Sum

from projectsite import clock
from tasks.deadlines import DeadlineStatus, counted_q, deadline_counts
from tasks.indicators import expected_fraction
from tasks.models import Assignment, IndicatorTotalChange, Target
from tasks.selectors import targets_as_at
from tasks.summaries import province_status_counts_kept
from units.models import Unit, valid_on_q

from .selectors import on_time_rate

KEYS = [*map(str, DeadlineStatus), "total"]


# The forecast's pace: the change of the last days (tasks.indicators.forecast's window).
PACE_DAYS = 14


@dataclass
class Attainment:
    """A province's (or the country's) indicator against its target on a day."""

    code: str
    name: str
    target: int
    actual: int | None  # None: nothing reported yet
    expected: int
    pace_per_day: float | None = None
    reached_on: datetime.date | None = None
    indicator_id: int | None = None  # one indicator's part of a province's figure for the code

    @property
    def rate(self) -> float | None:
        return None if self.actual is None or not self.target else self.actual / self.target

    @property
    def behind(self) -> bool:
        return (self.actual or 0) < self.expected


@dataclass
class ProvinceRow:
    """A province's counts per status (``counts``, with ``total``), its on-time rate and rank."""

    province: Unit
    counts: dict[str, int]
    rate: float | None
    rank: int = 0


def province_rows(*, today: datetime.date | None = None, as_at: datetime.date | None = None) -> list[ProvinceRow]:
    """Every province in force on the page's date (``as_at`` when given, else today), with its
    counts: one aggregation of the kept counts (today) or of the assignments grouped by province
    (as at a past date), and one read of the provinces. Ranked (``rank``, 1 = best): by on-time
    rate, highest first (a province with nothing decided yet last), then fewest overdue, then by
    code; the list is in that order."""
    day = as_at or today or clock.today()
    if as_at is None:
        # Today: the kept counts (tasks.summaries), a few hundred rows a province.
        counts = province_status_counts_kept(today=day)
    else:
        # As at a past date: the live rule over the assignments (the kept counts are today's).
        counted = (
            Assignment.objects.filter(counted_q(as_at=as_at))
            .values(province=F("unit__province_id"))
            .annotate(**deadline_counts(today, as_at=as_at))
            .order_by()
        )
        counts = {row.pop("province"): row for row in counted}
    provinces = Unit.objects.filter(valid_on_q(day), level=Unit.Level.PROVINCE)
    if as_at is None:
        provinces = provinces.filter(is_active=True)
    rows = []
    for province in provinces.order_by("code"):
        found = counts.get(province.pk) or dict.fromkeys(KEYS, 0)
        rows.append(ProvinceRow(province=province, counts=found, rate=on_time_rate(found)))
    rows.sort(key=lambda r: (r.rate is None, -(r.rate or 0), r.counts["overdue"], r.province.code))
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
    return rows


def national_totals(rows: list[ProvinceRow]) -> dict[str, int]:
    """The country's counts: the provinces' rows added up."""
    totals = dict.fromkeys(KEYS, 0)
    for row in rows:
        for key in KEYS:
            totals[key] += row.counts[key]
    return totals


def indicator_attainment(
    rows: list[ProvinceRow], *, day: datetime.date, as_at: datetime.date | None = None
) -> dict[str, dict]:
    """Each indicator code with a target set for a province itself: per province (code) its
    attainment on ``day`` and the forecast at the pace of the last ``PACE_DAYS`` days, and the
    country's (the provinces' totals and targets added up). Three queries for any number of
    provinces: the provinces' targets, and the kept daily totals (``tasks.summaries``) summed up to
    ``day`` and up to ``PACE_DAYS`` earlier.

    A province that absorbed another follows the absorbed province's indicators too (its own
    "DDDT" may be a second indicator with the same code): a province's figure for a code is the sum
    over its indicators of that code, each counted once; as at a date before the merger
    (``as_at``) each province has its own targets only (``tasks.selectors.targets_as_at``), so the
    country counts nothing twice.

    ``{indicator code: {"name", "provinces": {province code: Attainment}, "nation": Attainment}}``.
    """
    by_pk = {row.province.pk: row.province for row in rows}
    targets = targets_as_at(Target.objects.filter(unit_id__in=list(by_pk), start_date__lte=day), as_at)
    targets = targets.select_related("indicator").order_by("indicator__code", "unit__code", "indicator_id", "-due_date")
    then = day - datetime.timedelta(days=PACE_DAYS)
    sums = IndicatorTotalChange.objects.filter(province_id__in=list(by_pk)).values("province_id", "indicator_id")
    now_totals = {
        (r["province_id"], r["indicator_id"]): r["total"]
        for r in sums.filter(day__lte=day).annotate(total=Sum("delta"), last=Max("day")).order_by()
    }
    then_totals = {
        (r["province_id"], r["indicator_id"]): r["total"]
        for r in sums.filter(day__lte=then).annotate(total=Sum("delta")).order_by()
    }
    found: dict[str, dict] = {}
    parts: dict[tuple[str, int], list[Attainment]] = {}
    for target in targets:
        key = (target.unit_id, target.indicator_id)
        indicator = target.indicator
        entry = found.setdefault(indicator.code, {"name": indicator.name, "provinces": {}})
        counted = parts.setdefault((indicator.code, target.unit_id), [])
        if any(part.indicator_id == target.indicator_id for part in counted):
            continue  # a later target of the same indicator counts once
        value = target.value_then
        actual = now_totals.get(key)
        pace = None if actual is None else (actual - then_totals.get(key, 0)) / PACE_DAYS
        counted.append(
            Attainment(
                code=indicator.code,
                name=indicator.name,
                target=value,
                actual=actual,
                expected=round(value * expected_fraction(target.start_date, target.due_date, day)),
                pace_per_day=pace,
                reached_on=_reached_on(actual, value, pace, day),
                indicator_id=target.indicator_id,
            )
        )
        entry["provinces"].setdefault(by_pk[target.unit_id].code, None)
    for (code, unit_id), counted in parts.items():
        found[code]["provinces"][by_pk[unit_id].code] = _summed(code, found[code]["name"], counted, day)
    for code, entry in found.items():
        entry["nation"] = _summed(code, entry["name"], list(entry["provinces"].values()), day)
    return found


def _summed(code: str, name: str, parts: list[Attainment], day: datetime.date) -> Attainment:
    """Attainments added up: targets, totals (None when none reported), expected and paces."""
    reported = [part.actual for part in parts if part.actual is not None]
    actual = sum(reported) if reported else None
    pace = sum(part.pace_per_day or 0 for part in parts) if reported else None
    target = sum(part.target for part in parts)
    return Attainment(
        code=code,
        name=name,
        target=target,
        actual=actual,
        expected=sum(part.expected for part in parts),
        pace_per_day=pace,
        reached_on=_reached_on(actual, target, pace, day),
    )


def _reached_on(actual, target: int, pace, day: datetime.date) -> datetime.date | None:
    """When ``target`` is reached at ``pace`` a day (None: reached already, or not at this pace)."""
    if actual is None or pace is None or pace <= 0 or actual >= target:
        return None
    return day + datetime.timedelta(days=math.ceil((target - actual) / pace))


def lagging_provinces(rows: list[ProvinceRow]) -> list[ProvinceRow]:
    """The provinces with overdue assignments, most overdue first (then most due soon, code)."""
    lagging = [row for row in rows if row.counts["overdue"]]
    return sorted(lagging, key=lambda r: (-r.counts["overdue"], -r.counts["due_soon"], r.province.code))


def province_rank(
    province: Unit, *, today: datetime.date | None = None, as_at: datetime.date | None = None
) -> tuple[int, int] | None:
    """(rank, number of provinces) of ``province`` among the provinces in force, None when it is not
    among them. Only the position: a province's secretariat sees no other province's details."""
    rows = province_rows(today=today, as_at=as_at)
    for row in rows:
        if row.province.pk == province.pk:
            return row.rank, len(rows)
    return None

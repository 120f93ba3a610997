"""Reads of the national tier: every province's counts per deadline status in one GROUP BY, the
ranking of provinces and the lagging ones (docs/DECISIONS.md "The national role").

A province's row counts exactly what its own dashboard counts (``reports.selectors.
province_assignments``: ``counted_q`` as at the date, the units of the province), so the national
counts are the sum of the provinces' dashboards.
"""

import datetime
from dataclasses import dataclass

from django.db.models import F

from projectsite import clock
from tasks.deadlines import DeadlineStatus, counted_q, deadline_counts
from tasks.models import Assignment
from units.models import Unit, valid_on_q

from .selectors import on_time_rate

KEYS = [*map(str, DeadlineStatus), "total"]


@dataclass
class ProvinceRow:
    """A province's counts per status (``counts``, with ``total``), its on-time rate and rank."""

    province: Unit
    counts: dict[str, int]
    rate: float | None
    rank: int = 0


def province_rows(*, today: datetime.date | None = None, as_at: datetime.date | None = None) -> list[ProvinceRow]:
    """Every province in force on the page's date (``as_at`` when given, else today), with its
    counts: one aggregation over the assignments grouped by province, and one read of the
    provinces. Ranked (``rank``, 1 = best): by on-time rate, highest first (a province with nothing
    decided yet last), then fewest overdue, then by code; the list is in that order."""
    day = as_at or today or clock.today()
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

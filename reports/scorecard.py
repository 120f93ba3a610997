"""The scorecard: a score per unit for a year, ranked within each level (reads only).

The programme's results are "một tiêu chí quan trọng để đánh giá, xếp loại hằng năm", so the
province needs one number per unit that it can rank, explain and freeze.

Scope: one province (its root unit) and one calendar year ``Y``, as of ``today``
(``projectsite.clock.today()`` by default). Scored: the province's active units of levels
agency, district and commune, except the standing body (Công an tỉnh hosts the secretariat
that does the scoring). Three components, each a fraction between 0 and 1, or None when the
unit has nothing to measure:

- ``on_time_rate``: among the unit's tracked assignments (not paused or cancelled) due in
  ``Y``, those due on or before ``today`` plus the confirmed ones completed in ``Y`` (an early
  completion counts before its due date): done on time / (done on time + done late + overdue),
  with the statuses of ``tasks.deadlines``. None without such an assignment.
- ``attainment``: the mean over the unit's own targets whose period overlaps ``Y`` of
  min(attainment / expected-to-date share, 1): a unit on the expected line or ahead of it
  scores 1, one with no figure scores 0. A target whose expected share is still 0 (its period
  has not started) is skipped. None without a target. The actual value of a district or the
  province is the sum of the units under it (``tasks.indicators.progress_tree``).
- ``timeliness`` (regular reporting): over the weeks (Monday to Sunday, Asia/Ho_Chi_Minh) from
  the later of 1 January of ``Y`` and the province's first history entry (the programme
  cannot ask for reports from before it used the application) up to ``today`` and within
  ``Y``: the share of weeks in which a unit head or staff member recorded a change for the
  unit (any ``tasks.models.HistoryEntry``). None when there is no such week.

Shown beside the score and not weighed in it (docs/DECISIONS.md, "Reporting rates"):
``reporting_rate``, the unit's periodic reports of ``Y`` (``tasks.models.ReportSlot``: the periods
ending in ``Y``) received on time, out of those expected by ``today``
(``tasks.selectors.reporting_rates``' rule); None when none was expected.

Score = 100 × the weighted mean of the components that are not None, the weights
renormalised over those (a unit without targets is scored on the other two); None when no
component is available or the available ones all weigh 0. Rounded to one decimal, half up.
Weights are percentages per province (``reports.models.ScoreWeights``), by default on-time
completion 50, indicator attainment 30, regular reporting 20: finishing tasks on time is what
the Government Office counts; figures come next; regular updates are what makes the other two
trustworthy.

Ranking is within each level (agencies, districts and communes are not comparable), by score,
highest first, units without a score last, ties by unit code; equal scores share a rank and
the next rank is skipped (1, 2, 2, 4).

A final snapshot freezes the year: its rows are read from the snapshot and later edits do
not change them. Movement (previous rank - rank, positive = moved up) compares with the
latest snapshot of the year, or for a frozen year with the snapshot taken before the final one.

A live scorecard takes a fixed number of queries (11) whatever the number of units; the weeks
of regular reporting come from a summary (``reports.activity``).

As at a date (docs/DECISIONS.md, "As at a date"): a live scorecard is computed as at the page's
date D, or as at 31 December of ``Y`` when D is later (``scorecard_day``): the units ranked are
those valid on that day and every component is counted as it stood then (``tasks.deadlines``
with ``as_at``, figures dated by then), so the 2023 scorecard ranks the 2023 units and today's
the current ones. Today itself is the live rule.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby
from statistics import fmean

from django.db.models import Count, Q, QuerySet

from projectsite import clock
from tasks.deadlines import DeadlineStatus, deadline_conditions
from tasks.indicators import progress_nodes
from tasks.models import Assignment
from tasks.selectors import rate_slots
from units.models import Unit

from .activity import reporting_weeks
from .models import ScorecardSnapshot, ScoreEntry, ScoreWeights

SCORED_LEVELS = (Unit.Level.AGENCY, Unit.Level.DISTRICT, Unit.Level.COMMUNE)
# Weight name -> the ScoreRow attribute it weighs.
COMPONENTS = {"on_time": "on_time_rate", "attainment": "attainment", "timeliness": "timeliness"}

NO_COUNTS = {"done_on_time": 0, "done_late": 0, "overdue": 0}
FRACTION = Decimal("0.0001")  # ScoreEntry keeps four decimals
POINT = Decimal("0.1")


@dataclass
class ScoreRow:
    unit: Unit
    level: int
    score: Decimal | None
    on_time_rate: Decimal | None
    attainment: Decimal | None
    timeliness: Decimal | None
    rank: int = 0
    previous_rank: int | None = None
    reporting_rate: Decimal | None = None  # periodic reports on time, not weighed in the score

    @property
    def movement(self) -> int | None:
        """Places gained since the snapshot compared with (negative: lost); None when not ranked then."""
        return None if self.previous_rank is None else self.previous_rank - self.rank


@dataclass
class Scorecard:
    province: Unit
    year: int
    as_of: datetime.date
    rows: list[ScoreRow]
    frozen: bool
    snapshot: ScorecardSnapshot | None  # the final snapshot the rows come from
    previous: ScorecardSnapshot | None  # the snapshot movement compares with
    weights: dict[str, int]


def weights_for(province: Unit) -> ScoreWeights:
    """The province's weights, or unsaved defaults when it never changed them."""
    return ScoreWeights.objects.filter(province=province).first() or ScoreWeights(province=province)


def scored_units(province: Unit, as_at: datetime.date | None = None) -> QuerySet[Unit]:
    """The units ranked: in force today, or valid on the past date ``as_at``."""
    units = Unit.objects.filter(province=province, level__in=SCORED_LEVELS).exclude(kind=Unit.Kind.STANDING_BODY)
    return units.filter(is_active=True) if as_at is None else units.valid_on(as_at)


def scorecard_day(year: int, day: datetime.date) -> datetime.date:
    """The day a live scorecard of ``year`` is computed as at, seen on ``day``: that day, or the
    year's last day when ``day`` is later (a past year ranks the units of that year)."""
    return min(day, datetime.date(year, 12, 31))


def scorecard(
    *, province: Unit, year: int, today: datetime.date | None = None, as_at: datetime.date | None = None
) -> Scorecard:
    """The year's ranking: frozen from its final snapshot if there is one, otherwise computed as
    of ``scorecard_day(year, as_at or today)``: live when that is today, else as at that day."""
    snapshots = list(ScorecardSnapshot.objects.filter(province=province, year=year).order_by("-taken_at", "-pk"))
    final = next((s for s in snapshots if s.is_final), None)
    if final is not None:
        earlier = snapshots[snapshots.index(final) + 1 :]
        previous = earlier[0] if earlier else None
        card = Scorecard(
            province=province,
            year=year,
            as_of=final.as_of,
            rows=snapshot_rows(final),
            frozen=True,
            snapshot=final,
            previous=previous,
            weights=final.weights,
        )
    else:
        today = today or clock.today()
        day = scorecard_day(year, as_at or today)
        weights = weights_for(province).as_dict()
        previous = snapshots[0] if snapshots else None
        card = Scorecard(
            province=province,
            year=year,
            as_of=day,
            rows=live_rows(
                province=province, year=year, today=day, weights=weights, as_at=None if day == today else day
            ),
            frozen=False,
            snapshot=None,
            previous=previous,
            weights=weights,
        )
    if card.previous is not None:
        ranks = dict(ScoreEntry.objects.filter(snapshot=card.previous).values_list("unit_id", "rank"))
        for row in card.rows:
            row.previous_rank = ranks.get(row.unit.pk)
    return card


def rows_by_level(card: Scorecard) -> dict[int, list[ScoreRow]]:
    """The rows of each level, agencies first, each list in rank order."""
    levels: dict[int, list[ScoreRow]] = {}
    for row in sorted(card.rows, key=lambda r: (r.level, r.rank, r.unit.code)):
        levels.setdefault(row.level, []).append(row)
    return levels


def snapshot_rows(snapshot: ScorecardSnapshot) -> list[ScoreRow]:
    entries = ScoreEntry.objects.filter(snapshot=snapshot).select_related("unit")
    entries = entries.order_by("level", "rank", "unit__code")
    return [
        ScoreRow(
            unit=entry.unit,
            level=entry.level,
            score=entry.score,
            on_time_rate=entry.on_time_rate,
            attainment=entry.attainment,
            timeliness=entry.timeliness,
            rank=entry.rank,
            reporting_rate=entry.reporting_rate,
        )
        for entry in entries
    ]


def live_rows(
    *, province: Unit, year: int, today: datetime.date, weights: dict[str, int], as_at: datetime.date | None = None
) -> list[ScoreRow]:
    """Every scored unit with its components, score and rank, computed now (``as_at`` None) or as
    at the past date ``as_at`` (which is then ``today``)."""
    today = as_at or today
    units = list(scored_units(province, as_at).only("pk", "code", "name", "level").order_by("level", "code"))
    deadlines = _deadline_counts(province=province, year=year, today=today, as_at=as_at)
    attainments = _attainments(province=province, year=year, today=today, as_at=as_at)
    weeks, active_weeks = reporting_weeks(province=province, year=year, today=today)
    on_time_reports = _reporting_rates(province=province, year=year, today=today, as_at=as_at)
    rows = []
    for unit in units:
        counts = deadlines.get(unit.pk, NO_COUNTS)
        counted = counts["done_on_time"] + counts["done_late"] + counts["overdue"]
        components = {
            "on_time": counts["done_on_time"] / counted if counted else None,
            "attainment": attainments.get(unit.pk),
            "timeliness": active_weeks.get(unit.pk, 0) / weeks if weeks else None,
        }
        score = _score(components, weights)
        rows.append(
            ScoreRow(
                unit=unit,
                level=unit.level,
                score=_decimal(None if score is None else 100 * score, POINT),
                **{COMPONENTS[name]: _decimal(value, FRACTION) for name, value in components.items()},
                reporting_rate=_decimal(on_time_reports.get(unit.pk), FRACTION),
            )
        )
    return rank(rows)


def rank(rows: list[ScoreRow]) -> list[ScoreRow]:
    """Set ``rank`` within each level (1, 2, 2, 4); return the rows by level and rank."""
    ordered = sorted(rows, key=lambda r: (r.level, r.score is None, -(r.score or 0), r.unit.code))
    for _level, group in groupby(ordered, key=lambda r: r.level):
        before = None
        for position, row in enumerate(group, 1):
            row.rank = before.rank if before is not None and before.score == row.score else position
            before = row
    return ordered


def _score(components: dict[str, float | None], weights: dict[str, int]) -> float | None:
    """Weighted mean of the available components, the weights renormalised over them."""
    available = {name: weight for name, weight in weights.items() if components[name] is not None}
    total = sum(available.values())
    if not total:
        return None
    return sum(components[name] * weight for name, weight in available.items()) / total


def _decimal(value: float | None, places: Decimal) -> Decimal | None:
    # str() gives the shortest repr, so 62.35 rounds half up to 62.4 as a reader expects.
    return None if value is None else Decimal(str(value)).quantize(places, rounding=ROUND_HALF_UP)


def _deadline_counts(
    *, province: Unit, year: int, today: datetime.date, as_at: datetime.date | None = None
) -> dict[int, dict[str, int]]:
    """``{unit id: {done_on_time, done_late, overdue}}`` for the year: one aggregation over the
    province's assignments grouped by unit (cheaper than annotating the units through a join)."""
    conditions = deadline_conditions(today, as_at=as_at)
    counted = Q(due_date__year=year) & (Q(due_date__lte=today) | Q(completed_on__year=year))
    statuses = (DeadlineStatus.DONE_ON_TIME, DeadlineStatus.DONE_LATE, DeadlineStatus.OVERDUE)
    rows = (
        Assignment.objects.filter(unit__province=province)
        .filter(counted)
        .values("unit_id")
        .annotate(**{status.value: Count("pk", filter=conditions[status]) for status in statuses})
        .order_by()
    )
    return {row.pop("unit_id"): row for row in rows}


def _reporting_rates(
    *, province: Unit, year: int, today: datetime.date, as_at: datetime.date | None = None
) -> dict[int, float]:
    """``{unit id: periodic reports of the year received on time / expected}``: one GROUP BY."""
    slots, counts, _day = rate_slots(
        province, datetime.date(year, 1, 1), datetime.date(year, 12, 31), today=today, as_at=as_at
    )
    rows = slots.values("unit_id").annotate(**counts).order_by()
    return {row["unit_id"]: row["on_time"] / row["expected"] for row in rows if row["expected"]}


def _attainments(
    *, province: Unit, year: int, today: datetime.date, as_at: datetime.date | None = None
) -> dict[int, float]:
    """Mean capped attainment against the expected-to-date share, per unit with a counted target."""
    shares: dict[int, list[float]] = defaultdict(list)
    for node in progress_nodes(unit=province, today=today, light=True, as_at=as_at):
        target = node.target
        in_year = target.start_date.year <= year <= target.due_date.year
        if in_year and node.expected_share > 0:
            shares[target.unit_id].append(min((node.attainment or 0.0) / node.expected_share, 1.0))
    return {unit_id: fmean(values) for unit_id, values in shares.items()}

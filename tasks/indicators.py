"""Attainment of indicator targets: actual against target and against the expected-to-date line.

A unit's actual value is its latest cumulative figure when it reports itself, or the sum of
the actual values of the units under it that hold a target of the same indicator (a district
is the sum of its communes, the province the sum of its districts). Figures are entered by
the units at the bottom of the tree.
"""

import datetime
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from units.models import Unit, valid_on_q

from .models import Indicator, IndicatorReport, Target


def expected_fraction(start: datetime.date, due: datetime.date, today: datetime.date) -> float:
    """Share of the period elapsed by ``today``, between 0 and 1."""
    span = (due - start).days
    return min(max((today - start).days / span, 0.0), 1.0) if span > 0 else 1.0


@dataclass
class TargetProgress:
    target: Target
    actual: int | None  # None: nothing reported yet
    as_of: datetime.date | None
    expected: float  # expected-to-date value
    reports_itself: bool = True
    children: list["TargetProgress"] = field(default_factory=list)

    @property
    def attainment(self) -> float | None:
        """actual / target, as a fraction."""
        if self.actual is None or not self.target.value:
            return None
        return self.actual / self.target.value

    @property
    def expected_share(self) -> float:
        return self.expected / self.target.value if self.target.value else 0.0

    @property
    def behind(self) -> bool:
        """Below the expected-to-date line by more than the tolerance."""
        tolerance = settings.INDICATOR_BEHIND_TOLERANCE
        return (self.attainment or 0.0) < self.expected_share - tolerance

    @property
    def attainment_percent(self) -> float | None:
        return None if self.attainment is None else round(self.attainment * 100, 1)

    @property
    def expected_percent(self) -> float:
        return round(self.expected_share * 100, 1)


def with_latest_figure(targets: QuerySet[Target], as_at: datetime.date | None = None) -> QuerySet[Target]:
    """Targets annotated with their unit's latest figure (value and date), one index probe each;
    ``as_at``: the latest figure dated on or before that past date."""
    latest = IndicatorReport.objects.filter(indicator=OuterRef("indicator"), unit=OuterRef("unit")).order_by("-as_of")
    if as_at is not None:
        latest = latest.filter(as_of__lte=as_at)
    return targets.annotate(
        latest_value=Subquery(latest.values("value")[:1]), latest_as_of=Subquery(latest.values("as_of")[:1])
    )


def subtree_q(unit: Unit, *, prefix: str = "unit__") -> Q:
    """The unit and every unit under it, at any depth (``Unit.path``)."""
    if unit.level == Unit.Level.PROVINCE:
        return Q(**{f"{prefix}province": unit})
    return Q(**{f"{prefix}path__startswith": unit.path})


@dataclass(frozen=True)
class TargetFigures:
    """What the roll-up needs of a target, without model instances (``progress_nodes(light=True)``)."""

    pk: int
    indicator_id: int
    unit_id: int
    parent_id: int | None
    value: int
    start_date: datetime.date
    due_date: datetime.date
    source_document_id: int | None
    indicator: Indicator  # one instance per indicator, shared


LIGHT_FIELDS = [name for name in TargetFigures.__dataclass_fields__ if name != "indicator"]


def progress_nodes(
    *, unit: Unit, today: datetime.date, light: bool = False, as_at: datetime.date | None = None
) -> list[TargetProgress]:
    """Every target of ``unit`` and of the units under it, linked to the targets under it and rolled up.

    A target whose unit's parent has no target of the same indicator is a root of its own (an
    indicator given only to communes, or only to agencies, is still counted). One query
    whatever the size of the tree: the targets with their latest figure; roll-ups are summed here.
    ``light``: each node's ``target`` is a ``TargetFigures`` (the figures, the unit's parent and
    the indicator) instead of a ``Target`` with its unit: two queries, but no model instance per
    target, for pages over hundreds of units (the scorecard, the lagging list).
    ``as_at``: as at that past date, the targets of the units valid then and the figures dated by then.
    """
    targets = Target.objects.filter(subtree_q(unit))
    if as_at is not None:
        targets = targets.filter(valid_on_q(as_at, prefix="unit__"))
    targets = with_latest_figure(targets, as_at).order_by("indicator__code", "unit__level", "unit__code")
    if light:
        own = [name for name in LIGHT_FIELDS if name != "parent_id"]  # the parent is the unit's
        values = list(targets.values(*own, "latest_value", "latest_as_of", parent_id=F("unit__parent_id")))
        indicators = Indicator.objects.in_bulk({row["indicator_id"] for row in values})
        rows = [
            (
                TargetFigures(**{name: row[name] for name in LIGHT_FIELDS}, indicator=indicators[row["indicator_id"]]),
                row["latest_value"],
                row["latest_as_of"],
            )
            for row in values
        ]
    else:
        rows = [(t, t.latest_value, t.latest_as_of) for t in targets.select_related("indicator", "unit")]
    nodes = {
        (t.indicator_id, t.unit_id): TargetProgress(
            target=t,
            actual=actual,
            as_of=as_of,
            expected=t.value * expected_fraction(t.start_date, t.due_date, today),
        )
        for t, actual, as_of in rows
    }
    for t, _actual, _as_of in rows:
        parent = nodes.get((t.indicator_id, t.parent_id if light else t.unit.parent_id))
        if parent is not None:
            parent.children.append(nodes[(t.indicator_id, t.unit_id)])
    for node in nodes.values():
        _roll_up(node)
    return list(nodes.values())


def progress_tree(*, unit: Unit, today: datetime.date, as_at: datetime.date | None = None) -> list[TargetProgress]:
    """Progress of ``unit``'s own targets, each with the progress of the units under it (one query)."""
    return [node for node in progress_nodes(unit=unit, today=today, as_at=as_at) if node.target.unit_id == unit.pk]


def _roll_up(node: TargetProgress) -> None:
    if not node.children or not node.reports_itself:
        return
    for child in node.children:
        _roll_up(child)
    reported = [child for child in node.children if child.actual is not None]
    node.reports_itself = False
    node.actual = sum(child.actual for child in reported) if reported else None
    node.as_of = max((child.as_of for child in reported), default=None)


@dataclass(frozen=True)
class Forecast:
    """When the target is reached at the pace of the last ``window`` days."""

    pace_per_day: float
    reached_on: datetime.date | None  # None: not at this pace
    already_reached: bool


def forecast(*, series: list[tuple[datetime.date, int]], target: int, window: int = 14) -> Forecast | None:
    """Extrapolate the last ``window`` days of ``series`` (daily totals, oldest first) to ``target``."""
    if len(series) < 2:
        return None
    today, now = series[-1]
    _then_day, then = series[max(0, len(series) - 1 - window)]
    days = min(window, len(series) - 1)
    pace = (now - then) / days
    if now >= target:
        return Forecast(pace_per_day=pace, reached_on=None, already_reached=True)
    if pace <= 0:
        return Forecast(pace_per_day=pace, reached_on=None, already_reached=False)
    return Forecast(
        pace_per_day=pace,
        reached_on=today + datetime.timedelta(days=math.ceil((target - now) / pace)),
        already_reached=False,
    )

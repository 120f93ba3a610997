"""The province's indicator totals by day, kept as a summary so the dashboard's trend is one small read.

The total of a province's indicator on a day is the sum, over the units at the bottom of the
province's target tree (its *leaves*: the targets under it with no target below them,
as ``tasks.indicators.progress_nodes`` links them), of each unit's latest
cumulative figure on that day. Figures carry forward, so the total only changes on days a leaf
reports. ``IndicatorTotalChange`` keeps, per province, indicator and day, how much the total
changed that day; the total on any day is the sum of the changes up to it.

Who keeps it:
- ``figure_report`` (one figure) calls ``indicator_totals_add_figure``: the change on the
  figure's day grows by the figure's difference with what the unit had that day, and the change
  on the unit's next figure shrinks by the same amount (that next figure's total is unchanged).
  Both are atomic increments, so concurrent reports never lose one another's change.
- Writers of many figures at once (the import, the demo, the generator) and writers that can
  change who the leaves are (new targets, admin edits) call ``indicator_totals_rebuild``, which
  recomputes a province's indicator from the figures in one statement.
- ``manage.py rebuild_summaries`` rebuilds everything (after restoring data by hand).
A test checks after every writer that the summary equals a rebuild from scratch.
"""

import datetime
from collections.abc import Iterable

from django.db import connection, transaction

from units.models import Unit, UnitSuccession

from .models import IndicatorReport, IndicatorTotalChange, Target


def province_leaf_units(*, province_id: int, indicator_id: int) -> list[int]:
    """The units whose figures make the province's total: the leaves of its target tree (one query).

    Same rule as ``tasks.indicators.progress_nodes``: a target hangs under its unit's parent's
    target of the same indicator; a target whose parent has none is not under the province.
    """
    rows = list(
        Target.objects.filter(indicator_id=indicator_id, unit__province_id=province_id).values_list(
            "unit_id", "unit__parent_id"
        )
    )
    if province_id not in {unit_id for unit_id, _ in rows}:
        return []
    children: dict[int, list[int]] = {}
    for unit_id, parent_id in rows:
        if unit_id != province_id:
            children.setdefault(parent_id, []).append(unit_id)
    leaves, stack = [], [province_id]
    while stack:
        unit_id = stack.pop()
        below = children.get(unit_id)
        if below:
            stack.extend(below)
        else:
            leaves.append(unit_id)
    return sorted(leaves)


def _table() -> str:
    return connection.ops.quote_name(IndicatorTotalChange._meta.db_table)


@transaction.atomic
def indicator_totals_rebuild(*, province_id: int, indicator_ids: Iterable[int] | None = None) -> int:
    """Recompute the province's daily changes of the given indicators (all its indicators when None).

    Returns the number of summary rows written.
    """
    if indicator_ids is None:
        indicator_ids = Target.objects.filter(unit_id=province_id).values_list("indicator_id", flat=True)
    written = 0
    figures = connection.ops.quote_name(IndicatorReport._meta.db_table)
    successions = connection.ops.quote_name(UnitSuccession._meta.db_table)
    for indicator_id in list(indicator_ids):
        IndicatorTotalChange.objects.filter(province_id=province_id, indicator_id=indicator_id).delete()
        leaves = province_leaf_units(province_id=province_id, indicator_id=indicator_id)
        if not leaves:
            continue
        placeholders = ", ".join(["%s"] * len(leaves))
        # A leaf whose figures were carried to a successor that is a leaf too (a structure
        # transition, tasks.transitions) counts up to the transition's date and then 0 (a row of
        # value 0 on that day): the successor's opening figure takes over, so the total neither
        # doubles nor jumps.
        ends = f"""
            SELECT s.predecessor_id AS unit_id, MIN(s.effective_on) AS day FROM {successions} s
            WHERE s.predecessor_id IN ({placeholders}) AND s.successor_id IN ({placeholders})
            GROUP BY s.predecessor_id
        """
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {_table()} (province_id, indicator_id, day, delta)
                SELECT %s, %s, w.as_of, SUM(w.value - COALESCE(w.previous, 0)) FROM (
                    SELECT f.as_of, f.value,
                           LAG(f.value) OVER (PARTITION BY f.unit_id ORDER BY f.as_of) AS previous
                    FROM (
                        SELECT r.unit_id, r.as_of, r.value
                        FROM {figures} r LEFT JOIN ({ends}) e ON e.unit_id = r.unit_id
                        WHERE r.indicator_id = %s AND r.unit_id IN ({placeholders})
                          AND (e.day IS NULL OR r.as_of < e.day)
                        UNION ALL
                        SELECT e.unit_id, e.day, 0 FROM ({ends}) e
                    ) f
                ) w GROUP BY w.as_of
                """,
                [province_id, indicator_id, *leaves, *leaves, indicator_id, *leaves, *leaves, *leaves],
            )
            written += cursor.rowcount
    return written


def indicator_totals_rebuild_all(*, province_ids: Iterable[int] | None = None, progress=None) -> int:
    """Rebuild every province's summary (or the given provinces'); ``progress(done, total)`` is told."""
    if province_ids is None:
        province_ids = Unit.objects.filter(level=Unit.Level.PROVINCE).values_list("pk", flat=True)
    province_ids = list(province_ids)
    written = 0
    for done, province_id in enumerate(province_ids, 1):
        written += indicator_totals_rebuild(province_id=province_id)
        if progress:
            progress(done, len(province_ids))
    return written


def _add(cursor, province_id: int, indicator_id: int, day: datetime.date, delta: int) -> None:
    table = _table()
    cursor.execute(
        f"""
        INSERT INTO {table} (province_id, indicator_id, day, delta) VALUES (%s, %s, %s, %s)
        ON CONFLICT (province_id, indicator_id, day) DO UPDATE SET delta = {table}.delta + excluded.delta
        """,
        [province_id, indicator_id, day, delta],
    )


def indicator_totals_add_figure(*, target: Target, as_of: datetime.date, value: int, had: int) -> None:
    """Account for one figure of ``target``'s unit: its value on ``as_of`` went from ``had`` to ``value``.

    ``had`` is what the unit counted for that day before (the replaced figure, else the unit's
    previous figure, else 0). Call inside the transaction that writes the figure.
    """
    unit = target.unit
    province_id = unit.province_id or unit.pk
    # Empty when the province has no target of the indicator: nothing on the dashboard sums it.
    leaves = province_leaf_units(province_id=province_id, indicator_id=target.indicator_id)
    if unit.pk not in leaves:
        return
    end = carried_end(unit_id=unit.pk, leaves=leaves)
    if end is not None and as_of >= end:
        return  # its successor counts from then (indicator_totals_rebuild)
    delta = value - had
    following = (
        IndicatorReport.objects.filter(indicator_id=target.indicator_id, unit_id=unit.pk, as_of__gt=as_of)
        .order_by("as_of")
        .values_list("as_of", flat=True)
        .first()
    )
    if end is not None and (following is None or following > end):
        following = end
    with connection.cursor() as cursor:
        _add(cursor, province_id, target.indicator_id, as_of, delta)
        if following is not None and delta:
            _add(cursor, province_id, target.indicator_id, following, -delta)


def carried_end(*, unit_id: int, leaves: list[int]) -> datetime.date | None:
    """The day a leaf's figures stop counting because a successor that is a leaf took them over."""
    return (
        UnitSuccession.objects.filter(predecessor_id=unit_id, successor_id__in=leaves)
        .order_by("effective_on")
        .values_list("effective_on", flat=True)
        .first()
    )


def province_daily_totals(
    *, province_id: int, indicator_id: int, start: datetime.date, end: datetime.date
) -> tuple[list[tuple[datetime.date, int]], int | None, datetime.date | None]:
    """The province's total for every day from start to end (one query), its total at ``end`` and
    the last day up to ``end`` a leaf reported (None, None when nothing was reported)."""
    rows = (
        IndicatorTotalChange.objects.filter(province_id=province_id, indicator_id=indicator_id, day__lte=end)
        .order_by("day")
        .values_list("day", "delta")
    )
    total, changes, last = 0, {}, None
    for day, delta in rows:
        last = day
        if day <= start:
            total += delta
        else:
            changes[day] = delta
    series, day = [], start
    while day <= end:
        total += changes.get(day, 0)
        series.append((day, total))
        day += datetime.timedelta(days=1)
    if last is None:
        return series, None, None
    return series, total, last

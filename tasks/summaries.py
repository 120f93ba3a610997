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
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Case, CharField, Count, DateField, F, Q, Sum, Value, When

from units.models import Unit, UnitSuccession

from .deadlines import UNTRACKED, DeadlineStatus, counted_q, due_soon_days
from .models import Assignment, IndicatorReport, IndicatorTotalChange, ProvinceStatusCount, Target


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


# Counts per deadline status, by province (the national tier) ----------------------------------
#
# ``ProvinceStatusCount``: per province, how many counted assignments have no deadline, were
# completed on time, completed late, and how many are open on each due date. The statuses of
# ``tasks.deadlines`` follow by comparing the open ones' due dates with today when read: every
# province's counts are one small aggregation (a few hundred rows a province) instead of one
# over every assignment of the country.
#
# Who keeps it:
# - ``assignment_report`` and ``extension_decide`` (one assignment) call ``status_counts_move``
#   with the assignment's state before and after; ``assignments_create`` calls
#   ``status_counts_add`` for the rows it made. Atomic increments in the writer's transaction,
#   taken in one order (sorted keys), so concurrent writers never lose a change or deadlock on them.
# - Writers of many assignments (the import, the structure transitions, the demo, the generator)
#   and a unit activated or deactivated (it counts only while active) call
#   ``status_counts_rebuild`` for the province: one aggregation of its assignments.
# - ``manage.py rebuild_summaries`` rebuilds every province.
# A test checks after every writer that the kept counts equal a rebuild.

StatusKey = tuple[str, datetime.date | None]  # (state, due date of an open one)


def status_key(*, work_status: str, due_date, completed_on, unit_active: bool = True) -> StatusKey | None:
    """Where one assignment counts (None: nowhere), by the rule of ``tasks.deadlines``."""
    state = ProvinceStatusCount.State
    if not unit_active or work_status in UNTRACKED:
        return None
    if due_date is None:
        return state.NO_DEADLINE.value, None
    if work_status == Assignment.WorkStatus.CONFIRMED:
        return (state.DONE_ON_TIME if completed_on <= due_date else state.DONE_LATE).value, None
    return state.OPEN.value, due_date


def assignment_status_key(assignment: Assignment) -> StatusKey | None:
    """``status_key`` of an assignment as loaded (its unit's activity read from ``assignment.unit``)."""
    return status_key(
        work_status=assignment.work_status,
        due_date=assignment.due_date,
        completed_on=assignment.completed_on,
        unit_active=assignment.unit.is_active,
    )


def status_counts_move(*, province_id: int, before: StatusKey | None, after: StatusKey | None) -> None:
    """One assignment of ``province_id`` moved from ``before`` to ``after``. Call inside the
    transaction that writes it."""
    if before == after:
        return
    changes: dict[tuple[int, StatusKey], int] = defaultdict(int)
    if before is not None:
        changes[(province_id, before)] -= 1
    if after is not None:
        changes[(province_id, after)] += 1
    _status_counts_apply(changes)


def status_counts_add(assignments: Iterable[Assignment], *, province_id: int) -> None:
    """New assignments of ``province_id`` (their units as loaded) now count."""
    changes: dict[tuple[int, StatusKey], int] = defaultdict(int)
    for assignment in assignments:
        key = assignment_status_key(assignment)
        if key is not None:
            changes[(province_id, key)] += 1
    _status_counts_apply(changes)


def _status_counts_apply(changes: dict[tuple[int, StatusKey], int]) -> None:
    table = connection.ops.quote_name(ProvinceStatusCount._meta.db_table)
    # One order for every writer: two transactions never wait on each other's rows in a circle.
    with connection.cursor() as cursor:
        for (province_id, (state, due)), delta in sorted(changes.items(), key=lambda item: _order(item[0])):
            if not delta:
                continue
            target = "(province_id, state, due_date) WHERE due_date IS NOT NULL"
            if due is None:
                target = "(province_id, state) WHERE due_date IS NULL"
            cursor.execute(
                f"""
                INSERT INTO {table} (province_id, state, due_date, total) VALUES (%s, %s, %s, %s)
                ON CONFLICT {target} DO UPDATE SET total = {table}.total + excluded.total
                """,
                [province_id, state, due, delta],
            )


def _order(key: tuple[int, StatusKey]) -> tuple:
    province_id, (state, due) = key
    return province_id, state, due or datetime.date.min


@transaction.atomic
def status_counts_rebuild(*, province_id: int) -> int:
    """Recount the province's kept counts from its assignments; returns the number of rows."""
    state = ProvinceStatusCount.State
    confirmed = Q(work_status=Assignment.WorkStatus.CONFIRMED)
    rows = (
        Assignment.objects.filter(counted_q(), unit__province_id=province_id)
        .annotate(
            state=Case(
                When(due_date__isnull=True, then=Value(state.NO_DEADLINE.value)),
                When(confirmed & Q(completed_on__lte=F("due_date")), then=Value(state.DONE_ON_TIME.value)),
                When(confirmed, then=Value(state.DONE_LATE.value)),
                default=Value(state.OPEN.value),
                output_field=CharField(),
            ),
            open_due=Case(When(~confirmed, then=F("due_date")), default=None, output_field=DateField()),
        )
        .values("state", "open_due")
        .annotate(n=Count("pk"))
        .order_by()
    )
    made = [
        ProvinceStatusCount(province_id=province_id, state=row["state"], due_date=row["open_due"], total=row["n"])
        for row in rows
    ]
    ProvinceStatusCount.objects.filter(province_id=province_id).delete()
    ProvinceStatusCount.objects.bulk_create(made, batch_size=1000)
    return len(made)


def status_counts_rebuild_all(*, province_ids: Iterable[int] | None = None, progress=None) -> int:
    """Rebuild every province's kept counts (or the given provinces'); ``progress(done, total)`` is told."""
    if province_ids is None:
        province_ids = Unit.objects.filter(level=Unit.Level.PROVINCE).values_list("pk", flat=True)
    province_ids = list(province_ids)
    written = 0
    for done, province_id in enumerate(province_ids, 1):
        written += status_counts_rebuild(province_id=province_id)
        if progress:
            progress(done, len(province_ids))
    return written


def province_status_counts_kept(
    *, today: datetime.date, window: int | None = None, province_ids: Iterable[int] | None = None
) -> dict[int, dict[str, int]]:
    """Every province's (or ``province_ids``') counts per deadline status as of ``today`` (and
    ``total``), from the kept counts: one aggregation of a few hundred rows a province. The same
    numbers as ``deadline_counts`` over the province's assignments, live (``as_at`` None); a
    province with nothing counted is absent."""
    window = due_soon_days() if window is None else window
    horizon = today + datetime.timedelta(days=window)
    state = ProvinceStatusCount.State
    open_ = Q(state=state.OPEN)
    conditions = {
        DeadlineStatus.OVERDUE: open_ & Q(due_date__lt=today),
        DeadlineStatus.DUE_SOON: open_ & Q(due_date__gte=today, due_date__lte=horizon),
        DeadlineStatus.NOT_DUE: open_ & Q(due_date__gt=horizon),
        DeadlineStatus.NO_DEADLINE: Q(state=state.NO_DEADLINE),
        DeadlineStatus.DONE_ON_TIME: Q(state=state.DONE_ON_TIME),
        DeadlineStatus.DONE_LATE: Q(state=state.DONE_LATE),
    }
    sums = {str(status): Sum("total", filter=condition) for status, condition in conditions.items()}
    rows = ProvinceStatusCount.objects.all()
    if province_ids is not None:
        rows = rows.filter(province_id__in=list(province_ids))
    rows = rows.values("province_id").annotate(**sums, all=Sum("total")).order_by()
    counts = {}
    for row in rows:
        province_id = row.pop("province_id")
        found = {key: value or 0 for key, value in row.items()}
        found["total"] = found.pop("all")
        counts[province_id] = found
    return counts


def unit_activity_recount(sender, *, unit: Unit, **kwargs) -> None:
    """``units.signals.unit_activity_changed``: the unit's work counts only while it is active."""
    status_counts_rebuild(province_id=unit.province_id or unit.pk)

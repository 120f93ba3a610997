"""Reads of assignments, documents and indicators. Unit scoping goes through units.selectors."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.shortcuts import get_object_or_404

from projectsite import clock
from units.models import Unit, User, valid_on_q
from units.selectors import scoped, unit_scope_q, user_province, visible_units

from . import signals
from .cycles import period_bounds
from .deadlines import UNTRACKED, DeadlineStatus, day_end, deadline_counts, deadline_status_expression
from .models import (
    Assignment,
    Document,
    Evidence,
    ExtensionRequest,
    HistoryEntry,
    ImportRecord,
    Indicator,
    IndicatorReport,
    Obstacle,
    ReportSlot,
    Target,
    Task,
)
from .slots import reporting_targets

# The order a unit reads its list in: what needs action first.
STATUS_ORDER = [
    DeadlineStatus.OVERDUE,
    DeadlineStatus.DUE_SOON,
    DeadlineStatus.NOT_DUE,
    DeadlineStatus.NO_DEADLINE,
    DeadlineStatus.DONE_LATE,
    DeadlineStatus.DONE_ON_TIME,
]


def assignments_with_status(
    queryset: QuerySet[Assignment], today: datetime.date | None = None, *, as_at: datetime.date | None = None
) -> QuerySet:
    """``queryset`` annotated with ``deadline`` (the status) and ``deadline_rank`` (its place in
    STATUS_ORDER); ``as_at``: the status as it stood at the end of that past date."""
    return queryset.annotate(deadline=deadline_status_expression(today, as_at=as_at)).annotate(
        deadline_rank=Case(
            *[When(deadline=status.value, then=Value(rank)) for rank, status in enumerate(STATUS_ORDER)],
            default=Value(len(STATUS_ORDER)),
            output_field=IntegerField(),
        )
    )


def unit_assignments(
    *, user: User, unit: Unit, today: datetime.date | None = None, as_at: datetime.date | None = None
) -> QuerySet[Assignment]:
    """The assignments of ``unit`` that ``user`` may read, overdue first, ready for a table;
    ``as_at``: those that existed at the end of that past date, with their status then."""
    queryset = scoped(Assignment.objects.filter(unit=unit), user).select_related("task__document", "updated_by")
    if as_at is not None:
        queryset = queryset.filter(created_at__lt=day_end(as_at))
    return assignments_with_status(queryset, today, as_at=as_at).order_by(
        "deadline_rank", "due_date", "task__document__issued_on", "pk"
    )


def status_counts(
    queryset: QuerySet[Assignment], today: datetime.date | None = None, *, as_at: datetime.date | None = None
) -> dict[str, int]:
    """``{status: count, ..., "total": n}`` over ``queryset`` in one query (as at ``as_at`` if given)."""
    return queryset.aggregate(**deadline_counts(today, as_at=as_at))


def unit_page_assignments(
    *, user: User, unit: Unit, today: datetime.date | None = None, as_at: datetime.date | None = None
) -> QuerySet[Assignment]:
    """``unit_assignments`` with a flag for a pending extension request."""
    pending = ExtensionRequest.objects.filter(assignment=OuterRef("pk"), status=ExtensionRequest.Status.PENDING)
    return unit_assignments(user=user, unit=unit, today=today, as_at=as_at).annotate(extension_pending=Exists(pending))


def visible_assignment(*, user: User, pk: int, today: datetime.date | None = None) -> Assignment:
    """One assignment ``user`` may read, or 404 (whether it exists elsewhere is not revealed)."""
    queryset = scoped(Assignment.objects.select_related("task__document", "unit", "updated_by"), user)
    return get_object_or_404(assignments_with_status(queryset, today), pk=pk)


def assignment_timeline(assignment: Assignment) -> QuerySet[HistoryEntry]:
    """Every change of the assignment, newest first, with who made it and its files."""
    return (
        HistoryEntry.objects.filter(assignment=assignment)
        .select_related("user")
        .prefetch_related("evidence")
        .order_by("-at", "-pk")
    )


def visible_evidence(*, user: User, pk: int) -> Evidence:
    return get_object_or_404(scoped(Evidence.objects.all(), user, field="assignment__unit"), pk=pk)


def visible_target(*, user: User, pk: int) -> Target:
    return get_object_or_404(scoped(Target.objects.select_related("indicator", "unit", "source_document"), user), pk=pk)


def target_figures(target: Target) -> QuerySet[IndicatorReport]:
    return (
        IndicatorReport.objects.filter(indicator_id=target.indicator_id, unit_id=target.unit_id)
        .select_related("reported_by")
        .order_by("-as_of")
    )


OBSTACLE_RELATED = ("unit", "assignment__task__document", "raised_by", "answered_by", "forwarded_to")


def obstacles_visible(user: User) -> QuerySet[Obstacle]:
    """Obstacles of the units ``user`` may read, and those forwarded to the user's own agency."""
    visible = unit_scope_q(user, field="unit")
    if user.is_authenticated and user.is_unit_member and user.unit_id:
        visible |= Q(forwarded_to_id=user.unit_id)
    return Obstacle.objects.filter(visible).select_related(*OBSTACLE_RELATED)


def unit_obstacles(*, user: User, unit: Unit) -> QuerySet[Obstacle]:
    return obstacles_visible(user).filter(unit=unit)


def forwarded_obstacles(*, user: User) -> QuerySet[Obstacle]:
    """Obstacles the secretariat forwarded to the user's agency to answer."""
    return obstacles_visible(user).filter(forwarded_to_id=user.unit_id).exclude(status=Obstacle.Status.CLOSED)


def visible_obstacle(*, user: User, pk: int) -> Obstacle:
    return get_object_or_404(obstacles_visible(user), pk=pk)


def unit_decisions(*, user: User, unit: Unit, limit: int = 10) -> list[dict]:
    """The latest answers to the unit's requests, newest first: extensions approved or refused,
    obstacles answered or closed (two queries)."""
    extensions = (
        scoped(ExtensionRequest.objects.filter(assignment__unit=unit), user, field="assignment__unit")
        .exclude(status=ExtensionRequest.Status.PENDING)
        .select_related("assignment__task__document", "decided_by")
        .order_by("-decided_at", "-pk")[:limit]
    )
    decided_at = Coalesce("closed_at", "answered_at")
    obstacles = (
        unit_obstacles(user=user, unit=unit)
        .annotate(decided_at=decided_at)
        .filter(decided_at__isnull=False)
        .order_by("-decided_at", "-pk")[:limit]
    )
    rows = [{"at": e.decided_at, "extension": e} for e in extensions if e.decided_at] + [
        {"at": o.decided_at, "obstacle": o} for o in obstacles
    ]
    return sorted(rows, key=lambda row: row["at"], reverse=True)[:limit]


def child_unit_summaries(
    *, user: User, unit: Unit, today: datetime.date | None = None, as_at: datetime.date | None = None
) -> QuerySet[Unit]:
    """The units directly under ``unit`` that ``user`` may read, each with its counts per status;
    ``as_at``: the units valid on that past date, counted as they stood then."""
    counts = deadline_counts(today, prefix="assignments__", as_at=as_at)
    children = visible_units(user).filter(parent=unit)
    children = children.filter(is_active=True) if as_at is None else children.filter(valid_on_q(as_at))
    return children.annotate(**counts).order_by("code")


def unit_history(*, user: User, unit: Unit, limit: int = 30, as_at: datetime.date | None = None) -> list[HistoryEntry]:
    """The latest changes of a unit's assignments, targets and figures, newest first (up to the
    end of the past date ``as_at`` when given)."""
    entries = scoped(HistoryEntry.objects.filter(unit=unit), user)
    if as_at is not None:
        entries = entries.filter(at__lt=day_end(as_at))
    entries = entries.select_related(
        "user",
        "assignment__task__document",
        "target__indicator",
        "report__indicator",
        "slot__assignment__task__document",
        "slot__target__indicator",
    )
    return list(entries.order_by("-at", "-pk")[:limit])


def last_reminder(unit: Unit) -> datetime.datetime | None:
    """When the unit was last reminded: reports, above tasks, keeps the reminders and answers the signal."""
    answers = [at for _receiver, at in signals.unit_last_reminder.send(sender=Unit, unit=unit) if at is not None]
    return max(answers, default=None)


def province_documents(province: Unit | None) -> QuerySet[Document]:
    """The documents of ``province`` and the national ones (no province)."""
    return Document.objects.filter(Q(province=province) | Q(province__isnull=True))


def documents_by_number(province: Unit | None, *, lower: bool = False) -> dict[str, Document]:
    """The documents ``province`` reads, by number: its own, then the national ones (a number the
    province gave its own document too means its own). ``lower``: keys in lower case."""
    found: dict[str, Document] = {}
    # National first (province NULL sorts apart on each engine, so order in Python), then the own override.
    for document in sorted(province_documents(province), key=lambda d: d.province_id is not None):
        found[document.number.lower() if lower else document.number] = document
    return found


def province_indicators(province: Unit | None) -> QuerySet[Indicator]:
    """The indicators of ``province`` and the national ones (no province)."""
    return Indicator.objects.filter(Q(province=province) | Q(province__isnull=True))


def indicators_by_code(province: Unit | None) -> dict[str, Indicator]:
    """The indicators ``province`` follows, by code: its own, then the national ones."""
    found: dict[str, Indicator] = {}
    for indicator in sorted(province_indicators(province), key=lambda i: i.province_id is not None):
        found[indicator.code] = indicator
    return found


def visible_documents(user: User) -> QuerySet[Document]:
    """The documents of the user's province and the national ones."""
    return province_documents(user_province(user))


def editable_document(*, user: User, pk: int) -> Document:
    """A document ``user`` may change (with its tasks): 404 when it is not theirs to see, 403 when it
    is national (a superuser's) or theirs to read only."""
    document = get_object_or_404(visible_documents(user), pk=pk)
    # The secretariat plans in its province's documents; a national one (no province) only a superuser.
    if not user.has_perm("tasks.plan", document):
        raise PermissionDenied
    return document


def visible_imports(user: User) -> QuerySet[ImportRecord]:
    """The imports ``user`` sees: the secretariat those of its province, anyone else their own."""
    records = ImportRecord.objects.select_related("uploaded_by", "indicator")
    if user.is_superuser or user.is_secretariat:
        return records.filter(province=user_province(user))
    return records.filter(uploaded_by=user)


def visible_import(*, user: User, pk: int) -> ImportRecord:
    return get_object_or_404(visible_imports(user), pk=pk)


# Periodic reports (ReportSlot) and reporting rates ------------------------------------------------

SLOT_RELATED = ("assignment__task__document", "target__indicator", "unit", "submitted_by")


def slot_counted_q(prefix: str = "", as_at: datetime.date | None = None) -> Q:
    """The periodic reports that count: of a unit in force (as at a past date: valid then), and
    not of a paused or cancelled assignment (as it stands now, like ``tasks.deadlines.counted_q``)."""
    units = Q(**{prefix + "unit__is_active": True}) if as_at is None else valid_on_q(as_at, prefix=prefix + "unit__")
    return units & ~Q(**{prefix + "assignment__work_status__in": UNTRACKED})


# How far back a unit page lists the reports already received.
RECENT_REPORTS = datetime.timedelta(days=400)


def unit_slots(
    *, user: User, unit: Unit, today: datetime.date | None = None, as_at: datetime.date | None = None, recent: int = 10
) -> tuple[list[ReportSlot], list[ReportSlot]]:
    """The unit's periodic reports ``user`` may read: those still owed (the periods that started by
    the page's date and not submitted by then), soonest due first, and the ``recent`` latest
    received within ``RECENT_REPORTS`` (one query)."""
    day = as_at or today or clock.today()
    slots = scoped(ReportSlot.objects.filter(unit=unit), user).filter(slot_counted_q(as_at=as_at))
    received = Q(submitted_at__isnull=False) if as_at is None else Q(submitted_at__lt=day_end(as_at))
    rows = list(
        slots.filter(period_start__lte=day)
        .filter(~received | Q(period_end__gte=day - RECENT_REPORTS))
        .annotate(was_received=ExpressionWrapper(received, output_field=BooleanField()))
        .select_related(*SLOT_RELATED)
        .order_by("due_date", "period_start", "pk")
    )
    owed = [slot for slot in rows if not slot.was_received]
    done = sorted(
        (slot for slot in rows if slot.was_received), key=lambda s: (s.period_end, s.submitted_at), reverse=True
    )
    return owed, done[:recent]


def visible_slot(*, user: User, pk: int) -> ReportSlot:
    """One periodic report ``user`` may read, or 404."""
    return get_object_or_404(scoped(ReportSlot.objects.select_related(*SLOT_RELATED), user), pk=pk)


def slot_timeline(slot: ReportSlot) -> QuerySet[HistoryEntry]:
    """Every submission and correction of the report, newest first, with who made it and its files."""
    return (
        HistoryEntry.objects.filter(slot=slot)
        .select_related("user")
        .prefetch_related("evidence")
        .order_by("-at", "-pk")
    )


def slot_figure_targets(slot: ReportSlot) -> list[Target]:
    """The targets whose figures the report carries: an indicator's report its target; a task's
    report the unit's own targets (it reports their figures itself) of the indicators of the task's
    document, which the unit may fill in."""
    if slot.target_id is not None:
        return [slot.target]
    targets = Target.objects.filter(unit_id=slot.unit_id, indicator__document_id=slot.assignment.task.document_id)
    return list(reporting_targets(targets).select_related("indicator").order_by("indicator__code"))


@dataclass
class RateRow:
    """Periodic reports expected, received and received on time (DHIS2's reporting rate and
    timeliness) for one unit, area, level, task or indicator, or in all."""

    key: int | None = None
    label: str = ""
    code: str = ""
    expected: int = 0
    received: int = 0
    on_time: int = 0

    @property
    def late(self) -> int:
        return self.received - self.on_time

    @property
    def missing(self) -> int:
        return self.expected - self.received

    @property
    def rate(self) -> float | None:
        """Received, out of expected."""
        return self.received / self.expected if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        """Received on time, out of expected."""
        return self.on_time / self.expected if self.expected else None

    def add(self, row: "dict | RateRow") -> None:
        """Add the counts of a row of the aggregation (a dict), or of another RateRow."""
        if isinstance(row, RateRow):
            row = {"expected": row.expected, "received": row.received, "on_time": row.on_time}
        self.expected += row["expected"]
        self.received += row["received"]
        self.on_time += row["on_time"]


@dataclass
class ReportingRates:
    """The reporting rates of a province's periodic reports whose period ends between
    ``period_start`` and ``period_end``, counted as at ``day`` (``reporting_rates``)."""

    province: Unit
    period_start: datetime.date
    period_end: datetime.date
    day: datetime.date
    total: RateRow
    by_level: list[RateRow]
    by_area: list[RateRow]
    by_unit: list[RateRow]
    by_task: list[RateRow]  # a task's reports (key: the task) and an indicator's (key: None, code: its code)


def _rate_conditions(day: datetime.date, as_at: datetime.date | None, prefix: str = "") -> tuple[Q, Q, Q]:
    """(expected, received, received on time) as at the end of ``day`` (live when ``as_at`` is None)."""
    received = (
        Q(**{prefix + "submitted_at__isnull": False})
        if as_at is None
        else Q(**{prefix + "submitted_at__lt": day_end(as_at)})
    )
    expected = Q(**{prefix + "due_date__lt": day}) | received
    on_time = received & Q(**{prefix + "submitted_on__lte": F(prefix + "due_date")})
    return expected, received, on_time


def rate_slots(
    province: Unit,
    period_start: datetime.date,
    period_end: datetime.date,
    *,
    today: datetime.date | None = None,
    as_at: datetime.date | None = None,
    area: Unit | None = None,
    unit: Unit | None = None,
) -> tuple[QuerySet[ReportSlot], dict[str, Count], datetime.date]:
    """The counted reports of the window (see ``reporting_rates``) and the three counts to aggregate."""
    day = as_at or today or clock.today()
    expected, received, on_time = _rate_conditions(day, as_at)
    slots = ReportSlot.objects.filter(
        slot_counted_q(as_at=as_at),
        expected,
        unit__province=province,
        period_end__gte=period_start,
        period_end__lte=period_end,
    )
    if area is not None:
        slots = slots.filter(unit__area=area)
    if unit is not None:
        slots = slots.filter(unit=unit)
    counts = {"expected": Count("pk"), "received": Count("pk", filter=received), "on_time": Count("pk", filter=on_time)}
    return slots, counts, day


def reporting_rates(
    province: Unit,
    period_start: datetime.date,
    period_end: datetime.date,
    *,
    today: datetime.date | None = None,
    as_at: datetime.date | None = None,
    area: Unit | None = None,
    unit: Unit | None = None,
) -> ReportingRates:
    """Reporting rate and timeliness of ``province``'s periodic reports (``ReportSlot``), as DHIS2
    shows them: expected, received, received on time, and their shares, in all and per level, area,
    unit and task (or indicator).

    - A report belongs to the window when its period ends between ``period_start`` and
      ``period_end`` (inclusive): June's monthly reports belong to June and to Q2, a week to the
      month it ends in.
    - Counted as at the end of a day: ``as_at`` (a past date: the units valid then, what was
      submitted by then) or ``today`` (live; default ``clock.today()``). Expected: due before that
      day (a report due today is not missing yet, as an assignment due today is not overdue), or
      received by then (an early report counts, so the rate never passes 100%). Received:
      submitted by then. On time: first submitted on or before its due date. Late = received - on
      time; missing = expected - received.
    - Only the reports that count (``slot_counted_q``): of units in force (valid on ``as_at``), not
      of paused or cancelled assignments. ``area`` narrows to an area's units (a district with its
      communes), ``unit`` to one unit.

    One GROUP BY over the reports (one row per unit and task or indicator), summed here, then one
    read of the units' and areas' names and one each of the tasks and indicators: four queries whatever
    the number of units or reports.
    """
    slots, counts, day = rate_slots(province, period_start, period_end, today=today, as_at=as_at, area=area, unit=unit)
    rows = list(
        slots.values(
            "unit_id",
            level=F("unit__level"),
            area_id=F("unit__area_id"),
            task_id=F("assignment__task_id"),
            indicator_id=F("target__indicator_id"),
        )
        .annotate(**counts)
        .order_by()
    )
    total = RateRow(label=province.name, code=province.code)
    tables: dict[str, dict] = {"level": {}, "area": {}, "unit": {}, "task": {}}
    for row in rows:
        total.add(row)
        source = ("task", row["task_id"]) if row["task_id"] else ("indicator", row["indicator_id"])
        for name, key in (
            ("level", row["level"]),
            ("area", row["area_id"]),
            ("unit", row["unit_id"]),
            ("task", source),
        ):
            if key is None:  # an agency is in no area
                continue
            tables[name].setdefault(key, RateRow(key=key)).add(row)
    named = Unit.objects.filter(pk__in=set(tables["unit"]) | set(tables["area"])).values_list("pk", "name", "code")
    names = {pk: (name, code) for pk, name, code in named}
    for table in (tables["unit"], tables["area"]):
        for key, row in table.items():
            row.label, row.code = names.get(key, ("", ""))
    labels = dict(Unit.Level.choices)
    for level, row in tables["level"].items():
        row.label = str(labels[level])
    task_ids = [key for kind, key in tables["task"] if kind == "task"]
    indicator_ids = [key for kind, key in tables["task"] if kind == "indicator"]
    tasks = {t.pk: t for t in Task.objects.filter(pk__in=task_ids).select_related("document")}
    indicators = Indicator.objects.in_bulk(indicator_ids)
    for (kind, key), row in tables["task"].items():
        if kind == "task":
            task = tasks[key]
            row.label, row.code = f"{task.ref}. {task.title}", task.document.number
        else:
            row.key, row.label, row.code = None, indicators[key].name, indicators[key].code
    return ReportingRates(
        province=province,
        period_start=period_start,
        period_end=period_end,
        day=day,
        total=total,
        by_level=[tables["level"][level] for level in sorted(tables["level"])],
        by_area=sorted(tables["area"].values(), key=lambda r: r.code),
        by_unit=sorted(tables["unit"].values(), key=lambda r: r.code),
        by_task=sorted(tables["task"].values(), key=lambda r: (r.code, r.label)),
    )


def reporting_rate_series(
    province: Unit,
    period_start: datetime.date,
    period_end: datetime.date,
    *,
    today: datetime.date | None = None,
    as_at: datetime.date | None = None,
    area: Unit | None = None,
    unit: Unit | None = None,
) -> list[RateRow]:
    """``reporting_rates``' total per month of the window (a report in the month its period ends),
    oldest first, every month listed (``key``: the month's first day): one query."""
    slots, counts, _day = rate_slots(province, period_start, period_end, today=today, as_at=as_at, area=area, unit=unit)
    found = {
        row["month"]: row
        for row in slots.annotate(month=TruncMonth("period_end", output_field=DateField()))
        .values("month")
        .annotate(**counts)
        .order_by()
    }
    series = []
    month = period_start.replace(day=1)
    while month <= period_end:
        row = RateRow(key=month, label=month.strftime("%m/%Y"))
        if month in found:
            row.add(found[month])
        series.append(row)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return series


def reporting_window(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The window a page shows its periodic reports for: from 1 January of ``day``'s year to the end
    of ``day``'s month (the reports of later periods are not expected yet)."""
    return datetime.date(day.year, 1, 1), period_bounds("monthly", day)[1]


def unit_reporting(
    unit: Unit, *, today: datetime.date | None = None, as_at: datetime.date | None = None
) -> tuple[list[RateRow], RateRow]:
    """A unit page's periodic reports per month of the year (``reporting_window``) and their total:
    a province's all, a district's own and its communes', any other unit's own (one query)."""
    day = as_at or today or clock.today()
    if unit.level == Unit.Level.PROVINCE:
        scope = {}
    elif unit.level == Unit.Level.DISTRICT:
        scope = {"area": unit}
    else:
        scope = {"unit": unit}
    # The province by its key: the unit's (or area's) filter already pins the rows; no read of it.
    province = unit if unit.level == Unit.Level.PROVINCE else Unit(pk=unit.province_id, level=Unit.Level.PROVINCE)
    series = reporting_rate_series(province, *reporting_window(day), today=today, as_at=as_at, **scope)
    total = RateRow(label=unit.name, code=unit.code)
    for row in series:
        total.add(row)
    return series, total

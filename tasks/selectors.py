"""Reads of assignments, documents and indicators. Unit scoping goes through units.selectors."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from units import trail
from units.models import AuditEntry, Unit, User, valid_on_q
from units.selectors import scoped, unit_scope_q, user_province, visible_units

from . import signals
from .deadlines import DeadlineStatus, day_end, deadline_counts, deadline_status_expression
from .models import (
    EXTENSION_ACTIONS,
    HISTORY_LABELS,
    Assignment,
    Document,
    Evidence,
    ExtensionRequest,
    HistoryEntry,
    ImportRecord,
    Indicator,
    IndicatorReport,
    Obstacle,
    Target,
    Task,
)

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
    entries = entries.select_related("user", "assignment__task__document", "target__indicator", "report__indicator")
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


# The audit trail ("Nhật ký thay đổi") -----------------------------------------------------------
# Two tables make one trail: the history of assignments, targets and figures (HistoryEntry) and
# every other change (units.models.AuditEntry). Both are read through the one access rule, filtered
# alike, merged by time in one UNION query, and a page's rows are then loaded with two queries.

Kind = AuditEntry.Kind

# The history's rows of each kind (the other kinds have none).
HISTORY_KIND_Q = {
    Kind.EXTENSION: Q(action__in=EXTENSION_ACTIONS),
    Kind.ASSIGNMENT: Q(assignment__isnull=False) & ~Q(action__in=EXTENSION_ACTIONS),
    Kind.TARGET: Q(target__isnull=False),
    Kind.FIGURE: Q(report__isnull=False),
}

# What an "about" reference may name, and the history rows that belong to it.
HISTORY_ABOUT = {
    "tasks.assignment": lambda pk: Q(assignment_id=pk),
    "tasks.task": lambda pk: Q(assignment__task_id=pk),
    "tasks.document": lambda pk: Q(assignment__task__document_id=pk),
    "tasks.target": lambda pk: Q(target_id=pk),
    "tasks.indicatorreport": lambda pk: Q(report_id=pk),
}
ABOUT_TYPES = (*HISTORY_ABOUT, *sorted(set(trail.KIND_OF) - set(HISTORY_ABOUT)))


@dataclass(frozen=True)
class TrailFilter:
    """What the trail is narrowed to; every part is optional."""

    unit: Unit | None = None  # the unit and every unit under it
    actor: User | None = None  # who made the change
    kind: str | None = None  # AuditEntry.Kind
    since: datetime.date | None = None  # from this local day
    until: datetime.date | None = None  # to the end of this local day
    about: tuple[str, int] | None = None  # ("tasks.task", 17): one object and what belongs to it


def _trail_q(filters: TrailFilter) -> Q:
    """The filters both tables share (unit, who, when)."""
    q = Q()
    if filters.unit is not None:
        q &= Q(unit__path__startswith=filters.unit.path)
    if filters.actor is not None:
        q &= Q(user=filters.actor)
    if filters.since is not None:
        q &= Q(at__gte=day_end(filters.since) - datetime.timedelta(days=1))
    if filters.until is not None:
        q &= Q(at__lt=day_end(filters.until))
    return q


def _audit_about_q(object_type: str, pk: int) -> Q:
    q = Q(object_type=object_type, object_id=pk)
    if object_type == "tasks.document":  # a document's tasks belong to it
        q |= Q(object_type="tasks.task", object_id__in=Task.objects.filter(document_id=pk).values("pk"))
    return q


def audit_trail(*, user: User, filters: TrailFilter = TrailFilter()) -> QuerySet:
    """The changes ``user`` may read, newest first, as ``(at, id, source)`` rows ("h": a history
    entry, "a": an audit entry) ready to count and slice; ``audit_trail_rows`` reads a slice.

    The one access rule applies to both tables (``units.selectors.scoped`` on the entry's unit), so
    a unit head reads its unit and the units under it, the secretariat its province, a national
    account every province and the national entries (no unit)."""
    common = _trail_q(filters)
    sides = []
    if filters.kind is None or filters.kind in HISTORY_KIND_Q:
        history = scoped(HistoryEntry.objects.filter(common), user)
        if filters.kind is not None:
            history = history.filter(HISTORY_KIND_Q[filters.kind])
        if filters.about is not None:
            about = HISTORY_ABOUT.get(filters.about[0])
            history = history.filter(about(filters.about[1])) if about else None
        if history is not None:
            sides.append(history.order_by().annotate(source=Value("h")).values_list("at", "id", "source"))
    audits = scoped(AuditEntry.objects.filter(common), user)
    if filters.kind is not None:
        audits = audits.filter(kind=filters.kind)
    if filters.about is not None:
        audits = audits.filter(_audit_about_q(*filters.about))
    sides.append(audits.order_by().annotate(source=Value("a")).values_list("at", "id", "source"))
    keys = sides[0].union(*sides[1:], all=True) if len(sides) > 1 else sides[0]
    return keys.order_by("-at", "-id")


@dataclass
class TrailRow:
    """One change as the trail shows it (plain values: a page of 50 or an export of 10.000 rows
    reads no model instance)."""

    at: datetime.datetime
    username: str | None  # None: the system
    user_name: str  # the full name, or ""
    unit_code: str | None  # None: a national object
    unit_name: str
    kind: str
    action: str
    action_label: str
    object_type: str
    object_id: int | None
    object_label: str
    changes: list[tuple[str, str, str]]
    note: str
    source: str
    url: str | None = None  # the object's page, when the reader's page knows one

    @property
    def kind_label(self) -> str:
        return trail.kind_label(self.kind)

    @property
    def about(self) -> str:
        """The reference of its object, for the trail's ``about`` filter."""
        return f"{self.object_type}:{self.object_id}"


HISTORY_ACTION = HistoryEntry._meta.get_field("action")

# The columns a trail row shows: the rest of a task, a target or an account is not read.
WHO_AND_WHERE = ("at", "action", "changes", "note", "user__username", "user__first_name", "user__last_name")
HISTORY_ROW_FIELDS = (
    "pk",
    *WHO_AND_WHERE,
    "unit__code",
    "unit__name",
    "assignment_id",
    "target_id",
    "report_id",
    "assignment__task__ref",
    "assignment__task__title",
    "assignment__task__document__number",
    "target__indicator__name",
    "report__as_of",
    "report__indicator__name",
)
AUDIT_ROW_FIELDS = (
    "pk",
    *WHO_AND_WHERE,
    "unit__code",
    "unit__name",
    "kind",
    "object_type",
    "object_id",
    "object_repr",
)


def _history_kind(values: dict) -> str:
    """The trail's kind of a history entry (HISTORY_KIND_Q, read in Python)."""
    if values["action"] in EXTENSION_ACTIONS:
        return Kind.EXTENSION
    if values["assignment_id"] is not None:
        return Kind.ASSIGNMENT
    return Kind.TARGET if values["target_id"] is not None else Kind.FIGURE


def _row(values: dict, **fields) -> TrailRow:
    """What both tables' rows share: who, where, when, the note."""
    username = values["user__username"]
    return TrailRow(
        at=values["at"],
        username=username,
        user_name=" ".join(filter(None, (values["user__first_name"], values["user__last_name"]))) if username else "",
        unit_code=values["unit__code"],
        unit_name=values["unit__name"] or "",
        action=values["action"],
        note=values["note"],
        **fields,
    )


def _history_row(values: dict) -> TrailRow:
    if values["assignment_id"] is not None:
        label = (
            f"{values['assignment__task__document__number']} – "
            f"{values['assignment__task__ref']}. {values['assignment__task__title']}"
        )
        subject, pk, model = "tasks.assignment", values["assignment_id"], Assignment
    elif values["target_id"] is not None:
        subject, label, pk, model = "tasks.target", values["target__indicator__name"], values["target_id"], Target
    else:
        label = f"{values['report__indicator__name']} – {values['report__as_of']:%d/%m/%Y}"
        subject, pk, model = "tasks.indicatorreport", values["report_id"], IndicatorReport
    return _row(
        values,
        kind=_history_kind(values),
        action_label=trail.choice_label(HISTORY_ACTION, values["action"]),
        object_type=subject,
        object_id=pk,
        object_label=label,
        changes=trail.change_rows(values["changes"], model=model, labels=HISTORY_LABELS),
        source="h",
    )


def _audit_row(values: dict) -> TrailRow:
    return _row(
        values,
        kind=values["kind"],
        action_label=trail.action_label(values["action"]),
        object_type=values["object_type"],
        object_id=values["object_id"],
        object_label=values["object_repr"],
        changes=trail.change_rows(values["changes"], model=trail.model_of(values["object_type"])),
        source="a",
    )


def audit_trail_rows(keys) -> list[TrailRow]:
    """The rows of ``keys`` (a slice of ``audit_trail``), in their order: two queries whatever their number."""
    keys = list(keys)
    history_ids = [pk for _at, pk, source in keys if source == "h"]
    audit_ids = [pk for _at, pk, source in keys if source == "a"]
    found = {}
    if history_ids:
        history = HistoryEntry.objects.filter(pk__in=history_ids).values(*HISTORY_ROW_FIELDS)
        found.update({("h", values["pk"]): _history_row(values) for values in history})
    if audit_ids:
        audits = AuditEntry.objects.filter(pk__in=audit_ids).values(*AUDIT_ROW_FIELDS)
        found.update({("a", values["pk"]): _audit_row(values) for values in audits})
    return [found[(source, pk)] for _at, pk, source in keys if (source, pk) in found]


def deadline_moves(timeline: Iterable[HistoryEntry]) -> list[dict]:
    """Who moved an assignment's due date, when, from what to what: the entries of its timeline
    (``assignment_timeline``, already read: no query) that changed it, newest first. A request for
    an extension is not a move; its approval is, and so are an import's change and a transition."""
    moves = []
    for entry in timeline:
        if "due_date" not in (entry.changes or {}) or entry.action == HistoryEntry.Action.EXTENSION_REQUESTED:
            continue
        old, new = entry.changes["due_date"]
        moves.append(
            {
                "at": entry.at,
                "user": entry.user,
                "action": entry.get_action_display(),
                "old": trail.readable(old, Assignment._meta.get_field("due_date")),
                "new": trail.readable(new, Assignment._meta.get_field("due_date")),
                "note": entry.note,
            }
        )
    return moves


def object_changes(*, object_type: str, pk: int, limit: int = 20) -> list[TrailRow]:
    """The latest audit entries about one object (a task, a document), newest first, for its page.
    The caller has read the object through its own scope."""
    entries = AuditEntry.objects.filter(object_type=object_type, object_id=pk).order_by("-at", "-pk")
    return [_audit_row(values) for values in entries.values(*AUDIT_ROW_FIELDS)[:limit]]


def trail_subject(*, user: User, about: tuple[str, int]) -> str | None:
    """What an ``about`` reference names, as the user may read it (None when it is not theirs)."""
    object_type, pk = about
    if object_type == "tasks.assignment":
        found = scoped(Assignment.objects.select_related("task__document", "unit"), user).filter(pk=pk).first()
        return f"{found.task.document.number} – {found.task.ref}. {found.task.title} → {found.unit}" if found else None
    if object_type == "tasks.task":
        found = Task.objects.select_related("document").filter(document__in=visible_documents(user), pk=pk).first()
        return f"{found.document.number} – {found.ref}. {found.title}" if found else None
    if object_type == "tasks.document":
        found = visible_documents(user).filter(pk=pk).first()
        return str(found) if found else None
    if object_type == "tasks.target":
        found = scoped(Target.objects.select_related("indicator", "unit"), user).filter(pk=pk).first()
        return str(found) if found else None
    latest = scoped(AuditEntry.objects.filter(object_type=object_type, object_id=pk), user).order_by("-at", "-pk")
    return latest.values_list("object_repr", flat=True).first()

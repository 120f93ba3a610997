"""Reads of assignments, documents and indicators. Unit scoping goes through units.selectors."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from units.models import Unit, User, valid_on_q
from units.selectors import scoped, unit_scope_q, user_province, visible_units

from . import signals
from .deadlines import DeadlineStatus, day_end, deadline_counts, deadline_status_expression
from .models import (
    Assignment,
    Document,
    Evidence,
    ExplanationRequest,
    ExtensionRequest,
    HistoryEntry,
    ImportRecord,
    Indicator,
    IndicatorReport,
    Obstacle,
    Target,
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


EXPLANATION_RELATED = (
    "unit",
    "assignment__task__document",
    "target__indicator",
    "asked_by",
    "asked_by_unit",
    "answered_by",
    "closed_by",
)


def explanations_visible(user: User) -> QuerySet[ExplanationRequest]:
    """The explanation requests of the units ``user`` may read (the one access rule)."""
    return scoped(ExplanationRequest.objects.select_related(*EXPLANATION_RELATED), user)


def visible_explanation(*, user: User, pk: int) -> ExplanationRequest:
    return get_object_or_404(explanations_visible(user), pk=pk)


def unit_explanations(*, user: User, unit: Unit, as_at: datetime.date | None = None) -> list[ExplanationRequest]:
    """The unit's explanation requests, those waiting for its answer first, then the newest; as at a
    past date ``as_at``: those asked by the end of it, each with its status then (``shown_status``:
    an explanation given later is not shown)."""
    requests = explanations_visible(user).filter(unit=unit)
    moment = day_end(as_at) if as_at is not None else None
    if moment is not None:
        requests = requests.filter(asked_at__lt=moment)
    found = list(requests.order_by("-asked_at", "-pk"))
    for request in found:
        request.shown_status = request.status_on(moment)
    return sorted(found, key=lambda r: r.shown_status != ExplanationRequest.Status.OPEN)


def explanation_subjects(unit: Unit) -> tuple[QuerySet[Assignment], QuerySet[Target]]:
    """What a unit may be asked to explain: its open assignments (overdue first) and its targets."""
    assignments = (
        assignments_with_status(
            Assignment.objects.filter(unit=unit).exclude(work_status__in=("confirmed", "paused", "cancelled"))
        )
        .select_related("task__document")
        .order_by("deadline_rank", "due_date", "pk")
    )
    targets = Target.objects.filter(unit=unit).select_related("indicator").order_by("indicator__code")
    return assignments, targets


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

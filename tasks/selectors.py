"""Reads of assignments, documents and indicators. Unit scoping goes through units.selectors."""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, TruncMonth
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from projectsite import clock
from units import trail
from units.models import AuditEntry, Unit, User, valid_on_q
from units.selectors import carried_province_ids, scoped, unit_scope_q, user_province, visible_units
from units.text import search_key

from . import signals
from .cycles import period_bounds
from .deadlines import UNTRACKED, DeadlineStatus, day_end, deadline_counts, deadline_status_expression
from .models import (
    EXTENSION_ACTIONS,
    HISTORY_LABELS,
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
    queryset = scoped(Assignment.objects.filter(unit=unit), user).select_related(
        "task__document__province", "updated_by"
    )
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


def targets_as_at(targets: QuerySet[Target], day: datetime.date | None) -> QuerySet[Target]:
    """``targets`` with ``value_then``, their value as at the past date ``day``: less what a structure
    transition effective after ``day`` carried into them (a province merged later: its province's
    target was added to its successor's, or made it), and without the targets such a transition
    made. So as at a date before a merger each province has its own target, and none twice. The
    value carried is the ended origin's (a province's root passes on in full). ``day`` None
    (today): the value."""
    if day is None:
        return targets.annotate(value_then=F("value"))
    later = (
        Target.carried_from.through.objects.filter(
            from_target=OuterRef("pk"), to_target__ended_by__effective_on__gt=day
        )
        .values("from_target")
        .annotate(total=Sum("to_target__value"))
        .values("total")
    )
    return (
        targets.annotate(carried_later=Coalesce(Subquery(later), Value(0)))
        .annotate(value_then=F("value") - F("carried_later"))
        .exclude(carried_later__gt=0, value_then__lte=0)
    )


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


def _origin(province_ids: list[int]):
    """``origin``: the province of a document or an indicator, "Tỉnh Hà Giang (02)", where a
    province carries another's (two of them may share a number); "" elsewhere, and for national
    ones. No extra query: a join in the same one."""
    if len(province_ids) < 2:
        return Value("", output_field=CharField())
    return Case(
        When(province__isnull=False, then=Concat(F("province__name"), Value(" ("), F("province__code"), Value(")"))),
        default=Value(""),
        output_field=CharField(),
    )


def province_documents(province: Unit | int | None, *, on: datetime.date | None = None) -> QuerySet[Document]:
    """The documents ``province`` reads on ``on`` (default today): those of the provinces it carries
    (itself, and those merged into it by then: units.selectors.carried_province_ids) and the
    national ones (no province), each annotated with ``origin`` (``Document.label``)."""
    ids = carried_province_ids(province, on=on)
    return Document.objects.filter(Q(province_id__in=ids) | Q(province__isnull=True)).annotate(origin=_origin(ids))


def _by_scope(rows, province: Unit | int | None) -> list:
    """National first, then the provinces merged into ``province``, then its own: a later one of
    the same number or code overrides an earlier one (the caller's own wins)."""
    own = province if isinstance(province, int) or province is None else province.pk
    return sorted(rows, key=lambda row: (row.province_id is not None, row.province_id == own))


def documents_by_number(province: Unit | None, *, lower: bool = False) -> dict[str, Document]:
    """The documents ``province`` reads, by number: its own, then those of the provinces merged into
    it, then the national ones (a number the province gave its own document too means its own).
    ``lower``: keys in lower case. The import, which must not guess between two provinces'
    documents of one number, reads ``document_numbers``."""
    found: dict[str, Document] = {}
    for document in _by_scope(province_documents(province), province):
        found[document.number.lower() if lower else document.number] = document
    return found


class DocumentNumbers:
    """The documents a province reads, to match a number a user wrote (an import's "Số văn bản").

    "78/KH-UBND" is the province's document of that number when one province it carries has one,
    else the national one. When the province carries several provinces' "78/KH-UBND" (a province
    merged into it kept its own), the number alone is refused with the provinces to choose from;
    "78/KH-UBND (02)" or "78/KH-UBND (Hà Giang)" names the province that issued it.
    """

    QUALIFIED = re.compile(r"^(?P<number>.+?)\s*\((?P<province>[^()]+)\)$")

    def __init__(self, documents):
        self.provincial: dict[str, list[Document]] = {}
        self.national: dict[str, Document] = {}
        self.provinces: set[int] = set()
        for document in documents:
            key = document.number.lower()
            if document.province_id is None:
                self.national[key] = document
            else:
                self.provincial.setdefault(key, []).append(document)
                self.provinces.add(document.province_id)

    def label(self, document: Document) -> str:
        """The number as the preview shows it: with its province ("78/KH-UBND (02)", what a row may
        write) when documents of several provinces are read."""
        if document.province_id is None or len(self.provinces) < 2:
            return document.number
        return f"{document.number} ({document.province.code})"

    def find(self, text: str) -> tuple[Document | None, str]:
        """(the document, "") or (None, the reason in words)."""
        text = " ".join(str(text or "").split())
        key = text.lower()
        qualified = self.QUALIFIED.match(text)
        if qualified and key not in self.provincial and key not in self.national:
            return self._qualified(qualified["number"], qualified["province"].strip())
        candidates = self.provincial.get(key, [])
        if len(candidates) == 1:
            return candidates[0], ""
        if len(candidates) > 1:
            return None, self._ambiguous(candidates)
        if key in self.national:
            return self.national[key], ""
        return None, _("No document numbered “%(number)s”.") % {"number": text}

    def _qualified(self, number: str, named: str) -> tuple[Document | None, str]:
        candidates = self.provincial.get(number.lower(), [])
        by_code = [d for d in candidates if d.province.code.lower() == named.lower()]
        wanted = search_key(named)
        by_name = [d for d in candidates if wanted in _name_keys(d.province.name)]
        found = by_code or by_name
        if len(found) == 1:
            return found[0], ""
        if len(found) > 1:  # a renamed province has the name of one it absorbed (15 and 10: Lào Cai)
            return None, self._ambiguous(found)
        return None, _("No document numbered “%(number)s” of the province “%(province)s”.") % {
            "number": number,
            "province": named,
        }

    @staticmethod
    def _ambiguous(candidates: list[Document]) -> str:
        ordered = sorted(candidates, key=lambda d: d.province.code)
        return _(
            "Several documents are numbered “%(number)s”: %(provinces)s. Write which province's it is "
            "after the number, for example “%(example)s”."
        ) % {
            "number": ordered[0].number,
            "provinces": ", ".join(f"{d.province.name} ({d.province.code})" for d in ordered),
            "example": f"{ordered[-1].number} ({ordered[-1].province.code})",
        }


def _name_keys(name: str) -> set[str]:
    """A province's name as a user may write it, without accents: "tinh ha giang", "ha giang"."""
    key = search_key(name)
    return {key, *(key.removeprefix(prefix) for prefix in ("tinh ", "thanh pho ") if key.startswith(prefix))}


def document_numbers(province: Unit | None, *, on: datetime.date | None = None) -> DocumentNumbers:
    """``DocumentNumbers`` of the documents ``province`` reads on ``on`` (``province_documents``). One query."""
    return DocumentNumbers(province_documents(province, on=on).select_related("province"))


def province_indicators(province: Unit | int | None, *, on: datetime.date | None = None) -> QuerySet[Indicator]:
    """The indicators ``province`` follows on ``on``: those of the provinces it carries and the
    national ones, each annotated with ``origin`` (``Indicator.label``)."""
    ids = carried_province_ids(province, on=on)
    return Indicator.objects.filter(Q(province_id__in=ids) | Q(province__isnull=True)).annotate(origin=_origin(ids))


def indicators_by_code(province: Unit | None) -> dict[str, Indicator]:
    """The indicators ``province`` follows, by code: its own, then those of the provinces merged
    into it, then the national ones."""
    found: dict[str, Indicator] = {}
    for indicator in _by_scope(province_indicators(province), province):
        found[indicator.code] = indicator
    return found


def visible_documents(
    user: User, province: Unit | None = None, *, on: datetime.date | None = None
) -> QuerySet[Document]:
    """The documents ``user`` reads on the pages of ``province`` (default: the user's own; a
    superuser or national account passes the province it chose): ``province_documents``."""
    return province_documents(province if province is not None else user_province(user), on=on)


def editable_document(*, user: User, pk: int, province: Unit | None = None) -> Document:
    """A document ``user`` may change (with its tasks), among those of ``province`` (default the
    user's own): 404 when it is not theirs to see, 403 when it is national (a superuser's) or
    theirs to read only."""
    document = get_object_or_404(visible_documents(user, province), pk=pk)
    # The secretariat plans in its province's documents and in those of a province merged into
    # it; a national one (no province) only a superuser.
    if not user.has_perm("tasks.plan", document):
        raise PermissionDenied
    return document


def visible_imports(user: User) -> QuerySet[ImportRecord]:
    """The imports ``user`` sees: a superuser every one, the secretariat those of its province,
    anyone else their own."""
    records = ImportRecord.objects.select_related("uploaded_by", "indicator")
    if user.is_superuser:  # reads every province (the import page lists the chosen province's)
        return records
    if user.is_secretariat:
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
    Kind.REPORT: Q(slot__isnull=False),
}

# What an "about" reference may name, and the history rows that belong to it.
HISTORY_ABOUT = {
    "tasks.assignment": lambda pk: Q(assignment_id=pk) | Q(slot__assignment_id=pk),
    "tasks.task": lambda pk: Q(assignment__task_id=pk),
    "tasks.document": lambda pk: Q(assignment__task__document_id=pk),
    "tasks.target": lambda pk: Q(target_id=pk),
    "tasks.indicatorreport": lambda pk: Q(report_id=pk),
    "tasks.reportslot": lambda pk: Q(slot_id=pk),
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
    "slot_id",
    "slot__period_start",
    "slot__period_end",
    "slot__assignment__task__ref",
    "slot__assignment__task__title",
    "slot__target__indicator__name",
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
    if values["slot_id"] is not None:
        return Kind.REPORT
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
    elif values["slot_id"] is not None:
        what = (
            f"{values['slot__assignment__task__ref']}. {values['slot__assignment__task__title']}"
            if values["slot__assignment__task__ref"] is not None
            else values["slot__target__indicator__name"]
        )
        period = f"{values['slot__period_start']:%d/%m/%Y}–{values['slot__period_end']:%d/%m/%Y}"
        subject, label, pk, model = "tasks.reportslot", f"{what} – {period}", values["slot_id"], ReportSlot
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
    if object_type == "tasks.reportslot":
        found = scoped(ReportSlot.objects.select_related("unit"), user).filter(pk=pk).first()
        return str(found) if found else None
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

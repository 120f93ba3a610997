"""Reads for the province's overview pages: aggregates computed in the database."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, F, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from projectsite import clock
from tasks.deadlines import DeadlineStatus, counted_q, day_end, deadline_conditions, deadline_counts
from tasks.indicators import Forecast, TargetProgress, expected_fraction, forecast, progress_nodes, progress_tree
from tasks.models import (
    Assignment,
    Document,
    Evidence,
    ExplanationRequest,
    ExtensionRequest,
    HistoryEntry,
    Obstacle,
    Target,
    Task,
)
from tasks.selectors import EXPLANATION_RELATED, status_counts, targets_as_at, visible_documents
from tasks.summaries import province_daily_totals, province_status_counts_kept
from tasks.workflow import REMINDABLE
from units.models import Unit, UnitSuccession, User
from units.selectors import scoped, unit_search, visible_units
from units.text import search_key

from .models import Notification, ReminderMark


def province_assignments(province: Unit, as_at: datetime.date | None = None) -> QuerySet[Assignment]:
    """The province's assignments that count (``counted_q``): not paused or cancelled, of active
    units; as at a past date ``as_at``, of units valid then and created by then."""
    return Assignment.objects.filter(counted_q(as_at=as_at), unit__province=province)


def area_assignments(area: Unit, as_at: datetime.date | None = None) -> QuerySet[Assignment]:
    """The assignments that count under ``area``: a province's (``province_assignments``), or a
    district's own and its communes'."""
    if area.level == Unit.Level.PROVINCE:
        return province_assignments(area, as_at)
    return province_assignments(area.province, as_at).filter(unit__area=area)


def unit_status_rows(
    *, area: Unit, today: datetime.date | None = None, as_at: datetime.date | None = None
) -> list[dict]:
    """Counts per deadline status for each unit of ``area`` that has assignments (a district's
    dashboard: the district and its communes), with the unit's name and code; worst first, as the
    lagging list: most overdue, then most due soon, then by code."""
    rows = area_assignments(area, as_at).values("unit_id").annotate(**deadline_counts(today, as_at=as_at)).order_by()
    counts = {row.pop("unit_id"): row for row in rows}
    units = Unit.objects.filter(pk__in=list(counts)).values("pk", "name", "code")
    found = [{"unit_id": u["pk"], "name": u["name"], "code": u["code"], **counts[u["pk"]]} for u in units]
    return sorted(found, key=lambda row: (-row["overdue"], -row["due_soon"], row["code"]))


def area_indicator_summaries(
    *, area: Unit, today: datetime.date, as_at: datetime.date | None = None
) -> list["IndicatorSummary"]:
    """A province's indicators with trend and forecast (``indicator_summaries``: the kept daily
    totals up to ``today``, which is the page's date); a district's targets with their attainment
    only: the daily totals behind a trend are kept per province."""
    if area.level == Unit.Level.PROVINCE:
        return indicator_summaries(province=area, today=today, as_at=as_at)
    nodes = progress_tree(unit=area, today=today, as_at=as_at)
    return [IndicatorSummary(node=node, series=[], forecast=None) for node in nodes]


def province_status_counts(
    *, province: Unit, today: datetime.date | None = None, as_at: datetime.date | None = None
) -> dict[str, int]:
    """The province's counts per status (and ``total``): today's from the kept counts
    (``tasks.summaries``, a few hundred rows), as at a past date from its assignments."""
    if as_at is None:
        kept = province_status_counts_kept(today=today or clock.today(), province_ids=[province.pk])
        return kept.get(province.pk) or dict.fromkeys([*map(str, DeadlineStatus), "total"], 0)
    return status_counts(province_assignments(province, as_at), today, as_at=as_at)


def status_breakdown_rows(
    *, province: Unit, today: datetime.date | None = None, as_at: datetime.date | None = None
) -> QuerySet:
    """The dashboard's one aggregation, in the ORM on every database: counts per status (and
    ``total``) for each (level, area, document) of the province's counted assignments
    (``counted_q``; as at ``as_at`` when given), a few hundred rows for a province;
    ``status_breakdown`` adds them up."""
    return (
        area_assignments(province, as_at)
        .values(level=F("unit__level"), area=F("unit__area_id"), document=F("task__document_id"))
        .annotate(**deadline_counts(today, as_at=as_at))
        .order_by()
    )


@dataclass
class StatusBreakdown:
    """The province's counts per deadline status: in all, per level, per area, per document.

    Rows are dicts with one count per status and ``total``, plus their label fields. An area row
    (a district with its communes, or in the two-level structure a commune) also has ``level``
    and ``former``: the names of the districts its predecessors belonged to ("" when none).
    """

    province: dict[str, int]
    by_level: list[dict]
    by_area: list[dict]
    by_document: list[dict]


GROUPED = ("level", "area", "document")


def status_breakdown(
    *, province: Unit, today: datetime.date | None = None, as_at: datetime.date | None = None
) -> StatusBreakdown:
    """The province's counts per status, in all and per level, area and document (as at the past
    date ``as_at`` when given): the rows of ``status_breakdown_rows`` (one query) summed per
    grouping in Python, then three small reads for the areas' and documents' names and the areas'
    former districts. Every count is a sum of the same rows, so the tables and the total always
    agree."""
    keys = [*map(str, DeadlineStatus), "total"]
    totals = dict.fromkeys(keys, 0)
    tables: dict[str, dict] = {name: {} for name in GROUPED}
    for row in status_breakdown_rows(province=province, today=today, as_at=as_at):
        for name, table in tables.items():
            if row[name] is None:  # agencies are in no district
                continue
            counts = table.setdefault(row[name], dict.fromkeys(keys, 0))
            for key in keys:
                counts[key] += row[key]
        for key in keys:
            totals[key] += row[key]
    labels = dict(Unit.Level.choices)
    areas = list(
        Unit.objects.filter(pk__in=list(tables["area"])).order_by("code").values("pk", "name", "code", "level")
    )
    former = former_districts([a["pk"] for a in areas if a["level"] == Unit.Level.COMMUNE])
    documents = list(
        Document.objects.filter(pk__in=list(tables["document"]))
        .order_by("issued_on", "number", "province__code")
        .values("pk", "number", "issued_on", "province_id", "province__name", "province__code")
    )
    # A province that carries the work of a province merged into it may count two "78/KH-UBND":
    # then each provincial document is labelled with its province (as tasks.selectors.province_documents).
    labelled = any(d["province_id"] not in (None, province.pk) for d in documents)
    return StatusBreakdown(
        province=totals,
        by_level=[
            {"level": level, "label": labels[level], **counts} for level, counts in sorted(tables["level"].items())
        ],
        by_area=[
            {
                "area_id": a["pk"],
                "name": a["name"],
                "code": a["code"],
                "level": a["level"],
                "former": ", ".join(former.get(a["pk"], [])),
                **tables["area"][a["pk"]],
            }
            for a in areas
        ],
        by_document=[
            {
                "document_id": d["pk"],
                "number": d["number"],
                "label": f"{d['number']} · {d['province__name']} ({d['province__code']})"
                if labelled and d["province_id"]
                else d["number"],
                "issued_on": d["issued_on"],
                **tables["document"][d["pk"]],
            }
            for d in documents
        ],
    )


def former_districts(unit_ids: list[int]) -> dict[int, list[str]]:
    """``{unit id: [names]}``: the districts the predecessors of each unit belonged to
    (``UnitSuccession``), in one query; a commune of the two-level structure is labelled with
    the district it came from ("Phường Thành Vinh — trước đây: Thành phố Vinh"). Units with no
    recorded predecessor under a district are left out: the data say nothing, so nothing is shown."""
    if not unit_ids:
        return {}
    rows = (
        UnitSuccession.objects.filter(successor_id__in=unit_ids, predecessor__area__level=Unit.Level.DISTRICT)
        .values_list("successor_id", "predecessor__area__name")
        .order_by("successor_id", "predecessor__area__code")
    )
    found: dict[int, list[str]] = {}
    for unit_id, name in rows:
        if name not in found.setdefault(unit_id, []):
            found[unit_id].append(name)
    return found


def confirmations_pending(*, province: Unit) -> QuerySet[Assignment]:
    """Reported completions waiting for the secretariat, oldest first, with the report's note and files."""
    latest = HistoryEntry.objects.filter(assignment=OuterRef("pk")).order_by("-at", "-pk")
    return (
        Assignment.objects.filter(unit__province=province, work_status=Assignment.WorkStatus.REPORTED)
        .select_related("task__document__province", "unit", "updated_by")
        .annotate(report_note=Subquery(latest.values("note")[:1]))
        # The completion's files: not those of the task's periodic reports (their history is the report's).
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.filter(history_entry__slot__isnull=True)))
        .order_by("reported_at", "pk")
    )


def extensions_pending(*, province: Unit) -> QuerySet[ExtensionRequest]:
    return (
        ExtensionRequest.objects.filter(assignment__unit__province=province, status=ExtensionRequest.Status.PENDING)
        .select_related("assignment__task__document__province", "assignment__unit", "requested_by")
        .order_by("requested_at", "pk")
    )


def obstacles_unresolved(*, province: Unit) -> QuerySet[Obstacle]:
    """Obstacles not closed yet: open ones first, then answered ones waiting to be closed."""
    return (
        Obstacle.objects.filter(unit__province=province)
        .exclude(status=Obstacle.Status.CLOSED)
        .select_related("unit", "assignment__task__document", "raised_by", "answered_by", "forwarded_to")
        .order_by(Case(When(status=Obstacle.Status.OPEN, then=0), default=1), "raised_at", "pk")
    )


def agencies(*, province: Unit) -> QuerySet[Unit]:
    return Unit.objects.filter(province=province, level=Unit.Level.AGENCY, is_active=True).order_by("name")


def on_time_rate(counts: dict) -> float | None:
    """Completed on time, out of everything whose deadline has come (done on time, done late, overdue)."""
    decided = counts["done_on_time"] + counts["done_late"] + counts["overdue"]
    return counts["done_on_time"] / decided if decided else None


@dataclass
class IndicatorSummary:
    node: TargetProgress
    series: list[tuple[datetime.date, int]]
    forecast: Forecast | None

    def chart(self) -> dict:
        """Data of the trend chart: actual, expected-to-date and target, one point a day."""
        target = self.node.target
        return {
            "labels": [day.strftime("%d/%m") for day, _total in self.series],
            "actual": [total for _day, total in self.series],
            "expected": [
                round(target.value * expected_fraction(target.start_date, target.due_date, day))
                for day, _ in self.series
            ],
            "target": target.value,
        }


TREND_DAYS = 60


def indicator_summaries(
    *, province: Unit, today: datetime.date, as_at: datetime.date | None = None
) -> list[IndicatorSummary]:
    """The province's indicators: attainment, expected-to-date, trend and forecast, as at ``today``
    (the page's date; ``as_at`` when it is a past one: the targets as they stood then,
    ``tasks.selectors.targets_as_at``, so a province merged later is not yet in them).

    One query for the targets and one small read of the kept daily totals per indicator
    (``tasks.summaries``): no figure is read here. An indicator of a province merged into this
    one is labelled with its province (``Indicator.label``): two may share a name.
    """
    summaries = []
    targets = targets_as_at(Target.objects.filter(unit=province), as_at)
    targets = targets.select_related("indicator__province", "unit").order_by("indicator__code", "indicator__pk")
    targets = list(targets)
    others = any(t.indicator.province_id not in (None, province.pk) for t in targets)
    for target in targets:
        indicator = target.indicator
        if others and indicator.province_id is not None:
            indicator.origin = f"{indicator.province.name} ({indicator.province.code})"
        target.value = target.value_then
        start = max(target.start_date, today - datetime.timedelta(days=TREND_DAYS))
        series, actual, as_of = province_daily_totals(
            province_id=province.pk, indicator_id=target.indicator_id, start=start, end=today
        )
        node = TargetProgress(
            target=target,
            actual=actual,
            as_of=as_of,
            expected=target.value * expected_fraction(target.start_date, target.due_date, today),
            reports_itself=False,
        )
        summaries.append(
            IndicatorSummary(node=node, series=series, forecast=forecast(series=series, target=target.value))
        )
    return summaries


def last_reminder_subquery() -> Subquery:
    """When the unit was last sent a reminder (a subquery: joining the outbox would multiply the counts)."""
    reminders = Notification.objects.filter(unit=OuterRef("pk"), kind=Notification.Kind.REMINDER)
    return Subquery(reminders.order_by("-created_at").values("created_at")[:1])


def escalated_exists() -> Exists:
    """An open assignment of the unit was escalated to the unit above it."""
    marks = ReminderMark.objects.filter(
        assignment__unit=OuterRef("pk"), stage="escalated", assignment__work_status__in=REMINDABLE
    )
    return Exists(marks)


@dataclass
class LaggingUnit:
    unit_id: int
    code: str
    overdue: int
    oldest_due: datetime.date | None
    behind: list[TargetProgress]
    today: datetime.date
    # Read by lagging_details, for the rows shown:
    unit: Unit | None = None
    last_update: datetime.datetime | None = None
    last_reminder: datetime.datetime | None = None
    escalated: bool = False
    # The explanation requests not closed (as at the page's date), newest first.
    explanations: list = field(default_factory=list)

    @property
    def days_overdue(self) -> int:
        return (self.today - self.oldest_due).days if self.oldest_due else 0

    @property
    def gap(self) -> float:
        """How far the worst indicator is under its expected-to-date share."""
        return max((node.expected_share - (node.attainment or 0.0) for node in self.behind), default=0.0)

    @property
    def head(self):
        return self.unit.head_list[0] if self.unit.head_list else None

    def sort_key(self):
        return (-self.overdue, -self.gap, -self.days_overdue, self.code)


def lagging_units(
    *,
    province: Unit,
    today: datetime.date,
    level: int | None = None,
    area: Unit | None = None,
    document: Document | None = None,
    as_at: datetime.date | None = None,
) -> list[LaggingUnit]:
    """Units with overdue assignments or indicators behind expected-to-date, worst first; as at
    the past date ``as_at`` (then also ``today``): the units valid then, overdue then.

    Only what the order needs, whatever the number of units (three queries: the units in scope,
    their overdue counts, the indicator tree); ``lagging_details`` reads the rest for the rows
    shown.
    """
    today = as_at or today
    units = Unit.objects.filter(province=province, level__gt=Unit.Level.PROVINCE).exclude(kind=Unit.Kind.STANDING_BODY)
    units = units.filter(is_active=True) if as_at is None else units.valid_on(as_at)
    if level:
        units = units.filter(level=level)
    if area is not None:
        units = units.filter(area=area)
    codes = dict(units.values_list("pk", "code"))
    overdue_q = deadline_conditions(today, as_at=as_at)[DeadlineStatus.OVERDUE]
    overdue = Assignment.objects.filter(overdue_q, unit__in=list(codes))
    if document is not None:
        overdue = overdue.filter(task__document=document)
    counts = {
        row["unit_id"]: row
        for row in overdue.values("unit_id").annotate(n=Count("pk"), oldest=Min("due_date")).order_by()
    }
    behind: dict[int, list[TargetProgress]] = {}
    for item in progress_nodes(unit=province, today=today, light=True, as_at=as_at):
        if item.behind and (document is None or item.target.source_document_id == document.pk):
            behind.setdefault(item.target.unit_id, []).append(item)
    rows = [
        LaggingUnit(
            unit_id=unit_id,
            code=code,
            overdue=counts[unit_id]["n"] if unit_id in counts else 0,
            oldest_due=counts[unit_id]["oldest"] if unit_id in counts else None,
            behind=behind.get(unit_id, []),
            today=today,
        )
        for unit_id, code in codes.items()
        if unit_id in counts or unit_id in behind
    ]
    return sorted(rows, key=LaggingUnit.sort_key)


def lagging_details(rows: list[LaggingUnit], *, as_at: datetime.date | None = None) -> list[LaggingUnit]:
    """Fill ``rows`` (a page of them, or all for the export) with their unit, district, head, last
    update, last reminder, escalation and explanation requests not closed (as at the past date
    ``as_at``: asked by then and not closed by then): three queries whatever their number."""
    heads = User.objects.filter(role=User.Role.UNIT_HEAD, is_active=True)
    # Each unit's latest change from its own rows (the index on the unit covers them), not a join
    # of every assignment grouped with the units' columns.
    latest = Assignment.objects.filter(unit=OuterRef("pk"), updated_at__isnull=False).order_by("-updated_at")
    units = (
        Unit.objects.filter(pk__in=[row.unit_id for row in rows])
        .select_related("area")
        .annotate(last_update=Subquery(latest.values("updated_at")[:1]))
        .annotate(last_reminder=last_reminder_subquery(), escalated=escalated_exists())
        .prefetch_related(
            Prefetch("users", queryset=heads, to_attr="head_list"),
            Prefetch("explanation_requests", queryset=explanations_not_closed(as_at), to_attr="explanation_list"),
        )
    )
    found = {unit.pk: unit for unit in units}
    moment = day_end(as_at) if as_at is not None else None
    for row in rows:
        row.unit = found[row.unit_id]
        row.last_update, row.last_reminder, row.escalated = (
            row.unit.last_update,
            row.unit.last_reminder,
            row.unit.escalated,
        )
        row.explanations = row.unit.explanation_list
        for request in row.explanations:
            request.shown_status = request.status_on(moment)
    return rows


def explanations_not_closed(as_at: datetime.date | None = None) -> QuerySet[ExplanationRequest]:
    """Explanation requests waiting for an answer or answered, not closed; as at the past date
    ``as_at``: asked by its end and not closed by then. Newest first."""
    requests = ExplanationRequest.objects.select_related(*EXPLANATION_RELATED).order_by("-asked_at", "-pk")
    if as_at is None:
        return requests.exclude(status=ExplanationRequest.Status.CLOSED)
    moment = day_end(as_at)
    return requests.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=moment), asked_at__lt=moment)


EXPLANATION_FILTERS = ("waiting", "late", "answered", "closed")


def area_explanations(*, area: Unit, status: str = "", today: datetime.date) -> QuerySet[ExplanationRequest]:
    """The explanation requests of ``area`` (a province's, or a district's own and its communes'):
    ``status`` "waiting" (unanswered), "late" (unanswered after its date), "answered" (explained,
    not closed), "closed", or "" for all; unanswered first by their date, then the newest."""
    requests = ExplanationRequest.objects.filter(unit__province=area.province_id).select_related(*EXPLANATION_RELATED)
    if area.level != Unit.Level.PROVINCE:
        requests = requests.filter(unit__area=area)
    open_ = ExplanationRequest.Status.OPEN
    requests = {
        "waiting": requests.filter(status=open_),
        "late": requests.filter(status=open_, due_date__lt=today),
        "answered": requests.filter(status=ExplanationRequest.Status.ANSWERED),
        "closed": requests.filter(status=ExplanationRequest.Status.CLOSED),
    }.get(status, requests)
    waiting_first = Case(When(status=open_, then=0), default=1)
    by_date_while_waiting = Case(When(status=open_, then=F("due_date")))  # NULL for the others: newest first
    return requests.order_by(waiting_first, by_date_while_waiting, "-asked_at", "-pk")


@dataclass
class ExplanationRow:
    """One explanation request as the official report shows it, as it stood at the end of the period."""

    request: ExplanationRequest
    unit: Unit
    area_name: str  # the district of a commune; "" for an agency, a district, a commune of the two-level structure
    subject: str  # the assignment or target it is about; "" for the unit's work in general
    asked_on: datetime.date  # first asked (the origin's date for a request carried by a transition)
    due_date: datetime.date
    status: str  # ExplanationRequest.Status at the end of the period
    late: bool  # not explained by its date (answered after it, or still unanswered at the period's end)
    answer: str  # the explanation, if given by the end of the period
    answered_on: datetime.date | None
    asked_by: str  # the person, and the unit that asked (the standing body, a district)


def explanations_for_report(*, province: Unit, start: datetime.date, end: datetime.date) -> list[ExplanationRow]:
    """The explanation requests of ``province`` that belong to the period ``start``..``end`` (both
    included), for the official report: asked by the end of the period and not settled before it
    began (neither answered nor closed before ``start``), each as it stood at the end of ``end``
    (an explanation given later is not in the report, so a report drafted again says the same).
    By area, unit and date asked; one query."""
    begin, moment = day_end(start - datetime.timedelta(days=1)), day_end(end)
    # A request a structure transition carried to a successor by the end of the period is that
    # successor's row from then (asked on the effective date, first asked on the origin's date).
    carried_on = ExplanationRequest.carried_from.through.objects.filter(to_explanationrequest_id=OuterRef("pk"))
    requests = (
        ExplanationRequest.objects.filter(unit__province=province, asked_at__lt=moment)
        .exclude(answered_at__lt=begin)
        .exclude(closed_at__lt=begin)
        .exclude(Q(closed_at__lt=moment) & Exists(carried_on))
        .select_related(*EXPLANATION_RELATED, "unit__area")
        .order_by(
            F("unit__area__code").asc(nulls_first=True),
            "unit__level",
            "unit__code",
            Coalesce("first_asked_at", "asked_at"),
            "pk",
        )
    )
    rows = []
    for request in requests:
        status = request.status_on(moment)
        answered = request.answered_at is not None and request.answered_at < moment
        answered_on = timezone.localdate(request.answered_at) if answered else None
        # Unanswered: late when its date passed before the end of the period, or before it was closed.
        settled = timezone.localdate(request.closed_at) if status == ExplanationRequest.Status.CLOSED else end
        unit = request.unit
        rows.append(
            ExplanationRow(
                request=request,
                unit=unit,
                area_name=unit.area.name if unit.area_id and unit.area_id != unit.pk else "",
                subject=explanation_subject_text(request),
                asked_on=timezone.localdate(request.asked_first),
                due_date=request.due_date,
                status=status,
                late=(answered_on > request.due_date) if answered_on else request.due_date < settled,
                answer=request.answer if answered else "",
                answered_on=answered_on,
                asked_by=", ".join(
                    filter(None, [str(request.asked_by), request.asked_by_unit.name if request.asked_by_unit else ""])
                ),
            )
        )
    return rows


def explanation_subject_text(request: ExplanationRequest) -> str:
    if request.assignment_id:
        task = request.assignment.task
        return f"{task.document.number} – {task.ref}. {task.title}"
    if request.target_id:
        return request.target.indicator.name
    return ""


def document_tasks(
    *, document: Document, province: Unit, today: datetime.date, as_at: datetime.date | None = None
) -> QuerySet[Task]:
    """The document's tasks, each with the province's assignments counted by deadline status
    (as at the past date ``as_at`` when given)."""
    counts = deadline_counts(today, prefix="assignments__", within=Q(assignments__unit__province=province), as_at=as_at)
    return Task.objects.filter(document=document).annotate(**counts).order_by("ref")


SEARCH_LIMIT = 20


def search(*, user: User, text: str, province: Unit | None = None) -> dict[str, list]:
    """Units, documents and tasks matching ``text`` without accents ("dien chau" finds "Diễn Châu").

    Units follow the access rule; a unit member finds only the tasks of the units they read.
    Documents and tasks are those the user's province reads (``province``: the one a superuser or
    national account chose; without a choice, the national ones).
    """
    key = search_key(text)
    if len(key) < 2:
        return {"units": [], "documents": [], "tasks": []}
    units = unit_search(visible_units(user), text).select_related("parent").order_by("level", "name")
    readable = visible_documents(user, province)
    tasks = Task.objects.filter(search_key__contains=key, document__in=readable).select_related("document")
    if not (user.is_superuser or user.sees_whole_province):
        tasks = tasks.filter(Exists(scoped(Assignment.objects.filter(task=OuterRef("pk")), user)))
    documents = readable.filter(search_key__contains=key)
    return {
        "units": list(units[:SEARCH_LIMIT]),
        "documents": list(documents[:SEARCH_LIMIT]),
        "tasks": list(tasks.order_by("document__issued_on", "ref")[:SEARCH_LIMIT]),
    }


def notifications_log(*, province: Unit) -> QuerySet[Notification]:
    """Every mail of the province, newest first: who got what, when, delivery status."""
    in_province = Q(unit__province=province) | Q(user__unit__province=province)
    return Notification.objects.filter(in_province).select_related("unit", "user").order_by("-created_at", "-pk")


@dataclass
class ObstacleRow:
    """An obstacle as the official report shows it: as it stood at the end of the period."""

    obstacle: Obstacle
    raised_on: datetime.date
    raised_in_period: bool
    answered_on: datetime.date | None  # answered by the end of the period
    answered_in_period: bool
    closed: bool  # closed by the end of the period


def obstacles_for_report(*, province: Unit, start: datetime.date, end: datetime.date) -> list[ObstacleRow]:
    """The obstacles of ``province`` that belong to the period ``start``..``end`` (both included),
    for the official report: raised by the end of the period and not settled before it began
    (neither answered nor closed before ``start``), each as it stood at the end of ``end``: an
    answer given later is not in the report, so a report drafted again says the same. By area,
    unit and date raised; one query."""
    begin, moment = day_end(start - datetime.timedelta(days=1)), day_end(end)
    obstacles = (
        Obstacle.objects.filter(unit__province=province, raised_at__lt=moment)
        .exclude(answered_at__lt=begin)
        .exclude(closed_at__lt=begin)
        .select_related("unit__area", "forwarded_to")
        .order_by(F("unit__area__code").asc(nulls_first=True), "unit__level", "unit__code", "raised_at", "pk")
    )
    rows = []
    for obstacle in obstacles:
        answered = obstacle.answered_at is not None and obstacle.answered_at < moment
        rows.append(
            ObstacleRow(
                obstacle=obstacle,
                raised_on=timezone.localdate(obstacle.raised_at),
                raised_in_period=obstacle.raised_at >= begin,
                answered_on=timezone.localdate(obstacle.answered_at) if answered else None,
                answered_in_period=answered and obstacle.answered_at >= begin,
                closed=obstacle.closed_at is not None and obstacle.closed_at < moment,
            )
        )
    return rows

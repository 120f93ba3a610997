from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from projectsite import clock
from projectsite.bounds import BadQueryValue, bounded_int
from projectsite.text import percent
from tasks import services as task_services
from tasks.deadlines import STATUS_COLOURS, DeadlineStatus
from tasks.indicators import progress_tree
from tasks.models import Assignment, Document, ExtensionRequest, Obstacle
from tasks.selectors import (
    STATUS_ORDER,
    assignments_with_status,
    province_documents,
    unit_assignments,
    visible_documents,
)
from units.models import Unit
from units.permissions import (
    PROVINCE_VIEWER,
    SECRETARIAT,
    any_account,
    area_viewer_required,
    permission_required,
    province_viewer_required,
    unit_scoped_read,
)
from units.selectors import scoped, user_area_or_404, user_province_or_404, visible_unit
from units.text import search_key

from .. import outbox, scorecard, selectors
from .. import services as report_services
from ..exports import Column, build_workbook, xlsx_response
from ..filters import AssignmentFilter, FilterForm, QueueFilter, UnitField, area_units
from ..forms import ConfirmForm, ExtensionDecisionForm, ObstacleDecisionForm, SendBackForm, SnapshotForm, WeightsForm
from ..models import Notification, ScorecardSnapshot


@area_viewer_required
def overview(request):
    """The province dashboard, or a district's (its communes) for the district's head and staff:
    every number links to the list behind it."""
    area = user_area_or_404(request.user)
    is_province = area.level == Unit.Level.PROVINCE
    today = clock.today()
    breakdown = selectors.status_breakdown(province=area, today=today)
    counts = breakdown.province
    # A district's table and chart are by unit (itself and its communes), the province's by district.
    by_district = breakdown.by_district if is_province else selectors.unit_status_rows(area=area, today=today)
    cards = [
        {"status": status, "label": status.label, "colour": STATUS_COLOURS[status], "count": counts[status.value]}
        for status in STATUS_ORDER
    ]
    indicators = selectors.area_indicator_summaries(area=area, today=today)
    return render(
        request,
        "reports/overview.html",
        {
            "province": area,
            "is_province": is_province,
            "today": today,
            "total": counts["total"],
            "on_time_rate": selectors.on_time_rate(counts),
            "cards": cards,
            "statuses": STATUS_ORDER,
            "by_level": table_rows(breakdown.by_level, key="level", label="label"),
            "by_district": table_rows(
                by_district, key="code", label="name", link=lambda row: reverse("tasks:unit", args=[row["code"]])
            ),
            "by_document": table_rows(
                breakdown.by_document,
                key="document_id",
                label="number",
                date="issued_on",
                link=(lambda row: reverse("reports:document", args=[row["document_id"]])) if is_province else None,
            ),
            "indicators": indicators,
            "district_chart": {
                "labels": [row["name"] for row in by_district],
                "datasets": [
                    {
                        "label": str(status.label),
                        "status": status.value,
                        "data": [row[status.value] for row in by_district],
                    }
                    for status in STATUS_ORDER
                ],
            },
            "indicator_charts": [
                {**summary.chart(), "names": {"expected": _("Expected to date"), "target": _("Target")}}
                for summary in indicators
            ],
        },
    )


def table_rows(rows, *, key: str, label: str, date: str | None = None, link=None) -> list[dict]:
    """Rows of a status table: the filter value, the label, the counts per status, the total."""
    statuses = [str(status) for status in STATUS_ORDER]
    return [
        {
            "key": str(row[key]),
            "label": row[label],
            "date": row.get(date) if date else None,
            "link": link(row) if link else None,
            "counts": {status: row[status] for status in statuses},
            "total": row["total"],
        }
        for row in rows
    ]


ASSIGNMENTS_PER_PAGE = 50


@area_viewer_required
def assignment_list(request):
    """The assignments behind a dashboard number (a district's: its own and its communes'):
    filterable, sortable, paginated."""
    area = user_area_or_404(request.user)
    today = clock.today()
    form = AssignmentFilter(request.GET or None, province=_province_of(area), area=area)
    queryset = assignments_with_status(
        selectors.area_assignments(area).select_related("task__document", "unit__district", "updated_by"),
        today,
    )
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
        queryset = queryset.none()
    elif form.is_bound:
        queryset = form.apply(queryset, today)
    else:
        form.cleaned_data = {}
        queryset = queryset.order_by("due_date", "pk")
    page = Paginator(queryset, ASSIGNMENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/assignments.html",
        {
            "form": form,
            "page": page,
            "today": today,
            "query": query.urlencode(),
            "task": form.cleaned_data.get("task") if hasattr(form, "cleaned_data") else None,
            "sort": request.GET.get("sort", "due"),
        },
        status=status,
    )


def _province_of(area: Unit) -> Unit:
    return area if area.level == Unit.Level.PROVINCE else area.province


class LaggingFilter(FilterForm):
    level = forms.TypedChoiceField(
        label=_("Level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All")), *[(v, n) for v, n in Unit.Level.choices if v != Unit.Level.PROVINCE]],
    )
    district = UnitField(label=_("District"), required=False, queryset=Unit.objects.none(), numeric=True)
    document = forms.ModelChoiceField(label=_("Document"), required=False, queryset=Document.objects.all())

    def __init__(self, *args, area, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = area_units(area).filter(level=Unit.Level.DISTRICT)
        self.fields["document"].queryset = province_documents(area.province_id)


def _lagging_filters(request, area: Unit) -> tuple[LaggingFilter, dict | None]:
    """The list's filters from the query string; None when one is refused (the page says why).
    A district's list is always its own."""
    form = LaggingFilter(request.GET or None, area=area)
    if form.is_bound and not form.is_valid():
        return form, None
    filters = form.cleaned_data if form.is_bound else {}
    if area.level == Unit.Level.DISTRICT:
        filters = {**filters, "district": area}
    return form, filters


@area_viewer_required
def lagging(request):
    """Units with overdue assignments or indicators behind expected-to-date, worst first: the
    province's, or a district's own and its communes' for the district's head and staff."""
    area = user_area_or_404(request.user)
    today = clock.today()
    form, filters = _lagging_filters(request, area)
    rows = [] if filters is None else selectors.lagging_units(province=_province_of(area), today=today, **filters)
    page = Paginator(rows, ASSIGNMENTS_PER_PAGE).get_page(request.GET.get("page"))
    selectors.lagging_details(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/lagging.html",
        {"form": form, "page": page, "count": len(rows), "today": today, "query": query.urlencode(), "area": area},
        status=400 if filters is None else 200,
    )


@province_viewer_required
def document_detail(request, pk: int):
    """A document and its tasks, each with its assignments counted by deadline status."""
    province = user_province_or_404(request.user)
    document = get_object_or_404(visible_documents(request.user).select_related("implements"), pk=pk)
    today = clock.today()
    tasks = selectors.document_tasks(document=document, province=province, today=today)
    return render(
        request,
        "reports/document.html",
        {"document": document, "tasks": tasks, "statuses": STATUS_ORDER, "today": today},
    )


QUEUE_PER_PAGE = 50
QUEUE_SECTIONS = {
    "confirmations": selectors.confirmations_pending,
    "extensions": selectors.extensions_pending,
    "obstacles": selectors.obstacles_unresolved,
}


def _queue_page(request, *, status: int = 200):
    """Each kind of item, filtered; all kinds show their oldest page, one kind (?kind=) is paged.

    A refused filter lists nothing and says why (HTTP 400), rather than everything.
    """
    province = user_province_or_404(request.user)
    today = clock.today()
    form = QueueFilter(request.GET or None, province=province)
    refused = form.is_bound and not form.is_valid()
    kind = "" if refused or not form.is_bound else form.cleaned_data["kind"]
    query = request.GET.copy()
    query.pop("page", None)
    filters = query.copy()
    filters.pop("kind", None)
    context = {
        "form": form,
        "kind": kind,
        "query": query.urlencode(),
        "filters": filters.urlencode(),
        "province": province,
        "agencies": selectors.agencies(province=province),
        "per_page": QUEUE_PER_PAGE,
    }
    for name, selector in QUEUE_SECTIONS.items():
        items = selector(province=province)
        items = items.none() if refused else form.apply(name, items, today) if form.is_bound else items
        page = Paginator(items, QUEUE_PER_PAGE).get_page(request.GET.get("page") if kind == name else 1)
        context[name] = page
        context[f"{name}_shown"] = kind in ("", name)
    context.update(
        confirmation_count=context["confirmations"].paginator.count,
        extension_count=context["extensions"].paginator.count,
        obstacle_count=context["obstacles"].paginator.count,
    )
    return render(request, "reports/work_queue.html", context, status=400 if refused else status)


@province_viewer_required
def work_queue(request):
    """What waits for the secretariat: completions to confirm, extensions and obstacles to decide."""
    return _queue_page(request)


BULK_LIMIT = 200  # completions confirmed in one request: four pages of the queue


def _queue_url(query: str) -> str:
    """The queue with the filters it was showing (only the queue's own parameters are kept)."""
    kept = QueryDict(query[:1000], mutable=True)
    for key in list(kept):
        if key not in QueueFilter.base_fields and key != "page":
            del kept[key]
    return f"{reverse('reports:work_queue')}?{kept.urlencode()}" if kept else reverse("reports:work_queue")


@require_POST
@permission_required("tasks.confirm_assignment", policy=SECRETARIAT)
def queue_confirm_selected(request):
    """Confirm the completions ticked on the queue, each through the one confirm service (its
    version check, its history row, its mail). A row that changed since, or is no longer waiting
    in the user's province, is refused by name and left as it is; the others are confirmed."""
    province = user_province_or_404(request.user)
    picked = request.POST.getlist("selected")
    if not picked:
        return _refused(request, [_("Tick at least one completion to confirm.")])
    if len(picked) > BULK_LIMIT:
        return _refused(request, [_("Confirm at most %(n)s completions at a time.") % {"n": BULK_LIMIT}])
    rows, errors = [], []
    for value in picked:
        pk, _sep, version = value.partition(":")
        if not all(part.isascii() and part.isdigit() and len(part) <= 9 for part in (pk, version)):
            errors.append(_("A ticked row could not be read; it was not changed."))
            continue
        rows.append((int(pk), int(version)))
    waiting = {
        assignment.pk: assignment
        for assignment in scoped(selectors.confirmations_pending(province=province), request.user).filter(
            pk__in=[pk for pk, _version in rows]
        )
    }
    confirmed = 0
    for pk, version in rows:
        assignment = waiting.get(pk)
        if assignment is None:
            errors.append(
                _("A ticked completion no longer waits for confirmation in your province; it was not changed.")
            )
            continue
        name = f"{assignment.unit.name} – {assignment.task.document.number} {assignment.task.ref}"
        try:
            task_services.assignment_report(
                assignment=assignment,
                user=request.user,
                version=version,
                work_status=Assignment.WorkStatus.CONFIRMED,
                progress=100,
            )
        except task_services.AssignmentConflict:
            errors.append(
                _("%(name)s changed in the meantime; it was not confirmed. Look at it again.") % {"name": name}
            )
        except (ValidationError, PermissionDenied) as error:
            reason = " ".join(error.messages) if isinstance(error, ValidationError) else _("not allowed")
            errors.append(_("%(name)s was not confirmed: %(reason)s") % {"name": name, "reason": reason})
        else:
            confirmed += 1
    if not confirmed:
        return _refused(request, errors)
    messages.success(
        request,
        ngettext("%(n)s completion confirmed.", "%(n)s completions confirmed.", confirmed) % {"n": confirmed},
    )
    for message in errors:
        messages.error(request, message)
    return redirect(_queue_url(request.POST.get("next", "")))


def _refused(request, errors):
    """Show why a decision was refused, on the queue page, with HTTP 400; nothing was changed."""
    for message in errors:
        messages.error(request, message)
    return _queue_page(request, status=400)


def _error_messages(form_errors) -> list[str]:
    return [message for field_errors in form_errors.values() for message in field_errors]


def _assignment_decision(request, pk: int, *, form_class, work_status: str, done: str):
    """Confirm or send back a reported completion: one path, the unit's own service."""
    assignment = get_object_or_404(scoped(Assignment.objects.select_related("unit"), request.user), pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        return _refused(request, _error_messages(form.errors))
    try:
        task_services.assignment_report(
            assignment=assignment,
            user=request.user,
            version=form.cleaned_data["version"],
            work_status=work_status,
            progress=100 if work_status == Assignment.WorkStatus.CONFIRMED else assignment.progress,
            note=form.cleaned_data.get("reason", ""),
        )
    except task_services.AssignmentConflict:
        return _refused(request, [_("The assignment changed in the meantime; look at it again.")])
    except ValidationError as error:
        return _refused(request, error.messages)
    messages.success(request, done % {"unit": assignment.unit})
    return redirect("reports:work_queue")


@require_POST
@permission_required("tasks.confirm_assignment", policy=SECRETARIAT)
def queue_confirm(request, pk: int):
    return _assignment_decision(
        request,
        pk,
        form_class=ConfirmForm,
        work_status=Assignment.WorkStatus.CONFIRMED,
        done=_("Completion confirmed: %(unit)s."),
    )


@require_POST
@permission_required("tasks.send_back_assignment", policy=SECRETARIAT)
def queue_send_back(request, pk: int):
    return _assignment_decision(
        request,
        pk,
        form_class=SendBackForm,
        work_status=Assignment.WorkStatus.RETURNED,
        done=_("Sent back to %(unit)s."),
    )


@require_POST
@permission_required("tasks.decide_extension", policy=SECRETARIAT)
def queue_extension(request, pk: int):
    queryset = scoped(
        ExtensionRequest.objects.select_related("assignment__unit"), request.user, field="assignment__unit"
    )
    extension = get_object_or_404(queryset, pk=pk)
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        return _refused(request, _error_messages(form.errors))
    data = form.cleaned_data
    try:
        task_services.extension_decide(
            request=extension,
            user=request.user,
            approve=data["decision"] == "approve",
            due_date=data["due_date"],
            note=data["note"],
        )
    except ValidationError as error:
        return _refused(request, error.messages)
    messages.success(request, _("Decision recorded: %(unit)s.") % {"unit": extension.assignment.unit})
    return redirect("reports:work_queue")


@require_POST
@permission_required("tasks.answer_obstacle", policy=SECRETARIAT)
def queue_obstacle(request, pk: int):
    obstacle = get_object_or_404(scoped(Obstacle.objects.select_related("unit"), request.user), pk=pk)
    province = user_province_or_404(request.user)
    form = ObstacleDecisionForm(request.POST, agencies=selectors.agencies(province=province))
    if not form.is_valid():
        return _refused(request, _error_messages(form.errors))
    data = form.cleaned_data
    try:
        if data["action"] == "answer":
            task_services.obstacle_answer(obstacle=obstacle, user=request.user, answer=data["answer"])
        elif data["action"] == "forward":
            task_services.obstacle_forward(obstacle=obstacle, user=request.user, agency=data["agency"])
        else:
            task_services.obstacle_close(obstacle=obstacle, user=request.user)
    except ValidationError as error:
        return _refused(
            request, _error_messages(error.message_dict) if hasattr(error, "error_dict") else error.messages
        )
    messages.success(request, _("Obstacle updated: %(unit)s.") % {"unit": obstacle.unit})
    return redirect("reports:work_queue")


def _year(request) -> int:
    """?year=2023, by default the year of today; anything else is a 404, not a crash."""
    raw = request.GET.get("year") or request.POST.get("year")
    try:
        year = bounded_int(raw, name="year", minimum=2020, maximum=2100)
    except BadQueryValue:
        raise Http404 from None
    return clock.today().year if year is None else year


@province_viewer_required
def scorecard_page(request):
    """Units ranked within each level for a year, with movement since the last snapshot."""
    return _scorecard_response(request)


def _scorecard_response(request, *, weights_form=None, snapshot_form=None, status=200):
    province = user_province_or_404(request.user)
    year = _year(request)
    card = scorecard.scorecard(province=province, year=year, today=clock.today())
    can_manage = request.user.has_perm("reports.manage_scorecard", province)
    levels = scorecard.rows_by_level(card)
    return render(
        request,
        "reports/scorecard.html",
        {
            "card": card,
            "year": year,
            "levels": [(Unit.Level(level).label, level, rows) for level, rows in sorted(levels.items())],
            "can_manage": can_manage,
            "weights_form": weights_form or (WeightsForm(initial=card.weights) if can_manage else None),
            "snapshot_form": snapshot_form or (SnapshotForm(initial={"year": year}) if can_manage else None),
            "snapshots": ScorecardSnapshot.objects.filter(province=province, year=year).select_related("taken_by"),
        },
        status=status,
    )


@require_POST
@permission_required("reports.manage_scorecard", policy=SECRETARIAT)
def scorecard_weights(request):
    province = user_province_or_404(request.user)
    form = WeightsForm(request.POST)
    if form.is_valid():
        try:
            report_services.weights_update(province=province, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Weights saved."))
            return redirect(f"{reverse('reports:scorecard')}?year={_year(request)}")
    return _scorecard_response(request, weights_form=form, status=400)


@require_POST
@permission_required("reports.manage_scorecard", policy=SECRETARIAT)
def scorecard_snapshot(request):
    province = user_province_or_404(request.user)
    form = SnapshotForm(request.POST)
    if form.is_valid():
        try:
            report_services.snapshot_take(province=province, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The ranking of %(year)s is frozen.") % {"year": form.cleaned_data["year"]}
                if form.cleaned_data["final"]
                else _("Snapshot taken."),
            )
            return redirect(f"{reverse('reports:scorecard')}?year={form.cleaned_data['year']}")
    for error in form.errors.get("__all__", []):
        messages.error(request, error)
    return _scorecard_response(request, snapshot_form=form, status=400)


# Excel exports ----------------------------------------------------------------------


def _status_columns() -> list[Column]:
    return [Column(str(status.label), "int", 14) for status in STATUS_ORDER] + [Column(_("Total"), "int", 10)]


def _file_name(title: str, day) -> str:
    return f"{title} {day:%d-%m-%Y}.xlsx"


@province_viewer_required
def overview_excel(request):
    """The dashboard tables in one sheet: districts (with communes), levels, documents."""
    province = user_province_or_404(request.user)
    today = clock.today()
    statuses = [str(status) for status in STATUS_ORDER]
    rows = []
    breakdown = selectors.status_breakdown(province=province, today=today)
    for group, table, label in [
        (_("District"), breakdown.by_district, "name"),
        (_("Level"), breakdown.by_level, "label"),
        (_("Document"), breakdown.by_document, "number"),
    ]:
        for row in table:
            rows.append([group, row[label], *[row[s] for s in statuses], row["total"], selectors.on_time_rate(row)])
    title = _("Project 06 in %(name)s: assignments by deadline status") % {"name": province.name}
    content = build_workbook(
        title=title,
        report_date=today,
        columns=[
            Column(_("Group"), width=14),
            Column(_("Name"), width=32),
            *_status_columns(),
            Column(_("On-time completion rate"), "percent", 16),
        ],
        rows=rows,
    )
    return xlsx_response(filename=_file_name(_("Province overview"), today), content=content)


@area_viewer_required
def lagging_excel(request):
    area = user_area_or_404(request.user)
    today = clock.today()
    _form, filters = _lagging_filters(request, area)
    if filters is None:  # a refused filter: the list says why, rather than a file of everything
        return lagging(request)
    province = _province_of(area)
    rows = [
        [
            row.unit.name,
            row.unit.get_level_display(),
            row.unit.district.name if row.unit.district_id else "",
            row.overdue,
            row.days_overdue or None,
            "; ".join(f"{node.target.indicator.name}: {percent(node.attainment or 0)}" for node in row.behind),
            (row.head.get_full_name() or row.head.username) if row.head else "",
            ", ".join(filter(None, [row.head.email if row.head else "", *row.unit.emails])),
            row.unit.phone,
            row.last_update,
        ]
        for row in selectors.lagging_details(selectors.lagging_units(province=province, today=today, **filters))
    ]
    content = build_workbook(
        title=_("Lagging units"),
        report_date=today,
        subtitle=area.name,
        columns=[
            Column(_("Unit"), width=30),
            Column(_("Level"), width=14),
            Column(_("District"), width=22),
            Column(_("Overdue assignments"), "int", 12),
            Column(_("Oldest overdue (days)"), "int", 12),
            Column(_("Indicators behind"), width=40),
            Column(_("Head"), width=30),
            Column(_("Contact"), width=34),
            Column(_("Phone"), width=14),
            Column(_("Last update"), "datetime", 18),
        ],
        rows=rows,
    )
    return xlsx_response(filename=_file_name(_("Lagging units"), today), content=content)


@province_viewer_required
def scorecard_excel(request):
    province = user_province_or_404(request.user)
    year = _year(request)
    card = scorecard.scorecard(province=province, year=year, today=clock.today())
    rows = [
        [
            Unit.Level(row.level).label,
            row.rank,
            row.movement,
            row.unit.name,
            row.score,
            row.on_time_rate,
            row.attainment,
            row.timeliness,
        ]
        for row in card.rows
    ]
    frozen = _("frozen") if card.frozen else _("live")
    content = build_workbook(
        title=_("Scorecard %(year)s") % {"year": year},
        report_date=card.as_of,
        subtitle=f"{province.name} · {frozen}",
        columns=[
            Column(_("Level"), width=16),
            Column(_("Rank"), "int", 8),
            Column(_("Movement"), "int", 10),
            Column(_("Unit"), width=32),
            Column(_("Score"), "decimal", 10),
            Column(_("On time"), "percent", 12),
            Column(_("Indicators"), "percent", 12),
            Column(_("Regular reporting"), "percent", 12),
        ],
        rows=rows,
    )
    return xlsx_response(filename=_file_name(_("Scorecard %(year)s") % {"year": year}, card.as_of), content=content)


@unit_scoped_read(visible_unit)
def unit_excel(request, unit: Unit):
    """A unit's report: every assignment with its status, as anyone who may read the unit sees it."""
    today = clock.today()
    labels = dict(DeadlineStatus.choices)
    rows = [
        [
            a.task.document.number,
            f"{a.task.ref}. {a.task.title}",
            a.get_role_display(),
            a.due_date,
            labels.get(a.deadline, ""),
            a.get_work_status_display(),
            a.progress / 100,
            a.updated_at,
        ]
        for a in unit_assignments(user=request.user, unit=unit, today=today)
    ]
    attainment = "; ".join(
        f"{node.target.indicator.name}: {percent(node.attainment or 0)}"
        for node in progress_tree(unit=unit, today=today)
    )
    content = build_workbook(
        title=_("Report of %(name)s") % {"name": unit.name},
        report_date=today,
        subtitle=attainment,
        columns=[
            Column(_("Document"), width=18),
            Column(_("Task"), width=60),
            Column(_("Role"), width=10),
            Column(_("Due date"), "date", 12),
            Column(_("Deadline status"), width=24),
            Column(_("Work status"), width=22),
            Column(_("Progress"), "percent", 10),
            Column(_("Last update"), "datetime", 18),
        ],
        rows=rows,
    )
    return xlsx_response(filename=_file_name(unit.name, today), content=content)


@any_account
def search(request):
    text = request.GET.get("q", "")[:100]
    return render(
        request, "reports/search.html", {"q": text, "results": selectors.search(user=request.user, text=text)}
    )


class NotificationFilter(FilterForm):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *Notification.Kind.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Notification.Status.choices]
    )
    q = forms.CharField(label=_("Recipient or unit"), required=False, max_length=100)


@permission_required("reports.view_mail_log", policy=PROVINCE_VIEWER)
def notification_log(request):
    """Who got what, when, and whether it was delivered; failed mails can be sent again."""
    province = user_province_or_404(request.user)
    form = NotificationFilter(request.GET or None)
    notifications = selectors.notifications_log(province=province)
    refused = form.is_bound and not form.is_valid()
    if refused:  # the page says why, rather than listing every mail
        notifications = notifications.none()
    elif form.is_bound:
        data = form.cleaned_data
        if data["kind"]:
            notifications = notifications.filter(kind=data["kind"])
        if data["status"]:
            notifications = notifications.filter(status=data["status"])
        if data["q"]:
            notifications = notifications.filter(
                Q(recipient__icontains=data["q"]) | Q(unit__search_key__contains=search_key(data["q"]))
            )
    page = Paginator(notifications, ASSIGNMENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    failed = selectors.notifications_log(province=province).filter(status=Notification.Status.FAILED).count()
    return render(
        request,
        "reports/notifications.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "failed": failed,
            "province": province,
        },
        status=400 if refused else 200,
    )


@require_POST
@permission_required("reports.requeue_mail", policy=SECRETARIAT)
def notification_requeue(request, pk: int):
    notification = get_object_or_404(selectors.notifications_log(province=user_province_or_404(request.user)), pk=pk)
    if notification.status != Notification.Status.FAILED:
        messages.error(request, _("Only a failed mail can be sent again."))
        return redirect("reports:notifications")
    outbox.notification_requeue(notification=notification, user=request.user)
    messages.success(request, _("The mail to %(to)s is queued again.") % {"to": notification.recipient})
    return redirect("reports:notifications")

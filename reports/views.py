from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projectsite import clock
from tasks import services
from tasks.deadlines import STATUS_COLOURS
from tasks.models import Assignment, Document, ExtensionRequest, Obstacle
from tasks.selectors import STATUS_ORDER, assignments_with_status
from units.models import Unit
from units.permissions import province_viewer_required, secretariat_required
from units.selectors import scoped, user_province

from . import selectors
from .filters import AssignmentFilter, FilterForm
from .forms import ConfirmForm, ExtensionDecisionForm, ObstacleDecisionForm, SendBackForm


def _province(request) -> Unit:
    province = user_province(request.user)
    if province is None:
        raise Http404
    return province


@province_viewer_required
def overview(request):
    """The province dashboard: every number links to the list behind it."""
    province = _province(request)
    today = clock.today()
    counts = selectors.province_status_counts(province=province, today=today)
    cards = [
        {"status": status, "label": status.label, "colour": STATUS_COLOURS[status], "count": counts[status.value]}
        for status in STATUS_ORDER
    ]
    by_district = selectors.status_counts_by_district(province=province, today=today)
    indicators = selectors.indicator_summaries(province=province, today=today)
    return render(
        request,
        "reports/overview.html",
        {
            "province": province,
            "today": today,
            "total": counts["total"],
            "on_time_rate": selectors.on_time_rate(counts),
            "cards": cards,
            "statuses": STATUS_ORDER,
            "by_level": table_rows(
                selectors.status_counts_by_level(province=province, today=today), key="level", label="label"
            ),
            "by_district": table_rows(
                by_district, key="district_id", label="name", link=lambda row: reverse("tasks:unit", args=[row["code"]])
            ),
            "by_document": table_rows(
                selectors.status_counts_by_document(province=province, today=today),
                key="document_id",
                label="number",
                date="issued_on",
                link=lambda row: reverse("reports:document", args=[row["document_id"]]),
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


@province_viewer_required
def assignment_list(request):
    """The assignments behind a dashboard number: filterable, sortable, paginated."""
    province = _province(request)
    today = clock.today()
    form = AssignmentFilter(request.GET or None, province=province)
    queryset = assignments_with_status(
        selectors.province_assignments(province).select_related("task__document", "unit__district", "updated_by"),
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


class LaggingFilter(FilterForm):
    level = forms.TypedChoiceField(
        label=_("Level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All")), *[(v, n) for v, n in Unit.Level.choices if v != Unit.Level.PROVINCE]],
    )
    district = forms.ModelChoiceField(label=_("District"), required=False, queryset=Unit.objects.none())
    document = forms.ModelChoiceField(label=_("Document"), required=False, queryset=Document.objects.all())

    def __init__(self, *args, province, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = Unit.objects.filter(province=province, level=Unit.Level.DISTRICT)


@province_viewer_required
def lagging(request):
    """Units with overdue assignments or indicators behind expected-to-date, worst first."""
    province = _province(request)
    today = clock.today()
    form = LaggingFilter(request.GET or None, province=province)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = selectors.lagging_units(province=province, today=today, **filters)
    page = Paginator(rows, ASSIGNMENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/lagging.html",
        {"form": form, "page": page, "count": len(rows), "today": today, "query": query.urlencode()},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@province_viewer_required
def document_detail(request, pk: int):
    """A document and its tasks, each with its assignments counted by deadline status."""
    province = _province(request)
    document = get_object_or_404(Document.objects.select_related("implements"), pk=pk)
    today = clock.today()
    tasks = selectors.document_tasks(document=document, province=province, today=today)
    return render(
        request,
        "reports/document.html",
        {"document": document, "tasks": tasks, "statuses": STATUS_ORDER, "today": today},
    )


QUEUE_LIMIT = 100  # rows shown per section; the counts say how many there are


def _queue_page(request, *, status: int = 200):
    province = _province(request)
    confirmations = selectors.confirmations_pending(province=province)
    extensions = selectors.extensions_pending(province=province)
    obstacles = selectors.obstacles_unresolved(province=province)
    return render(
        request,
        "reports/work_queue.html",
        {
            "province": province,
            "confirmations": confirmations[:QUEUE_LIMIT],
            "confirmation_count": confirmations.count(),
            "extensions": extensions[:QUEUE_LIMIT],
            "extension_count": extensions.count(),
            "obstacles": obstacles[:QUEUE_LIMIT],
            "obstacle_count": obstacles.count(),
            "agencies": selectors.agencies(province=province),
            "can_decide": request.user.is_superuser or request.user.is_secretariat,
            "limit": QUEUE_LIMIT,
        },
        status=status,
    )


@province_viewer_required
def work_queue(request):
    """What waits for the secretariat: completions to confirm, extensions and obstacles to decide."""
    return _queue_page(request)


def _refused(request, errors):
    """Show why a decision was refused, on the queue page, with HTTP 400; nothing was changed."""
    for message in errors:
        messages.error(request, message)
    return _queue_page(request, status=400)


def _error_messages(form_errors) -> list[str]:
    return [message for field_errors in form_errors.values() for message in field_errors]


@require_POST
@secretariat_required
def queue_confirm(request, pk: int):
    assignment = get_object_or_404(scoped(Assignment.objects.select_related("unit"), request.user), pk=pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _refused(request, _error_messages(form.errors))
    try:
        services.assignment_report(
            assignment=assignment,
            user=request.user,
            version=form.cleaned_data["version"],
            work_status=Assignment.WorkStatus.CONFIRMED,
            progress=100,
        )
    except services.AssignmentConflict:
        return _refused(request, [_("The assignment changed in the meantime; look at it again.")])
    except ValidationError as error:
        return _refused(request, error.messages)
    messages.success(request, _("Completion confirmed: %(unit)s.") % {"unit": assignment.unit})
    return redirect("reports:work_queue")


@require_POST
@secretariat_required
def queue_send_back(request, pk: int):
    assignment = get_object_or_404(scoped(Assignment.objects.select_related("unit"), request.user), pk=pk)
    form = SendBackForm(request.POST)
    if not form.is_valid():
        return _refused(request, _error_messages(form.errors))
    try:
        services.assignment_report(
            assignment=assignment,
            user=request.user,
            version=form.cleaned_data["version"],
            work_status=Assignment.WorkStatus.RETURNED,
            progress=assignment.progress,
            note=form.cleaned_data["reason"],
        )
    except services.AssignmentConflict:
        return _refused(request, [_("The assignment changed in the meantime; look at it again.")])
    except ValidationError as error:
        return _refused(request, error.messages)
    messages.success(request, _("Sent back to %(unit)s.") % {"unit": assignment.unit})
    return redirect("reports:work_queue")


@require_POST
@secretariat_required
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
        services.extension_decide(
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
@secretariat_required
def queue_obstacle(request, pk: int):
    obstacle = get_object_or_404(scoped(Obstacle.objects.select_related("unit"), request.user), pk=pk)
    province = _province(request)
    form = ObstacleDecisionForm(request.POST, agencies=selectors.agencies(province=province))
    if not form.is_valid():
        return _refused(request, _error_messages(form.errors))
    data = form.cleaned_data
    try:
        if data["action"] == "answer":
            services.obstacle_answer(obstacle=obstacle, user=request.user, answer=data["answer"])
        elif data["action"] == "forward":
            services.obstacle_forward(obstacle=obstacle, user=request.user, agency=data["agency"])
        else:
            services.obstacle_close(obstacle=obstacle, user=request.user)
    except ValidationError as error:
        return _refused(
            request, _error_messages(error.message_dict) if hasattr(error, "error_dict") else error.messages
        )
    messages.success(request, _("Obstacle updated: %(unit)s.") % {"unit": obstacle.unit})
    return redirect("reports:work_queue")

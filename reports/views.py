from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projectsite import clock
from tasks import services
from tasks.deadlines import STATUS_COLOURS
from tasks.models import Assignment, ExtensionRequest, Obstacle
from tasks.selectors import STATUS_ORDER
from units.permissions import province_viewer_required, secretariat_required
from units.selectors import scoped, user_province

from . import selectors
from .forms import ConfirmForm, ExtensionDecisionForm, ObstacleDecisionForm, SendBackForm


@province_viewer_required
def overview(request):
    province = user_province(request.user)
    if province is None:
        raise Http404
    today = clock.today()
    counts = selectors.province_status_counts(province=province, today=today)
    cards = [
        {"status": status, "label": status.label, "colour": STATUS_COLOURS[status], "count": counts[status.value]}
        for status in STATUS_ORDER
    ]
    return render(
        request,
        "reports/overview.html",
        {
            "province": province,
            "today": today,
            "total": counts["total"],
            "cards": cards,
            "statuses": STATUS_ORDER,
            "by_level": selectors.status_counts_by_level(province=province, today=today),
            "by_document": selectors.status_counts_by_document(province=province, today=today),
        },
    )


QUEUE_LIMIT = 100  # rows shown per section; the counts say how many there are


def _queue_page(request, *, status: int = 200):
    province = user_province(request.user)
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
    province = user_province(request.user)
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

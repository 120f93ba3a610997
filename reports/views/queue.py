"""The work queue: what waits for the secretariat, and its decisions (confirm, incl. ticked rows in bulk;
send back; extensions; obstacles), each through the one service."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from projectsite import clock
from projectsite.bounds import parse_id
from tasks import services as task_services
from tasks.models import Assignment, ExtensionRequest, Obstacle
from units.choosing import keep_province
from units.permissions import SECRETARIAT, permission_required, province_viewer_required
from units.selectors import scoped, user_province_or_404

from .. import selectors
from ..filters import QueueFilter
from ..forms import ConfirmForm, ExtensionDecisionForm, ObstacleDecisionForm, SendBackForm

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
    province = user_province_or_404(request.user, request.GET.get("province"))
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
        if key not in QueueFilter.base_fields and key not in ("page", "province"):
            del kept[key]
    return f"{reverse('reports:work_queue')}?{kept.urlencode()}" if kept else reverse("reports:work_queue")


@require_POST
@permission_required("tasks.confirm_assignment", policy=SECRETARIAT)
def queue_confirm_selected(request):
    """Confirm the completions ticked on the queue, each through the one confirm service (its
    version check, its history row, its mail). A row that changed since, or is no longer waiting
    in the user's province, is refused by name and left as it is; the others are confirmed."""
    province = user_province_or_404(request.user, request.GET.get("province"))
    picked = request.POST.getlist("selected")
    if not picked:
        return _refused(request, [_("Tick at least one completion to confirm.")])
    if len(picked) > BULK_LIMIT:
        return _refused(request, [_("Confirm at most %(n)s completions at a time.") % {"n": BULK_LIMIT}])
    rows, errors = [], []
    for value in picked:
        pk, _sep, version = (parse_id(part) for part in value.partition(":"))
        if pk is None or version is None:
            errors.append(_("A ticked row could not be read; it was not changed."))
            continue
        rows.append((pk, version))
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
    return redirect(keep_province(reverse("reports:work_queue"), request))


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
    return redirect(keep_province(reverse("reports:work_queue"), request))


@require_POST
@permission_required("tasks.answer_obstacle", policy=SECRETARIAT)
def queue_obstacle(request, pk: int):
    obstacle = get_object_or_404(scoped(Obstacle.objects.select_related("unit"), request.user), pk=pk)
    province = user_province_or_404(request.user, request.GET.get("province"))
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
    return redirect(keep_province(reverse("reports:work_queue"), request))

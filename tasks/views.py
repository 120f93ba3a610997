"""Pages of a unit: its assignments, reports, figures, obstacles and extension requests.

Every object is fetched through a selector that applies the access rule (404 when the user
may not see it); every change goes through a service, which checks who may make it.
"""

import contextlib
import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projectsite import clock
from projectsite.as_at import AS_AT_PARAMETER, AsAt, as_at_context, as_at_from
from projectsite.bounds import BadQueryValue, bounded_int
from projectsite.text import datetime_text
from units.models import Unit
from units.permissions import unit_as_at, unit_member_required, unit_scoped_read, unit_scoped_write
from units.selectors import unit_successions, visible_unit

from . import selectors, services, workflow
from .cycles import cycle_text
from .deadlines import STATUS_COLOURS
from .forms import (
    AssignmentReportForm,
    ExplanationAnswerForm,
    ExplanationCloseForm,
    ExplanationRequestForm,
    ExtensionRequestForm,
    FigureForm,
    ObstacleAnswerForm,
    ObstacleForm,
    SlotReportForm,
)
from .indicators import progress_tree
from .models import ExplanationRequest
from .slots import slot_open_for_unit


@unit_member_required
def my_unit(request):
    """The landing page of a unit head or staff member (as at a past date: its own unit then)."""
    return _unit_page(request, request.user.unit, as_at_from(request))


@unit_scoped_read(visible_unit)
def unit_detail(request, unit: Unit):
    """Any unit the user may read: a district head opens its communes, read-only. As at a past
    date (``?as_at=``) the code names the unit valid then (16681 on 20/06/2023: Phường Quang Trung)."""
    as_at = as_at_from(request)
    return _unit_page(request, unit_as_at(request, unit, as_at.past), as_at)


def unit_page_url(unit: Unit) -> str:
    """A link that opens ``unit``'s own page: an ended unit's code may name another unit today, so
    the link is as at its last day."""
    url = reverse("tasks:unit", args=[unit.code])
    if unit.valid_to is None:
        return url
    return f"{url}?{AS_AT_PARAMETER}={unit.valid_to - datetime.timedelta(days=1):%d/%m/%Y}"


def _succession_rows(unit: Unit) -> tuple[list[dict], list[dict]]:
    origins, successors = unit_successions(unit)

    def row(succession, other: Unit) -> dict:
        return {"unit": other, "url": unit_page_url(other), "succession": succession}

    return [row(s, s.predecessor) for s in origins], [row(s, s.successor) for s in successors]


def _unit_page(request, unit: Unit, as_at: AsAt):
    today, past = as_at.day, as_at.past
    predecessors, successors = _succession_rows(unit)
    assignments = list(selectors.unit_page_assignments(user=request.user, unit=unit, today=today, as_at=past))
    counts = dict.fromkeys(selectors.STATUS_ORDER, 0)
    for assignment in assignments:
        if assignment.deadline:
            counts[assignment.deadline] += 1
    summary = [
        {"status": status, "label": status.label, "colour": STATUS_COLOURS[status], "count": counts[status]}
        for status in selectors.STATUS_ORDER
    ]
    groups = [(item, [a for a in assignments if a.deadline == item["status"]]) for item in summary if item["count"]]
    untracked = [a for a in assignments if not a.deadline]
    progress = progress_tree(unit=unit, today=today, as_at=past)
    owed, received = selectors.unit_slots(user=request.user, unit=unit, today=today, as_at=past)
    # A unit owing no report and having received none has no rate to show: no query for it.
    series, reporting_total = (
        selectors.unit_reporting(unit, today=today, as_at=past)
        if owed or received or unit.level in (Unit.Level.PROVINCE, Unit.Level.DISTRICT)
        else ([], selectors.RateRow())
    )
    children = []
    if unit.level == Unit.Level.DISTRICT:
        progress_by_unit: dict[int, list] = {}
        for node in progress:
            for child in node.children:
                progress_by_unit.setdefault(child.target.unit_id, []).append(child)
        rates = {}
        if reporting_total.expected:
            window = selectors.reporting_window(today)
            by_unit = selectors.reporting_rates(unit.province, *window, today=today, as_at=past, area=unit).by_unit
            rates = {row.key: row for row in by_unit}
        for child in selectors.child_unit_summaries(user=request.user, unit=unit, today=today, as_at=past):
            child.progress = progress_by_unit.get(child.pk, [])
            child.reporting = rates.get(child.pk)
            children.append(child)
    return render(
        request,
        "tasks/unit.html",
        {
            **as_at_context(request, as_at),
            "unit": unit,
            "today": today,
            "predecessors": predecessors,
            "successors": successors,
            "existed": unit.valid_from is None or unit.valid_from <= today,
            "last_day": unit.valid_to - datetime.timedelta(days=1) if unit.valid_to else None,
            "summary": summary,
            "groups": groups,
            "untracked": untracked,
            # An ended unit's rows count nowhere today: they are its work until it ended, not
            # paused or cancelled work.
            "ended": unit.valid_to is not None and unit.valid_to <= today,
            "progress": progress,
            "children": children,
            "slots_owed": owed,
            "slots_received": received,
            "series": series,
            "reporting_total": reporting_total,
            # A page of the past, or of an ended unit, is read only.
            "can_write": past is None and unit.is_active and request.user.has_perm("tasks.raise_obstacle", unit),
            "obstacles": selectors.unit_obstacles(user=request.user, unit=unit)[:20],
            "decisions": selectors.unit_decisions(user=request.user, unit=unit),
            "history": selectors.unit_history(user=request.user, unit=unit, as_at=past),
            "last_reminder": selectors.last_reminder(unit),
            "is_own_unit": unit.pk == request.user.unit_id,
            "explanations": _with_answer_forms(
                request, selectors.unit_explanations(user=request.user, unit=unit, as_at=past), past=past
            ),
            "can_ask_explanation": past is None
            and may_be_asked(unit)
            and request.user.has_perm("tasks.ask_explanation", unit),
        },
    )


def may_be_asked(unit: Unit) -> bool:
    """A unit that can be asked to explain: in force, neither the province nor its standing body
    (tasks.services.explanation_ask says the same)."""
    return unit.is_active and unit.level != Unit.Level.PROVINCE and unit.kind != Unit.Kind.STANDING_BODY


def _answerable(user, explanation: ExplanationRequest) -> bool:
    return (
        explanation.status != ExplanationRequest.Status.CLOSED
        and explanation.unit.is_active
        and user.has_perm("tasks.answer_explanation", explanation)
    )


def _with_answer_forms(request, explanations: list[ExplanationRequest], *, past) -> list[ExplanationRequest]:
    """Each request the user may answer gets its form (its own ids: several forms on one page)."""
    for explanation in explanations:
        explanation.answer_form = (
            ExplanationAnswerForm(
                initial={"answer": explanation.answer, "version": explanation.version},
                auto_id=f"id_explanation{explanation.pk}_%s",
            )
            if past is None and _answerable(request.user, explanation)
            else None
        )
    return explanations


@unit_scoped_write(selectors.visible_assignment)
def assignment_detail(request, assignment):
    pk = assignment.pk
    statuses = workflow.next_statuses(request.user, assignment)
    form = AssignmentReportForm(assignment=assignment, statuses=statuses) if statuses else None
    status = 200
    if request.method == "POST":
        if not statuses:
            raise PermissionDenied
        form = AssignmentReportForm(request.POST, request.FILES, assignment=assignment, statuses=statuses)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.assignment_report(
                    assignment=assignment,
                    user=request.user,
                    version=data["version"],
                    work_status=data["work_status"],
                    progress=data["progress"],
                    note=data["note"],
                    files=data["files"],
                )
            except services.AssignmentConflict as conflict:
                current = conflict.current
                messages.error(
                    request,
                    _(
                        "%(who)s changed this assignment at %(when)s: status “%(status)s”, progress %(progress)s%%. "
                        "Your changes were not saved; they are still in the form below. Check them against the "
                        "newer values and send again."
                    )
                    % {
                        "who": current.updated_by or _("someone"),
                        "when": datetime_text(current.updated_at),
                        "status": current.get_work_status_display(),
                        "progress": current.progress,
                    },
                )
                data = request.POST.copy()
                data["version"] = current.version
                assignment = selectors.visible_assignment(user=request.user, pk=pk)
                statuses = workflow.next_statuses(request.user, assignment)
                form = AssignmentReportForm(data, assignment=assignment, statuses=statuses) if statuses else None
                if form is not None:
                    form.is_valid()
                status = 409
            except ValidationError as error:
                _add_errors(form, error)
                status = 400
            else:
                messages.success(request, _("Saved."))
                return redirect("tasks:assignment", pk=assignment.pk)
        else:
            status = 400
    return _assignment_page(request, assignment, form=form, status=status)


def _assignment_page(request, assignment, *, form=None, extension_form=None, status=200):
    if extension_form is None:
        extension_form = _extension_form(request, assignment)
    timeline = list(selectors.assignment_timeline(assignment))
    return render(
        request,
        "tasks/assignment.html",
        {
            "assignment": assignment,
            "today": clock.today(),
            "form": form,
            "extension_form": extension_form,
            "timeline": timeline,
            "deadline_moves": selectors.deadline_moves(timeline),
            "extensions": assignment.extension_requests.select_related("requested_by", "decided_by"),
            "cycle": cycle_text(assignment.task.cycle),
            "slots": assignment.report_slots.select_related("assignment", "unit").order_by("-period_start")[:12],
            "obstacles": assignment.obstacles.select_related("raised_by"),
        },
        status=status,
    )


def _extension_form(request, assignment, data=None):
    if not request.user.has_perm("tasks.request_extension", assignment):
        return None
    if not workflow.extendable(assignment):
        return None
    if assignment.extension_requests.filter(status="pending").exists():
        return None
    return ExtensionRequestForm(data, assignment=assignment)


@require_POST
@unit_scoped_write(selectors.visible_assignment, write="tasks.request_extension")
def assignment_extension(request, assignment):
    extension_form = _extension_form(request, assignment, request.POST)
    if extension_form is None:
        raise PermissionDenied
    if extension_form.is_valid():
        try:
            services.extension_request(
                assignment=assignment,
                user=request.user,
                proposed_due_date=extension_form.cleaned_data["proposed_due_date"],
                reason=extension_form.cleaned_data["reason"],
            )
        except ValidationError as error:
            extension_form.add_error(None, error)
        else:
            messages.success(request, _("Extension requested. The secretariat will decide."))
            return redirect("tasks:assignment", pk=assignment.pk)
    statuses = workflow.next_statuses(request.user, assignment)
    form = AssignmentReportForm(assignment=assignment, statuses=statuses) if statuses else None
    return _assignment_page(request, assignment, form=form, extension_form=extension_form, status=400)


@unit_scoped_read(selectors.visible_evidence)
def evidence_download(request, evidence):
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@unit_scoped_write(selectors.visible_target, write="tasks.report_figure")
def target_detail(request, target):
    today = clock.today()
    node = next((n for n in progress_tree(unit=target.unit, today=today) if n.target.pk == target.pk), None)
    can_report = request.user.has_perm("tasks.report_figure", target) and node and node.reports_itself
    form = FigureForm(initial={"as_of": today}) if can_report else None
    status = 200
    if request.method == "POST":
        if not can_report:
            raise PermissionDenied
        form = FigureForm(request.POST, ask_confirmation="confirmed" in request.POST)
        if form.is_valid():
            try:
                _report, warnings = services.figure_report(target=target, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                if "confirmed" in getattr(error, "error_dict", {}) and "confirmed" not in form.fields:
                    form = FigureForm(request.POST, ask_confirmation=True)  # now the box is shown
                    form.is_valid()
                _add_errors(form, error)
                status = 400
            else:
                for warning in warnings:
                    messages.warning(request, warning)
                messages.success(request, _("Figure saved."))
                return redirect("tasks:target", pk=target.pk)
        else:
            status = 400
    return render(
        request,
        "tasks/target.html",
        {"target": target, "node": node, "form": form, "figures": selectors.target_figures(target)[:60]},
        status=status,
    )


def _add_errors(form, error: ValidationError) -> None:
    """A service's errors on the form: by field where they name one, else on the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


@unit_member_required
def obstacle_list(request):
    unit = request.user.unit
    assignments = selectors.unit_assignments(user=request.user, unit=unit).exclude(
        work_status__in=("confirmed", "cancelled")
    )
    initial = {}
    with contextlib.suppress(BadQueryValue):  # ?assignment=<id> preselects it; any other value nothing
        initial["assignment"] = bounded_int(request.GET.get("assignment"), name="assignment")
    form = ObstacleForm(initial=initial, assignments=assignments)
    status = 200
    if request.method == "POST":
        form = ObstacleForm(request.POST, assignments=assignments)
        if form.is_valid():
            services.obstacle_raise(user=request.user, **form.cleaned_data)
            messages.success(request, _("Obstacle sent to the secretariat."))
            return redirect("tasks:obstacles")
        status = 400
    return render(
        request,
        "tasks/obstacles.html",
        {
            "unit": unit,
            "form": form,
            "obstacles": selectors.unit_obstacles(user=request.user, unit=unit),
            "forwarded": selectors.forwarded_obstacles(user=request.user),
        },
        status=status,
    )


@unit_scoped_write(selectors.visible_obstacle, read="tasks.read_obstacle", write="tasks.answer_obstacle")
def obstacle_detail(request, obstacle):
    """An obstacle and its answer; the secretariat or the agency it was forwarded to answers here."""
    can_answer = obstacle.status != "closed" and request.user.has_perm("tasks.answer_obstacle", obstacle)
    form = ObstacleAnswerForm() if can_answer else None
    status = 200
    if request.method == "POST":
        if not can_answer:
            raise PermissionDenied
        form = ObstacleAnswerForm(request.POST)
        if form.is_valid():
            services.obstacle_answer(obstacle=obstacle, user=request.user, answer=form.cleaned_data["answer"])
            messages.success(request, _("Answer sent."))
            return redirect("tasks:obstacle", pk=obstacle.pk)
        status = 400
    return render(request, "tasks/obstacle.html", {"obstacle": obstacle, "form": form}, status=status)


@unit_scoped_write(visible_unit, write="tasks.ask_explanation")
def unit_explanations(request, unit: Unit):
    """A unit's explanation requests; the secretariat, or the head of the district a commune belongs
    to, asks it to explain here (the lagging list and the unit's page link here)."""
    can_ask = may_be_asked(unit) and request.user.has_perm("tasks.ask_explanation", unit)
    form, status = None, 200
    if can_ask:
        assignments, targets = selectors.explanation_subjects(unit)
        subject = ""
        with contextlib.suppress(BadQueryValue):  # ?assignment=<id> or ?target=<id> preselects it
            if pk := bounded_int(request.GET.get("assignment"), name="assignment"):
                subject = f"a{pk}"
            elif pk := bounded_int(request.GET.get("target"), name="target"):
                subject = f"t{pk}"
        form = ExplanationRequestForm(
            initial={"subject": subject, "due_date": clock.today() + datetime.timedelta(days=7)},
            assignments=assignments,
            targets=targets,
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        form = ExplanationRequestForm(request.POST, assignments=assignments, targets=targets)
        status = 400
        if form.is_valid():
            assignment, target = form.cleaned_data["subject"]
            try:
                services.explanation_ask(
                    unit=unit,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    due_date=form.cleaned_data["due_date"],
                    assignment=assignment,
                    target=target,
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Explanation requested. The unit has been told by mail."))
                return redirect(reverse("tasks:unit_explanations", args=[unit.code]))
    return render(
        request,
        "tasks/explanations.html",
        {
            "unit": unit,
            "form": form,
            "today": clock.today(),
            "explanations": _with_answer_forms(
                request, selectors.unit_explanations(user=request.user, unit=unit), past=None
            ),
        },
        status=status,
    )


def _explanation_page(request, explanation, *, answer_form=None, close_form=None, status=200):
    user = request.user
    if answer_form is None and _answerable(user, explanation):
        answer_form = ExplanationAnswerForm(initial={"answer": explanation.answer, "version": explanation.version})
    can_close = explanation.status != ExplanationRequest.Status.CLOSED and user.has_perm(
        "tasks.close_explanation", explanation
    )
    if close_form is None and can_close:
        close_form = ExplanationCloseForm(initial={"version": explanation.version})
    return render(
        request,
        "tasks/explanation.html",
        {
            "explanation": explanation,
            "today": clock.today(),
            "answer_form": answer_form,
            "close_form": close_form if can_close else None,
        },
        status=status,
    )


def _explanation_conflict(request, current: ExplanationRequest, *, closing: bool = False) -> None:
    """Say who changed the request since the user opened it; nothing of the user's was saved."""
    if closing and current.status != ExplanationRequest.Status.CLOSED:
        text = _(
            "%(who)s sent an explanation at %(when)s, shown below: read it before closing. The request was not closed."
        ) % {"who": current.answered_by or _("someone"), "when": datetime_text(current.answered_at)}
    elif current.status == ExplanationRequest.Status.CLOSED:
        text = _("%(who)s closed this request at %(when)s. Nothing of yours was saved.") % {
            "who": current.closed_by or _("someone"),
            "when": datetime_text(current.closed_at),
        }
    else:
        text = _(
            "%(who)s sent an explanation at %(when)s, shown below. Yours was not saved; it is still in the "
            "form: check it against theirs and send again."
        ) % {"who": current.answered_by or _("someone"), "when": datetime_text(current.answered_at)}
    messages.error(request, text)


@unit_scoped_write(selectors.visible_explanation, write="tasks.answer_explanation")
def explanation_detail(request, explanation):
    """An explanation request, its answer and its closing; the unit explains here (and on its page)."""
    if request.method != "POST":
        return _explanation_page(request, explanation)
    if not _answerable(request.user, explanation):
        raise PermissionDenied
    form = ExplanationAnswerForm(request.POST)
    if not form.is_valid():
        return _explanation_page(request, explanation, answer_form=form, status=400)
    try:
        services.explanation_answer(
            request=explanation,
            user=request.user,
            version=form.cleaned_data["version"],
            answer=form.cleaned_data["answer"],
        )
    except services.ExplanationConflict as conflict:
        _explanation_conflict(request, conflict.current)
        current = selectors.visible_explanation(user=request.user, pk=explanation.pk)
        data = request.POST.copy()
        data["version"] = current.version
        form = ExplanationAnswerForm(data) if _answerable(request.user, current) else None
        if form is not None:
            form.is_valid()
        return _explanation_page(request, current, answer_form=form, status=409)
    except ValidationError as error:
        _add_errors(form, error)
        return _explanation_page(request, explanation, answer_form=form, status=400)
    messages.success(request, _("Explanation sent."))
    return redirect(reverse("tasks:unit", args=[explanation.unit.code]) + "#explanations")


@require_POST
@unit_scoped_write(selectors.visible_explanation, write="tasks.close_explanation")
def explanation_close(request, explanation):
    """The secretariat (or the district that asked) closes a request."""
    form = ExplanationCloseForm(request.POST)
    if not form.is_valid():
        return _explanation_page(request, explanation, close_form=form, status=400)
    try:
        services.explanation_close(
            request=explanation, user=request.user, version=form.cleaned_data["version"], note=form.cleaned_data["note"]
        )
    except services.ExplanationConflict as conflict:
        _explanation_conflict(request, conflict.current, closing=True)
        current = selectors.visible_explanation(user=request.user, pk=explanation.pk)
        data = request.POST.copy()
        data["version"] = current.version
        form = ExplanationCloseForm(data)
        form.is_valid()
        return _explanation_page(request, current, close_form=form, status=409)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):  # about the request (closed already), not the form
            messages.error(request, " ".join(error.messages))
        _add_errors(form, error)
        return _explanation_page(request, explanation, close_form=form, status=400)
    messages.success(request, _("Request closed."))
    return redirect("tasks:explanation", pk=explanation.pk)


@unit_scoped_write(selectors.visible_slot, write="tasks.submit_report")
def slot_detail(request, slot):
    """A unit's periodic report of one period: submitted (or corrected) here by the unit, read by
    whoever reads the unit."""
    today = clock.today()
    can_submit = (
        request.user.has_perm("tasks.submit_report", slot) and slot_open_for_unit(slot) and slot.period_start <= today
    )
    targets = selectors.slot_figure_targets(slot) if can_submit else []
    as_of = min(today, slot.period_end)

    def form_for(data=None, files=None, ask=False):
        return SlotReportForm(data, files, slot=slot, targets=targets, as_of=as_of, ask_confirmation=ask)

    form = form_for() if can_submit else None
    status = 200
    if request.method == "POST":
        if not can_submit:
            raise PermissionDenied
        form = form_for(request.POST, request.FILES, ask="confirmed" in request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.slot_report(
                    slot=slot,
                    user=request.user,
                    version=data["version"],
                    outcome=data.get("outcome") or "",
                    note=data["note"],
                    figures=form.figures(),
                    files=data.get("files") or (),
                    confirmed=data.get("confirmed", False),
                )
            except services.SlotConflict as conflict:
                current = conflict.current
                messages.error(
                    request,
                    _(
                        "%(who)s changed this report at %(when)s. Your changes were not saved; they are still in "
                        "the form below. Check them against the newer values and send again."
                    )
                    % {"who": current.submitted_by or _("someone"), "when": datetime_text(current.updated_at)},
                )
                data = request.POST.copy()
                data["version"] = current.version
                slot = selectors.visible_slot(user=request.user, pk=slot.pk)
                form = SlotReportForm(data, slot=slot, targets=targets, as_of=as_of)
                form.is_valid()
                status = 409
            except ValidationError as error:
                if "confirmed" in getattr(error, "error_dict", {}) and "confirmed" not in form.fields:
                    form = form_for(request.POST, request.FILES, ask=True)  # now the box is shown
                    form.is_valid()
                _add_errors(form, error)
                status = 400
            else:
                messages.success(request, _("Report submitted."))
                return redirect("tasks:slot", pk=slot.pk)
        else:
            status = 400
    return render(
        request,
        "tasks/slot.html",
        {
            "slot": slot,
            "today": today,
            "form": form,
            "timeline": selectors.slot_timeline(slot),
            "days_left": (slot.due_date - today).days,
        },
        status=status,
    )

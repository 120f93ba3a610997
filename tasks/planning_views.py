"""The secretariat plans: documents, their tasks, who receives them, and indicator targets.

Leaders and national accounts read these pages; only the secretariat changes anything (403 for
everyone else). A province plans in its own documents and indicators and in those of a province
merged into it (tasks.selectors.province_documents); a superuser or a national account chooses
the province with ``?province=`` (units.choosing), kept by every link and redirect.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from projectsite import clock
from units.choosing import keep_province
from units.models import Unit
from units.permissions import SECRETARIAT, permission_required, province_viewer_required
from units.selectors import user_province_or_404, visible_unit

from . import selectors, services
from .forms import AssignForm, DocumentForm, TargetsForm, TaskForm
from .indicators import with_latest_figure
from .models import Target, Task
from .slots import CYCLE_FIELDS


def _province(request) -> Unit:
    """The province the page plans in: the user's, or the one a superuser chose (the picker
    otherwise)."""
    return user_province_or_404(request.user, request.GET.get("province"))


@province_viewer_required
def plan(request):
    """Documents with their tasks, and the indicators with their targets; read only for those who
    may not plan in them (each button asks the policy)."""
    province = _province(request)
    documents = selectors.province_documents(province).annotate(task_count=Count("tasks")).select_related("implements")
    indicators = selectors.province_indicators(province).select_related("document")
    return render(request, "tasks/plan.html", {"documents": documents, "indicators": indicators, "province": province})


@permission_required("tasks.plan", policy=SECRETARIAT)
def document_edit(request, pk: int | None = None):
    province = _province(request)
    document = selectors.editable_document(user=request.user, pk=pk, province=province) if pk else None
    form = DocumentForm(
        request.POST if request.method == "POST" else None,
        instance=document,
        documents=selectors.province_documents(province),
        province=province,  # a new document is the province's own
    )
    if request.method == "POST" and form.is_valid():
        document = services.document_save(document=form.save(commit=False), user=request.user)
        messages.success(request, _("Document saved: %(number)s.") % {"number": document.number})
        return redirect(keep_province(reverse("reports:document", args=[document.pk]), request))
    return render(
        request,
        "tasks/form_page.html",
        {"form": form, "title": document or _("New document"), **_history(document)},
        status=400 if form.is_bound else 200,
    )


def _history(obj) -> dict:
    """The latest changes of a saved document or task, shown under its form (who moved the due date)."""
    if obj is None or obj.pk is None:
        return {}
    label = obj._meta.label_lower
    return {"history": selectors.object_changes(object_type=label, pk=obj.pk), "trail_about": f"{label}:{obj.pk}"}


@permission_required("tasks.plan", policy=SECRETARIAT)
def task_edit(request, document_pk: int, pk: int | None = None):
    document = selectors.editable_document(user=request.user, pk=document_pk, province=_province(request))
    task = get_object_or_404(Task, pk=pk, document=document) if pk else None
    # The cycle as it was: a change dates it and (re)opens the units' periodic reports.
    cycle_before = {name: getattr(task, name) for name in CYCLE_FIELDS} if task else {}
    form = TaskForm(request.POST if request.method == "POST" else None, instance=task, document=document)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            task = services.task_save(task=form.save(commit=False), user=request.user)
            services.cycle_changed(obj=task, user=request.user, before=cycle_before)
        messages.success(request, _("Task saved."))
        after = (
            reverse("tasks:task_assign", args=[task.pk])
            if pk is None
            else reverse("reports:document", args=[document.pk])
        )
        return redirect(keep_province(after, request))
    title = (
        f"{document.label} – {task.ref}. {task.title}"
        if task
        else _("New task under %(number)s") % {"number": document.label}
    )
    return render(
        request,
        "tasks/form_page.html",
        {"form": form, "title": title, **_history(task)},
        status=400 if form.is_bound else 200,
    )


@permission_required("tasks.plan", policy=SECRETARIAT)
def task_assign(request, pk: int):
    """Give a task, in one step, to all districts, all communes, some districts' communes or agencies."""
    province = _province(request)
    task = get_object_or_404(
        Task.objects.select_related("document").filter(document__in=selectors.province_documents(province)), pk=pk
    )
    form = AssignForm(
        request.POST if request.method == "POST" else None,
        province=province,
        initial={"due_date": task.default_due_date},
    )
    if request.method == "POST" and form.is_valid():
        try:
            created = services.assignments_create(
                task=task,
                units=form.units(),
                user=request.user,
                province=province,
                role=form.cleaned_data["role"],
                due_date=form.cleaned_data["due_date"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Assigned to %(n)s units.") % {"n": len(created)})
            return redirect(keep_province(f"{reverse('reports:assignments')}?task={task.pk}", request))
    assigned = task.assignments.count()
    return render(
        request,
        "tasks/assign.html",
        {"form": form, "task": task, "assigned": assigned},
        status=400 if form.is_bound else 200,
    )


@permission_required("tasks.plan", policy=SECRETARIAT)
def targets_edit(request, indicator_pk: int, code: str):
    """The targets of the units under one unit (the province's districts and agencies, a district's communes)."""
    province = _province(request)
    indicator = get_object_or_404(selectors.province_indicators(province), pk=indicator_pk)
    parent = visible_unit(user=request.user, code=code)
    units = list(Unit.objects.filter(parent=parent, is_active=True).order_by("level", "code"))
    current = {t.unit_id: t for t in with_latest_figure(Target.objects.filter(indicator=indicator, unit__in=units))}
    parent_target = Target.objects.filter(indicator=indicator, unit=parent).first()
    reference = parent_target or next(iter(current.values()), None)
    initial = {
        "start_date": reference.start_date if reference else clock.today(),
        "due_date": reference.due_date if reference else None,
        "total": parent_target.value if parent_target else None,
        **{f"unit_{unit.pk}": current[unit.pk].value for unit in units if unit.pk in current},
    }
    form = TargetsForm(request.POST if request.method == "POST" else None, units=units, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and request.POST.get("action") == "split":
            if form.cleaned_data.get("total") is None:
                form.add_error("total", _("Give the total to split."))
            else:
                data = request.POST.copy()
                weights = [current[u.pk].value if u.pk in current else 0 for u in units]
                weights = weights if sum(weights) else [1] * len(units)
                for unit, value in zip(
                    units, services.proportional_split(form.cleaned_data["total"], weights), strict=True
                ):
                    data[f"unit_{unit.pk}"] = str(value)
                form = TargetsForm(data, units=units)
                form.is_valid()
                messages.info(request, _("Split in proportion; check the values and save."))
                status = 200
        elif form.is_valid():
            try:
                changed = services.targets_set(
                    indicator=indicator,
                    values=form.unit_values(),
                    user=request.user,
                    province=province,
                    start_date=form.cleaned_data["start_date"],
                    due_date=form.cleaned_data["due_date"],
                    source_document=indicator.document,
                    # Each target keeps its own period unless the secretariat changed the form's.
                    keep_period=not {"start_date", "due_date"} & set(form.changed_data),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("%(n)s targets saved.") % {"n": changed})
                return redirect(keep_province(reverse("tasks:targets_edit", args=[indicator.pk, parent.code]), request))
    rows = [(unit, form[f"unit_{unit.pk}"], current.get(unit.pk)) for unit in units]
    return render(
        request,
        "tasks/targets.html",
        {"form": form, "indicator": indicator, "parent": parent, "parent_target": parent_target, "rows": rows},
        status=status,
    )

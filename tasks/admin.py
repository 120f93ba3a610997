"""The programme's objects in the admin: read there, changed on the application's pages.

Assignments, targets, figures, documents, tasks and explanation requests each have a page and a service in the
application (the same checks, history, version check and audit as every other change), so the
admin shows them read-only with a link to that page (docs/DECISIONS.md, "The admin writes nothing
the application's services write").
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from projectsite.admin import PolicyAdmin, ProductPageAdmin, ReadOnlyAdmin

from . import services
from .cycles import cycle_errors
from .deadlines import DeadlineStatus, deadline_status_expression
from .models import (
    Assignment,
    Document,
    ExplanationRequest,
    HistoryEntry,
    Indicator,
    IndicatorReport,
    ReportSlot,
    Target,
    Task,
)
from .services import indicator_save
from .slots import CYCLE_FIELDS


@admin.register(Document)
class DocumentAdmin(ProductPageAdmin):
    product_note = _("Documents are added and changed on the plan page.")
    list_display = ["number", "province", "kind", "issued_on", "issuer", "implements"]
    list_select_related = ["province", "implements"]
    list_filter = ["kind", "issuer"]
    search_fields = ["number", "title"]
    date_hierarchy = "issued_on"

    def product_url(self, obj):
        return reverse("tasks:document_edit", args=[obj.pk])


@admin.register(Task)
class TaskAdmin(ProductPageAdmin):
    product_note = _("Tasks are added, changed and assigned on the plan page.")
    list_display = ["ref", "title", "document", "is_recurring", "default_due_date", "report_period", "illustrative"]
    list_filter = ["document", "is_recurring", "report_period", "illustrative"]
    list_select_related = ["document"]
    search_fields = ["title", "ref", "document__number"]

    def product_url(self, obj):
        return reverse("tasks:task_edit", args=[obj.document_id, obj.pk])


@admin.register(Assignment)
class AssignmentAdmin(ProductPageAdmin):
    product_note = _(
        "Assignments are made on the plan page, reported, confirmed and extended on their own page, "
        "and changed in bulk by the import."
    )
    list_display = ["task", "unit", "role", "due_date", "work_status", "progress", "deadline_status"]
    list_filter = ["work_status", "role", "task__document", "unit__level"]
    list_select_related = ["task__document", "unit"]
    search_fields = ["task__title", "unit__name", "unit__code"]
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(deadline=deadline_status_expression())

    @admin.display(description=_("deadline status"), ordering="deadline")
    def deadline_status(self, obj):
        return DeadlineStatus(obj.deadline).label if obj.deadline else "—"

    def product_url(self, obj):
        return reverse("tasks:assignment", args=[obj.pk])


class IndicatorAdminForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "unit_of_measure",
            "direction",
            "description",
            "document",
            "province",
            *CYCLE_FIELDS,
        ]

    def clean(self):
        data = super().clean()
        errors = cycle_errors(
            period=data.get("report_period") or "",
            rule=data.get("due_rule") or "",
            day=data.get("due_day"),
            is_recurring=True,
        )
        for name, message in errors.items():
            if name not in self.errors:
                self.add_error(name, message)
        return data


@admin.register(Indicator)
class IndicatorAdmin(PolicyAdmin):
    """The catalogue of indicators (code, name, unit of measure) and their reporting cycle:
    configuration, saved through ``tasks.services.indicator_save`` (the audit trail); a province's
    by its secretariat, a national one by a superuser. A changed cycle goes through
    ``tasks.services.cycle_changed`` (dated, and the units' periodic reports opened), which asks the
    policy like the plan's pages."""

    change_policy = "tasks.plan"  # on the indicator's province

    form = IndicatorAdminForm
    list_display = ["code", "province", "name", "unit_of_measure", "direction", "report_period", "document"]
    list_select_related = ["province", "document"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["document"]

    def save_model(self, request, obj, form, change):
        before = {name: form.initial.get(name) for name in CYCLE_FIELDS} if change else {}
        before = {name: "" if value is None and name != "due_day" else value for name, value in before.items()}
        with transaction.atomic():
            # Through the service: who may change it (403 otherwise) and the audit trail.
            indicator_save(indicator=obj, user=request.user)
            try:
                services.cycle_changed(obj=obj, user=request.user, before=before)
            except ValidationError as error:  # the form checked the same rules: a race at most
                raise PermissionDenied(error) from error


@admin.register(ReportSlot)
class ReportSlotAdmin(ProductPageAdmin):
    product_note = _("Periodic reports are opened by the system and submitted by the unit on its page.")
    list_display = ["unit", "period_start", "period_end", "due_date", "submitted_on", "outcome"]
    list_filter = ["period", "outcome", "unit__level"]
    list_select_related = ["unit"]
    search_fields = ["unit__name", "unit__code"]
    date_hierarchy = "period_end"

    def product_url(self, obj):
        return reverse("tasks:slot", args=[obj.pk])


@admin.register(Target)
class TargetAdmin(ProductPageAdmin):
    product_note = _("Targets are set on the plan page or by the import.")
    list_display = ["indicator", "unit", "value", "start_date", "due_date", "illustrative"]
    list_filter = ["indicator", "unit__level", "illustrative"]
    list_select_related = ["indicator", "unit"]
    search_fields = ["unit__name", "unit__code"]

    def product_url(self, obj):
        return reverse("tasks:target", args=[obj.pk])


@admin.register(IndicatorReport)
class IndicatorReportAdmin(ProductPageAdmin):
    product_note = _("Figures are reported by the unit on its target's page or by the import.")
    list_display = ["indicator", "unit", "as_of", "value", "reported_by", "reported_at"]
    list_filter = ["indicator", "unit__level"]
    list_select_related = ["indicator", "unit", "reported_by"]
    search_fields = ["unit__name", "unit__code"]
    date_hierarchy = "as_of"

    def product_url(self, obj):
        return reverse("tasks:unit", args=[obj.unit.code])


@admin.register(ExplanationRequest)
class ExplanationRequestAdmin(ProductPageAdmin):
    product_note = _("Explanation requests are asked, answered and closed on their own pages.")
    list_display = ["unit", "assignment", "target", "due_date", "status", "asked_by", "asked_at", "answered_at"]
    list_filter = ["status", "unit__level"]
    list_select_related = ["unit", "assignment__task__document", "target__indicator", "target__unit", "asked_by"]
    search_fields = ["unit__name", "unit__code", "reason", "answer"]
    date_hierarchy = "asked_at"
    list_per_page = 50

    def product_url(self, obj):
        return reverse("tasks:explanation", args=[obj.pk])


@admin.register(HistoryEntry)
class HistoryEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "unit", "action", "assignment", "target", "report", "slot", "note"]
    list_filter = ["action"]
    list_select_related = [
        "user",
        "unit",
        "assignment__task__document",
        "assignment__unit",
        "target__indicator",
        "target__unit",
        "report__indicator",
        "report__unit",
        "slot",
    ]
    search_fields = ["unit__name", "unit__code", "user__username", "note"]
    date_hierarchy = "at"

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from projectsite.admin import PolicyAdmin, ReadOnlyAdmin

from .deadlines import DeadlineStatus, deadline_status_expression
from .models import Assignment, Document, HistoryEntry, Indicator, IndicatorReport, Target, Task
from .services import assignment_terms_errors, history_changes, history_entry_build
from .summaries import indicator_totals_rebuild


class SummaryKeepingAdmin:
    """Targets and figures changed in the admin: rebuild the province's indicator summary."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        indicator_totals_rebuild(province_id=obj.unit.province_id, indicator_ids=[obj.indicator_id])


class HistoryRecordingAdmin(PolicyAdmin):
    """Saves through the admin are recorded in the history like any other change. Only the
    secretariat of the object's province (the policy's "tasks.plan") changes it."""

    change_policy = "tasks.plan"

    def policy_object(self, obj):
        return obj.unit

    def save_model(self, request, obj, form, change):
        fields = form.changed_data
        before = {name: form.initial.get(name) for name in fields} if change else {}
        super().save_model(request, obj, form, change)
        changes = history_changes(before, {name: getattr(obj, name) for name in fields})
        if changes or not change:
            action = HistoryEntry.Action.UPDATED if change else HistoryEntry.Action.CREATED
            history_entry_build(
                obj=obj, user=request.user, action=action, changes=changes, note=_("Changed in the admin")
            ).save()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "issued_on", "issuer", "implements"]
    list_filter = ["kind", "issuer"]
    search_fields = ["number", "title"]
    autocomplete_fields = ["implements"]
    date_hierarchy = "issued_on"


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["ref", "title", "document", "is_recurring", "default_due_date", "illustrative"]
    list_filter = ["document", "is_recurring", "illustrative"]
    list_select_related = ["document"]
    search_fields = ["title", "ref", "document__number"]
    autocomplete_fields = ["document"]


class AssignmentAdminForm(forms.ModelForm):
    """The admin changes an assignment under the rules of the assignment form and the import.

    No Meta: the admin builds it for the model with the fields it shows.
    """

    def clean(self):
        data = super().clean()
        if data.get("task") is not None:
            kept = Assignment(original_due_date=data.get("original_due_date"))
            for error in assignment_terms_errors(task=data["task"], due_date=data.get("due_date"), current=kept):
                self.add_error("due_date", error)
        return data


@admin.register(Assignment)
class AssignmentAdmin(HistoryRecordingAdmin):
    form = AssignmentAdminForm
    list_display = ["task", "unit", "role", "due_date", "work_status", "progress", "deadline_status"]
    list_filter = ["work_status", "role", "task__document", "unit__level"]
    list_select_related = ["task__document", "unit"]
    search_fields = ["task__title", "unit__name", "unit__code"]
    autocomplete_fields = ["task", "unit"]
    readonly_fields = ["version", "reported_at", "confirmed_at", "updated_at", "updated_by"]
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(deadline=deadline_status_expression())

    @admin.display(description=_("deadline status"), ordering="deadline")
    def deadline_status(self, obj):
        return DeadlineStatus(obj.deadline).label if obj.deadline else "—"


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit_of_measure", "direction", "document"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["document"]


@admin.register(Target)
class TargetAdmin(SummaryKeepingAdmin, HistoryRecordingAdmin):
    list_display = ["indicator", "unit", "value", "start_date", "due_date", "illustrative"]
    list_filter = ["indicator", "unit__level", "illustrative"]
    list_select_related = ["indicator", "unit"]
    search_fields = ["unit__name", "unit__code"]
    autocomplete_fields = ["indicator", "unit", "source_document"]
    readonly_fields = ["version", "updated_at"]


@admin.register(IndicatorReport)
class IndicatorReportAdmin(SummaryKeepingAdmin, HistoryRecordingAdmin):
    list_display = ["indicator", "unit", "as_of", "value", "reported_by", "reported_at"]
    list_filter = ["indicator", "unit__level"]
    list_select_related = ["indicator", "unit", "reported_by"]
    search_fields = ["unit__name", "unit__code"]
    autocomplete_fields = ["indicator", "unit"]
    readonly_fields = ["reported_at", "reported_by"]
    date_hierarchy = "as_of"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.reported_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(HistoryEntry)
class HistoryEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "unit", "action", "assignment", "target", "report", "note"]
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
    ]
    search_fields = ["unit__name", "unit__code", "user__username", "note"]
    date_hierarchy = "at"

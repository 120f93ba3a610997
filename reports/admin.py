from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from projectsite.admin import PolicyAdmin, ReadOnlyAdmin
from units.models import Unit
from units.selectors import unit_search

from .models import Notification, ReminderSettings, ScorecardSnapshot, ScoreEntry, ScoreWeights


@admin.register(ScoreWeights)
class ScoreWeightsAdmin(PolicyAdmin):
    change_policy = "reports.manage_scorecard"  # on the weights' province
    list_display = ["province", "on_time", "attainment", "timeliness", "updated_at", "updated_by"]
    list_select_related = ["province", "updated_by"]
    autocomplete_fields = ["province"]
    readonly_fields = ["updated_at", "updated_by"]

    def save_model(self, request, obj, form, change):
        # The form has already checked the sum (the model's constraint).
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False


class ScoreEntryInline(admin.TabularInline):
    model = ScoreEntry
    fields = ["level", "rank", "unit", "score", "on_time_rate", "attainment", "timeliness"]
    readonly_fields = fields
    ordering = ["level", "rank", "unit__code"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ScorecardSnapshot)
class ScorecardSnapshotAdmin(admin.ModelAdmin):
    """Snapshots are taken by ``reports.services.snapshot_take``, which computes their scores.

    Only the note can be edited here: an added snapshot would have no scores.
    """

    list_display = ["province", "year_shown", "as_of", "is_final", "taken_by", "taken_at"]
    list_filter = ["year", "is_final"]
    list_select_related = ["province", "taken_by"]
    fields = ["province", "year_shown", "as_of", "is_final", "weights", "taken_by", "taken_at", "note"]
    readonly_fields = ["province", "year_shown", "as_of", "is_final", "weights", "taken_by", "taken_at"]
    inlines = [ScoreEntryInline]
    date_hierarchy = "taken_at"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("year"), ordering="year")
    def year_shown(self, obj):
        return str(obj.year)  # a year, not a number: 2023, never "2.023"


@admin.register(ScoreEntry)
class ScoreEntryAdmin(ReadOnlyAdmin):
    """Read-only: a snapshot's scores are what they were when it was taken."""

    list_display = ["unit", "level", "rank", "score", "on_time_rate", "attainment", "timeliness", "snapshot"]
    list_filter = ["level", "snapshot__year", "snapshot__is_final"]
    list_select_related = ["unit", "snapshot__province"]
    search_fields = ["unit__name", "unit__code"]  # matched without accents, see get_search_results
    search_help_text = _("Name without accents (e.g. dien chau) or code.")

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(unit__in=unit_search(Unit.objects.all(), search_term)), False


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(admin.ModelAdmin):
    list_display = ["province", "offsets", "overdue_repeat_days", "escalation_days", "updated_at"]
    autocomplete_fields = ["province"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """The outbox, read-only: the mail log page is where failed mails are sent again."""

    list_display = ["created_at", "kind", "recipient", "unit", "status", "attempts", "sent_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["unit"]
    search_fields = ["recipient", "subject", "dedupe_key"]
    date_hierarchy = "created_at"

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from projectsite.admin import PolicyAdmin, ReadOnlyAdmin
from units.models import Unit
from units.selectors import unit_search

from .models import Notification, ReminderSettings, ScorecardSnapshot, ScoreEntry, ScoreWeights
from .scorecard import weights_for
from .services import reminder_settings_save, weights_update


class ScoreWeightsAdminForm(forms.ModelForm):
    """No Meta: the admin builds it for the model with the fields it shows."""

    def clean(self):
        data = super().clean()
        province = data.get("province")
        if self.instance.pk is None and province is not None:
            current = weights_for(province)
            values = {name: data.get(name) for name in ("on_time", "attainment", "timeliness")}
            if current.pk is None and current.as_dict() == values:
                # The service saves nothing when nothing changes: there would be no row to show.
                raise forms.ValidationError(_("These are already the weights in use; nothing to save."))
        return data


@admin.register(ScoreWeights)
class ScoreWeightsAdmin(PolicyAdmin):
    form = ScoreWeightsAdminForm
    change_policy = "reports.manage_scorecard"  # on the weights' province
    list_display = ["province", "on_time", "attainment", "timeliness", "updated_at", "updated_by"]
    list_select_related = ["province", "updated_by"]
    autocomplete_fields = ["province"]
    readonly_fields = ["updated_at", "updated_by"]

    def get_readonly_fields(self, request, obj=None):
        # A province's weights stay that province's: moving them would be a second, unchecked write.
        return [*super().get_readonly_fields(request, obj), *(["province"] if obj is not None else [])]

    def save_model(self, request, obj, form, change):
        # Through the scorecard page's service: its permission on the province (a 403 otherwise),
        # its checks, its audit line. The form has already checked the sum (the model's constraint).
        saved = weights_update(
            province=obj.province,
            user=request.user,
            on_time=obj.on_time,
            attainment=obj.attainment,
            timeliness=obj.timeliness,
        )
        obj.pk, obj.updated_by, obj.updated_at = saved.pk, saved.updated_by, saved.updated_at

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
class ReminderSettingsAdmin(PolicyAdmin):
    """Configuration, edited here (the form checks the offsets): by the secretariat of its province."""

    change_policy = "units.manage_unit"  # on the settings' province
    list_display = ["province", "offsets", "overdue_repeat_days", "escalation_days", "updated_at"]
    autocomplete_fields = ["province"]

    def policy_object(self, obj):
        return obj.province

    def save_model(self, request, obj, form, change):
        # Through the service: the province's secretariat only (403 otherwise), the audit trail.
        reminder_settings_save(config=obj, user=request.user)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """The outbox, read-only: the mail log page is where failed mails are sent again."""

    list_display = ["created_at", "kind", "recipient", "unit", "status", "attempts", "sent_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["unit"]
    search_fields = ["recipient", "subject", "dedupe_key"]
    date_hierarchy = "created_at"

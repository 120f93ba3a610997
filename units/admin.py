from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from projectsite.admin import ReadOnlyAdmin

from .models import AuditEntry, StructureTransition, Unit, UnitHandover, UnitSuccession, User
from .selectors import unit_search
from .services import account_access_record, account_password_reset, account_save, unit_save


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind", "parent", "is_active"]
    list_filter = ["level", "kind", "is_active"]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]  # matched without accents, see get_search_results
    search_help_text = _("Name without accents (e.g. dien chau) or code.")
    autocomplete_fields = ["parent"]
    readonly_fields = ["province", "area", "handover_link"]
    fields = [
        "code",
        "name",
        "level",
        "kind",
        "parent",
        "province",
        "area",
        "contact_emails",
        "phone",
        "is_active",
        "valid_from",
        "valid_to",
        "handover_link",
    ]
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        # Moving a unit to another parent or level is a structure transition (a new unit from a
        # date, the old one kept with its history), not an edit: the page "Chuyển đổi cơ cấu".
        if obj is not None and obj.pk is not None:
            return [*self.readonly_fields, "parent", "level", "valid_from"]
        return self.readonly_fields

    @admin.display(description=_("Change of head"))
    def handover_link(self, obj):
        # A change of head goes through the handover page, which deactivates the former head.
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("unit_handover", args=[obj.code]), _("Hand over to a new head")
        )

    def get_search_results(self, request, queryset, search_term):
        return unit_search(queryset, search_term), False

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or request.user.has_perm("units.manage_unit", obj)

    def has_delete_permission(self, request, obj=None):
        # Units are deactivated, never deleted: their history must stay.
        return False

    def save_model(self, request, obj, form, change):
        unit_save(unit=obj, user=request.user)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "role", "unit", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff", "unit__level"]
    list_select_related = ["unit"]
    search_fields = ["username", "first_name", "last_name", "email", "unit__name", "unit__code"]
    autocomplete_fields = ["unit"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Role in the programme"), {"fields": ["role", "unit", "job_title", "phone", "must_change_password"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        (_("Role in the programme"), {"fields": ["role", "unit", "first_name", "email"]}),
    ]

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated, never deleted: history stays attributed to who did it.
        return False

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser:
            return True
        return obj.unit is not None and request.user.has_perm("units.manage_unit", obj.unit)

    def get_readonly_fields(self, request, obj=None):
        # Who is an administrator is a superuser's decision, not the secretariat's.
        kept = [] if request.user.is_superuser else ["is_superuser", "user_permissions"]
        return [*super().get_readonly_fields(request, obj), *kept]

    def save_model(self, request, obj, form, change):
        account_save(account=obj, user=request.user)

    def save_related(self, request, form, formsets, change):
        # Groups and single permissions are saved after the account (in the same transaction as
        # the admin's form): the trail records them when they changed.
        account = form.instance
        before = {
            "groups": sorted(account.groups.values_list("name", flat=True)) if change else [],
            "user_permissions": sorted(account.user_permissions.values_list("codename", flat=True)) if change else [],
        }
        super().save_related(request, form, formsets, change)
        account_access_record(account=account, user=request.user, before=before)

    def user_change_password(self, request, id, form_url=""):
        # Django's page sets the password; the trail records that it was set (never the password),
        # in the same transaction.
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                account_password_reset(account=self.get_object(request, unquote(id)), user=request.user)
        return response


@admin.register(UnitHandover)
class UnitHandoverAdmin(ReadOnlyAdmin):
    """The record of handovers: written by the handover page only, read here."""

    list_display = ["at", "unit", "old_head", "new_head", "account_created", "by"]
    list_filter = ["account_created", "unit__level"]
    list_select_related = ["unit", "old_head", "new_head", "by"]
    search_fields = ["unit__code", "unit__name", "old_head__username", "new_head__username"]
    date_hierarchy = "at"
    fields = ["unit", "old_head", "new_head", "account_created", "by", "at", "note"]
    readonly_fields = fields


@admin.register(StructureTransition)
class StructureTransitionAdmin(ReadOnlyAdmin):
    """Transitions are applied by the transition page or command (``tasks.transitions``), read here."""

    list_display = ["basis", "effective_on", "province", "applied_at", "applied_by", "illustrative"]
    list_filter = ["illustrative"]


@admin.register(UnitSuccession)
class UnitSuccessionAdmin(ReadOnlyAdmin):
    list_display = ["predecessor", "successor", "share", "effective_on", "illustrative"]
    list_select_related = ["predecessor", "successor"]
    search_fields = ["predecessor__code", "successor__code"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit trail, read-only (the page "Nhật ký thay đổi" reads it with the history)."""

    list_display = ["at", "user", "unit", "kind", "action", "object_repr"]
    list_filter = ["kind"]
    list_select_related = ["user", "unit"]
    search_fields = ["object_repr", "user__username", "unit__code", "note"]
    date_hierarchy = "at"

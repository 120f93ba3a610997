from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Unit, User
from .selectors import unit_search


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind", "parent", "is_active"]
    list_filter = ["level", "kind", "is_active"]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]  # matched without accents, see get_search_results
    search_help_text = _("Name without accents (e.g. dien chau) or code.")
    autocomplete_fields = ["parent"]
    readonly_fields = ["province", "district"]
    fields = [
        "code",
        "name",
        "level",
        "kind",
        "parent",
        "province",
        "district",
        "contact_emails",
        "phone",
        "is_active",
        "deactivated_on",
    ]
    list_per_page = 50

    def get_search_results(self, request, queryset, search_term):
        return unit_search(queryset, search_term), False

    def has_delete_permission(self, request, obj=None):
        # Units are deactivated, never deleted: their history must stay.
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "role", "unit", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff", "unit__level"]
    list_select_related = ["unit"]
    search_fields = ["username", "first_name", "last_name", "email", "unit__name", "unit__code"]
    autocomplete_fields = ["unit"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Role in the programme"), {"fields": ["role", "unit", "job_title", "phone"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        (_("Role in the programme"), {"fields": ["role", "unit", "first_name", "email"]}),
    ]

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated, never deleted: history stays attributed to who did it.
        return False

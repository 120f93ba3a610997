"""What the apps' admin pages share."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

# Replaces two of django-celery-beat's admin pages with Vietnamese ones (projectsite/beat_admin.py).
from projectsite import beat_admin  # noqa: F401


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record the application writes (history, mails, handovers, frozen scores): read in the
    admin, never added, changed or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PolicyAdmin(admin.ModelAdmin):
    """A domain object is changed in the admin only by who may change it in the application:
    Django's model permission, and the policy's ``change_policy`` on the object (the same
    ``user.has_perm`` the pages and services ask; units/rules.py and the apps' rules.py). Anyone
    else with the model permission reads it."""

    change_policy = ""

    def policy_object(self, obj):
        return obj

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or request.user.has_perm(self.change_policy, self.policy_object(obj))


class ProductPageAdmin(ReadOnlyAdmin):
    """A domain object the application changes on its own pages, through its services (the same
    checks, history, version and audit): read in the admin, with a link to where it is changed."""

    product_note = ""

    def product_url(self, obj) -> str | None:
        return None

    @admin.display(description=_("Where it is changed"))
    def where_changed(self, obj):
        url = self.product_url(obj) if obj is not None and obj.pk else None
        if url is None:
            return self.product_note
        return format_html('{} <a href="{}">{}</a>', self.product_note, url, _("Open the page"))

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "where_changed"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return ["where_changed", *(name for name in fields if name != "where_changed")]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"subtitle": self.product_note, **(extra_context or {})})

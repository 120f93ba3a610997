"""What the apps' admin pages share."""

from django.contrib import admin

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

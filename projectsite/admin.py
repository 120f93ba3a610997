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

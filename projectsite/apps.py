from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class ProjectsiteConfig(AppConfig):
    """The project package as an app, only to wire what spans the apps: the audit log's receivers."""

    name = "projectsite"
    verbose_name = _("Project 06")

    def ready(self):
        from . import audit, lookups

        audit.connect()
        lookups.register()  # integer lookups bounded to their column's range (projectsite/lookups.py)
        # The admin's section where the secretariat unlocks accounts; axes names it "Axes".
        apps.get_app_config("axes").verbose_name = _("Login lockouts")

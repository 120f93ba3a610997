from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Documents, tasks and indicators")

    def ready(self):
        # units may not import tasks (the layers contract): it says when a unit was activated or
        # deactivated, and the province's kept counts per status are recounted here.
        from units import signals

        from .summaries import unit_activity_recount

        signals.unit_activity_changed.connect(unit_activity_recount, dispatch_uid="tasks-unit-activity")

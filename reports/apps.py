from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # tasks may not import reports (the layers contract in pyproject.toml): it sends signals, and
        # reports answers them, mailing the unit about a decision, saying when it was last reminded and
        # keeping the escalations of explanation requests a transition carries.
        from tasks import signals

        # jobs: the outbox enqueues its delivery job by name, so it must be registered in every process.
        from . import decision_mails, jobs, reminders  # noqa: F401

        decision_mails.connect()
        signals.unit_last_reminder.connect(reminders.last_reminder_at, dispatch_uid="reports-last-reminder")
        signals.explanations_carried.connect(
            reminders.explanation_marks_carry, dispatch_uid="reports-explanation-marks-carry"
        )

from reports import jobs, notifications

from ._decide import DecideCommand


class Command(DecideCommand):
    help = "Decide and queue today's reminders and escalations (what the daily job does)."
    decide = staticmethod(notifications.reminders_decide)
    job = jobs.send_reminders

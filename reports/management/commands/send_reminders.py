from reports import jobs, reminders

from ._decide import DecideCommand


class Command(DecideCommand):
    help = "Decide and queue today's reminders and escalations (what the daily job does)."
    decide = staticmethod(reminders.reminders_decide)
    job = jobs.send_reminders

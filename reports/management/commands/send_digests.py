from reports import jobs, notifications

from ._decide import DecideCommand


class Command(DecideCommand):
    help = "Decide and queue this week's digests (what the Monday job does)."
    decide = staticmethod(notifications.digests_decide)
    job = jobs.send_digests

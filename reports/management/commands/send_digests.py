from reports import digests, jobs

from ._decide import DecideCommand


class Command(DecideCommand):
    help = "Decide and queue this week's digests (what the Monday job does)."
    decide = staticmethod(digests.digests_decide)
    job = jobs.send_digests

"""What send_reminders and send_digests share: --today, --dry-run, --enqueue, a summary."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from projectsite import clock
from projectsite.text import number


class Rollback(Exception):
    """Raised inside the transaction of a dry run so that nothing it wrote stays."""


class DecideCommand(BaseCommand):
    decide = None  # the service: decide(today=..., province=None) -> DecisionSummary
    job = None  # the Celery job running the same service in the worker

    def add_arguments(self, parser):
        parser.add_argument("--today", help=_("The day to decide for, dd/mm/yyyy (default: today)."))
        parser.add_argument("--dry-run", action="store_true", help=_("Decide and render, then write and send nothing."))
        parser.add_argument(
            "--enqueue", action="store_true", help=_("Hand the job to the Celery worker instead of running it here.")
        )

    def handle(self, *args, **options):
        if options["enqueue"]:
            self.job.delay()
            self.stdout.write(_("Job handed to the worker."))
            return
        try:
            today = clock.parse_day(options["today"]) if options["today"] else clock.today()
        except ValueError:
            raise CommandError(
                _("--today: “%(value)s” is not a date (dd/mm/yyyy).") % {"value": options["today"]}
            ) from None
        started = time.monotonic()
        try:
            with transaction.atomic():
                summary = self.decide(today=today)
                if options["dry_run"]:
                    raise Rollback
        except Rollback:
            self.stdout.write(_("Dry run: nothing was written or sent."))
        self.stdout.write(
            _(
                "%(day)s: %(mails)s mails (%(escalations)s escalations) for %(units)s units in %(seconds)s s; "
                "%(decided)s already decided before; %(skipped)s units without an address."
            )
            % {
                "day": today.strftime("%d/%m/%Y"),
                "mails": number(summary.mails),
                "escalations": number(summary.escalations),
                "units": number(summary.units),
                "seconds": number(time.monotonic() - started, decimals=1),
                "decided": number(summary.already_decided),
                "skipped": number(summary.skipped_without_address),
            }
        )

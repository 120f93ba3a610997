"""Load a province (Nghệ An by default) from the reference files of ``data/``, with demo data
(the illustrative tasks of ``data/demo/tasks.csv``).

Running it again changes nothing: every row is looked up by its natural key first.
"""

import datetime
import os
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from devtools.demo import DEFAULT_TODAY, DEMO_TASKS_FILE, DemoBuilder, demo_accounts, read_demo_tasks
from projectsite import clock
from projectsite.text import number
from tasks.management.commands.seed_reference import reference_load, reference_read
from units.loaders import DataFileError
from units.models import Unit, User
from units.services import accounts_ensure, secretariat_group_ensure


def parse_day(value: str) -> datetime.date:
    try:
        return clock.parse_day(value)
    except ValueError:
        raise CommandError(_("--today: “%(value)s” is not a date (dd/mm/yyyy).") % {"value": value}) from None


class Command(BaseCommand):
    help = _("Load a province's units, the programme's documents, demo tasks, figures and accounts.")

    def add_arguments(self, parser):
        parser.add_argument("--province", default="40", help=_("Province code (default 40, Nghệ An)."))
        parser.add_argument(
            "--today",
            default=(settings.APP_TODAY or DEFAULT_TODAY).strftime("%d/%m/%Y"),
            help=_("The date the demo progress is as of, dd/mm/yyyy (default: APP_TODAY, or %(day)s).")
            % {"day": DEFAULT_TODAY.strftime("%d/%m/%Y")},
        )
        parser.add_argument("--password", help=_("Password of new demo accounts (default: DEMO_PASSWORD, or random)."))
        parser.add_argument(
            "--data-dir", default=str(Path(settings.BASE_DIR) / "data"), help=_("Folder of the reference files.")
        )
        parser.add_argument(
            "--if-empty", action="store_true", help=_("Do nothing when the database already has units.")
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        if options["if_empty"] and Unit.objects.exists():
            self.stdout.write(_("The database already has data; nothing loaded."))
            return
        today = parse_day(options["today"])
        data_dir = Path(options["data_dir"])
        reference = reference_read(
            province_code=options["province"], data_dir=data_dir, progress=self.stdout.write, on=DEFAULT_TODAY
        )
        try:
            demo_tasks = read_demo_tasks(
                data_dir / DEMO_TASKS_FILE,
                documents={row.number for row in reference.documents},
                units={row.code for row in reference.units},
            )
        except DataFileError as exc:
            raise CommandError(_("Nothing was written. %(error)s") % {"error": exc}) from exc

        password = options["password"] or os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(9)
        with transaction.atomic():
            units_created, documents_created = reference_load(reference, progress=self.stdout.write)
            province = Unit.objects.get(code=reference.province.code)
            secretariat_unit = Unit.objects.get(code=reference.standing_body)

            self.stdout.write(_("Accounts …"))
            accounts = demo_accounts(province, secretariat_unit=secretariat_unit)
            new_accounts = accounts_ensure(accounts=accounts, password_hash=make_password(password))
            secretariat_group_ensure(users=[a for a in new_accounts if a.role == a.Role.SECRETARIAT])

            self.stdout.write(
                _("Demo tasks, progress and figures as of %(day)s …") % {"day": today.strftime("%d/%m/%Y")}
            )
            secretariat = User.objects.get(username="secretariat")
            demo = DemoBuilder(
                province=province, today=today, secretariat=secretariat, tasks=demo_tasks, progress=self.stdout.write
            ).build()

        total_units = Unit.objects.filter(province=province).count()
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Done in %(seconds)s s. Created: %(units)s units (%(total)s in the province), "
                    "%(documents)s documents, %(tasks)s tasks, %(assignments)s assignments, %(targets)s targets, "
                    "%(figures)s figures, %(history)s history entries, %(accounts)s accounts."
                )
                % {
                    "seconds": number(time.monotonic() - started, decimals=1),
                    "units": number(units_created),
                    "total": number(total_units),
                    "documents": number(documents_created),
                    "tasks": number(demo.tasks),
                    "assignments": number(demo.assignments),
                    "targets": number(demo.targets),
                    "figures": number(demo.figures),
                    "history": number(demo.history),
                    "accounts": number(len(new_accounts)),
                }
            )
        )
        if new_accounts:
            self.stdout.write(
                _(
                    "Demo accounts: secretariat, leader, head-<unit code> (e.g. head-412), staff-<district code>. "
                    "Password of the new accounts: %(password)s"
                )
                % {"password": password}
            )
        else:
            self.stdout.write(_("No new account; existing passwords are unchanged."))

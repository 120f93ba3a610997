"""Load a province (Nghệ An by default) from the reference files of ``data/``, with demo data.

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

from projectsite import clock
from projectsite.text import number
from tasks.demo import DEFAULT_TODAY, DemoBuilder, demo_accounts
from tasks.loaders import read_documents
from tasks.services import documents_load
from units.loaders import DataFileError, read_admin_units, read_agencies
from units.models import Unit, User
from units.services import accounts_ensure, secretariat_group_ensure, unit_tree_load

ADMIN_FILE = "vn_admin_units_2023-04-10.csv"
AGENCY_FILE = "nghe_an_provincial_units.csv"
DOCUMENT_FILE = "nghe_an_documents.csv"


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
        province_code = options["province"]

        self.stdout.write(_("Reading the reference files in %(dir)s …") % {"dir": data_dir})
        try:
            admin_rows = read_admin_units(data_dir / ADMIN_FILE, province_code)
            agency_rows = read_agencies(data_dir / AGENCY_FILE, province_code)
            document_rows = read_documents(data_dir / DOCUMENT_FILE)
        except DataFileError as exc:
            raise CommandError(_("Nothing was written. %(error)s") % {"error": exc}) from exc
        root_row, other_rows = admin_rows[0], admin_rows[1:]
        if not any(row.kind == Unit.Kind.STANDING_BODY for row in agency_rows):
            raise CommandError(_("Nothing was written. %(file)s names no standing body.") % {"file": AGENCY_FILE})

        password = options["password"] or os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(9)
        with transaction.atomic():
            self.stdout.write(_("Units of %(name)s …") % {"name": root_row.name})
            units_created = unit_tree_load(rows=[root_row, *agency_rows, *other_rows])
            province = Unit.objects.get(code=province_code)
            standing_body_code = next(row.code for row in agency_rows if row.kind == Unit.Kind.STANDING_BODY)
            secretariat_unit = Unit.objects.get(code=standing_body_code)

            self.stdout.write(_("Documents …"))
            documents_created = documents_load(rows=document_rows)

            self.stdout.write(_("Accounts …"))
            accounts = demo_accounts(province, secretariat_unit=secretariat_unit)
            new_accounts = accounts_ensure(accounts=accounts, password_hash=make_password(password))
            secretariat_group_ensure(users=[a for a in new_accounts if a.role == a.Role.SECRETARIAT])

            self.stdout.write(
                _("Demo tasks, progress and figures as of %(day)s …") % {"day": today.strftime("%d/%m/%Y")}
            )
            secretariat = User.objects.get(username="secretariat")
            demo = DemoBuilder(
                province=province, today=today, secretariat=secretariat, progress=self.stdout.write
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

"""Load Nghệ An's demo: today's world with its history.

1. The 2023 structure (21 districts, 460 communes) and the programme of 2023 with illustrative
   tasks, progress, e-ID figures, the districts' periodic reports and explanation requests of
   April–June, seeded with the application's clock at 20/06/2023, so that the pages "as at"
   20/06/2023 show what the secretariat saw that day.
2. The transitions of 01/12/2024, 01/03/2025 (an agency merger) and 01/07/2025, applied through
   ``tasks.transitions.transition_apply`` (the service a real server uses), each with the clock
   at its effective date (``devtools.reform``; the demo's own choices are labelled
   illustrative); before each, the periodic reports of the units up to their last day.
3. Illustrative tasks of the current year for the units in force, with progress and the communes'
   monthly reports as of today, and an account ``head-<code>`` for every unit in force.

Every file is read and checked before anything is written; running it again changes nothing.
"""

import datetime
import os
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings
from django.utils.translation import gettext as _

from devtools.demo import (
    ALL_AGENCIES,
    ALL_COMMUNES,
    CURRENT_CYCLES,
    DEMO_CURRENT_TASKS_FILE,
    DEMO_TASKS_FILE,
    HISTORY_CYCLES,
    HISTORY_DAY,
    DemoBuilder,
    DemoSummary,
    demo_accounts,
    demo_cycles_set,
    demo_reports_play,
    history_close_out,
    history_explanations,
    history_explanations_close_out,
    missing_heads,
    read_demo_tasks,
)
from devtools.reform import NGHE_AN, TWO_LEVELS_ON, demo_transitions
from projectsite import clock
from projectsite.text import number
from tasks.management.commands.seed_reference import reference_load, reference_read
from tasks.transitions import transition_apply
from units.loaders import DataFileError
from units.models import StructureTransition, Unit, User
from units.services import accounts_ensure, secretariat_group_ensure


def parse_day(value: str) -> datetime.date:
    try:
        return clock.parse_day(value)
    except ValueError:
        raise CommandError(_("--today: “%(value)s” is not a date (dd/mm/yyyy).") % {"value": value}) from None


class Command(BaseCommand):
    help = _(
        "Load Nghệ An's demo: the 2023 programme as history, the transitions to the 2025 structure, "
        "current-year illustrative tasks and accounts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", default=NGHE_AN, help=_("Province code (only 40, Nghệ An)."))
        parser.add_argument(
            "--today",
            help=_(
                "The date the current tasks' progress is as of, dd/mm/yyyy, from 01/07/2025 (default: today, "
                "or APP_TODAY when set)."
            ),
        )
        parser.add_argument("--password", help=_("Password of new demo accounts (default: DEMO_PASSWORD, or random)."))
        parser.add_argument(
            "--data-dir", default=str(Path(settings.BASE_DIR) / "data"), help=_("Folder of the reference files.")
        )
        parser.add_argument(
            "--if-empty", action="store_true", help=_("Do nothing when the database already has units.")
        )
        parser.add_argument(
            "--history-only",
            action="store_true",
            help=_(
                "Only step 1, the 2023 programme as on 20/06/2023; a later run without it goes on from there "
                "(to compare the pages before and after the transitions)."
            ),
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        if options["if_empty"] and Unit.objects.exists():
            self.stdout.write(_("The database already has data; nothing loaded."))
            return
        today = parse_day(options["today"]) if options["today"] else clock.today()
        if options["province"] != NGHE_AN:
            raise CommandError(
                _("Province %(code)s: the demo is Nghệ An's (40), whose transitions and agencies are in data/.")
                % {"code": options["province"]}
            )
        if today < TWO_LEVELS_ON:
            raise CommandError(
                _("--today %(day)s: the demo shows the structure in force since 01/07/2025; give a later date.")
                % {"day": today.strftime("%d/%m/%Y")}
            )
        data_dir = Path(options["data_dir"])
        write = self.stdout.write

        # Everything is read and checked first.
        reference = reference_read(province_code=NGHE_AN, data_dir=data_dir, progress=write, on=HISTORY_DAY)
        documents = {row.number for row in reference.documents}
        try:
            history_tasks = read_demo_tasks(
                data_dir / DEMO_TASKS_FILE, documents=documents, units={row.code for row in reference.units}
            )
            transitions = demo_transitions(data_dir)
            merged_away = {link.old_code for t in transitions for link in t.data.links}
            current_codes = {row.code for row in reference.units if row.level == Unit.Level.AGENCY} - merged_away
            current_codes |= {row.code for row in transitions[-1].data.new_units}
            current_tasks = read_demo_tasks(
                data_dir / DEMO_CURRENT_TASKS_FILE,
                documents=documents,
                units=current_codes,
                groups=(ALL_COMMUNES, ALL_AGENCIES),
                year=today.year,
            )
        except DataFileError as exc:
            raise CommandError(_("Nothing was written. %(error)s") % {"error": exc}) from exc

        password = options["password"] or os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(9)
        password_hash = make_password(password)
        units_created = documents_created = 0
        history = DemoSummary()
        new_accounts: list[User] = []
        with transaction.atomic():
            province = Unit.objects.filter(code=NGHE_AN, level=Unit.Level.PROVINCE, is_active=True).first()
            seeded = province is not None and StructureTransition.objects.filter(province=province).exists()
            if not seeded:
                if province is not None and not Unit.objects.filter(
                    province=province, level=Unit.Level.DISTRICT, is_active=True
                ):
                    raise CommandError(
                        _(
                            "Nothing was written. Nghệ An is loaded without its districts and no transition: "
                            "the demo starts from an empty database (or its own 2023 structure)."
                        )
                    )
                write(_("1. The programme of 2023, as on %(day)s …") % {"day": HISTORY_DAY.strftime("%d/%m/%Y")})
                with override_settings(APP_TODAY=HISTORY_DAY):
                    units_created, documents_created = reference_load(reference, progress=write)
                    province = Unit.objects.get(code=NGHE_AN, level=Unit.Level.PROVINCE, is_active=True)
                    standing_body = Unit.objects.get(province=province, code=reference.standing_body)
                    write(_("Accounts …"))
                    new_accounts += accounts_ensure(
                        accounts=demo_accounts(province, secretariat_unit=standing_body), password_hash=password_hash
                    )
                    secretariat_group_ensure(users=[a for a in new_accounts if a.role == a.Role.SECRETARIAT])
                    secretariat = User.objects.get(username="secretariat")
                    history = DemoBuilder(
                        province=province,
                        today=HISTORY_DAY,
                        secretariat=secretariat,
                        tasks=history_tasks,
                        progress=write,
                    ).build()
                    demo_cycles_set(province=province, cycles=HISTORY_CYCLES)
                    self.reports_play(province, HISTORY_DAY)
                    asked = history_explanations(province=province, secretariat=secretariat)
                    write(_("  explanation requests: %(n)s new") % {"n": number(asked)})
            secretariat = User.objects.get(username="secretariat")
            if options["history_only"]:
                write(_("Stopped after step 1 (--history-only); run seed_demo again to go on."))
                return

            if not seeded and transitions:
                first = transitions[0].data.effective_on
                with override_settings(APP_TODAY=first - datetime.timedelta(days=1)):
                    closed = history_close_out(
                        province=province, after=HISTORY_DAY, until=first, secretariat=secretariat
                    )
                    explained = history_explanations_close_out(province=province)
                write(
                    _(
                        "The rest of 2023 and 2024: %(confirmed)s assignments completed after %(day)s, "
                        "%(open)s still open when the structure changes (illustrative)."
                    )
                    % {
                        "confirmed": number(closed.confirmed),
                        "open": number(closed.left_open),
                        "day": HISTORY_DAY.strftime("%d/%m/%Y"),
                    }
                    + " "
                    + _("Explanation requests closed in July 2023: %(n)s.") % {"n": number(explained)}
                )

            write(_("2. The structure transitions, through the transition service …"))
            for demo in transitions:
                # The periodic reports of the units that end on this date, up to the day before.
                self.reports_play(province, demo.data.effective_on - datetime.timedelta(days=1))
                write("  " + demo.label)
                for choice in demo.choices:
                    write("    " + _("illustrative: %(choice)s") % {"choice": choice})
                with override_settings(APP_TODAY=demo.data.effective_on):
                    try:
                        applied = transition_apply(demo.data, by=secretariat, progress=self.progress_bar())
                    except ValidationError as exc:
                        raise CommandError(
                            _("Nothing was written. %(error)s") % {"error": " ".join(exc.messages)}
                        ) from exc
                write("    " + ", ".join(f"{key}: {number(value)}" for key, value in sorted(applied.summary.items())))

            write(_("3. Tasks of the current year, as of %(day)s …") % {"day": today.strftime("%d/%m/%Y")})
            with override_settings(APP_TODAY=today):
                heads, clashes = missing_heads(province)
                new_accounts += accounts_ensure(accounts=heads, password_hash=password_hash)
                for clash in clashes:
                    write("  " + _("not renamed: %(clash)s") % {"clash": clash})
                current = DemoBuilder(
                    province=province,
                    today=today,
                    secretariat=secretariat,
                    tasks=current_tasks,
                    progress=write,
                    indicator=False,
                    period_start=datetime.date(today.year, 1, 1),
                ).build()
                demo_cycles_set(
                    province=province,
                    cycles=CURRENT_CYCLES,
                    since=max(datetime.date(today.year, 1, 1), TWO_LEVELS_ON),
                    year=today.year,
                )
                self.reports_play(province, today)

        in_force = Unit.objects.filter(province=province, is_active=True)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Done in %(seconds)s s. Created: %(units)s units, %(documents)s documents, %(tasks)s tasks, "
                    "%(assignments)s assignments, %(targets)s targets, %(figures)s figures, %(history)s history "
                    "entries, %(accounts)s accounts. In force today: %(communes)s communes, %(districts)s districts, "
                    "%(agencies)s agencies."
                )
                % {
                    "seconds": number(time.monotonic() - started, decimals=1),
                    "units": number(units_created),
                    "documents": number(documents_created),
                    "tasks": number(history.tasks + current.tasks),
                    "assignments": number(history.assignments + current.assignments),
                    "targets": number(history.targets),
                    "figures": number(history.figures),
                    "history": number(history.history + current.history),
                    "accounts": number(len(new_accounts)),
                    "communes": number(in_force.filter(level=Unit.Level.COMMUNE).count()),
                    "districts": number(in_force.filter(level=Unit.Level.DISTRICT).count()),
                    "agencies": number(in_force.filter(level=Unit.Level.AGENCY).count()),
                }
            )
        )
        self.stdout.write(
            _(
                "The 2023 programme is history: see the pages as at %(day)s. Illustrative: the tasks, progress and "
                "figures, the successors of the 19 unresolved mergers of 2024, the shares of the split communes."
            )
            % {"day": HISTORY_DAY.strftime("%d/%m/%Y")}
        )
        if new_accounts:
            self.stdout.write(
                _(
                    "Demo accounts: secretariat, leader, head-<unit code> (e.g. head-16681, Phường Thành Vinh). "
                    "Password of the new accounts: %(password)s"
                )
                % {"password": password}
            )
        else:
            self.stdout.write(_("No new account; existing passwords are unchanged."))

    def reports_play(self, province: Unit, until: datetime.date) -> None:
        """The demo's periodic reports up to ``until``, with the application's clock on that day."""
        with override_settings(APP_TODAY=until):
            opened, submitted = demo_reports_play(province=province, until=until)
        if opened or submitted:
            self.stdout.write(
                "  "
                + _("periodic reports up to %(day)s: %(opened)s opened, %(submitted)s submitted (illustrative)")
                % {"day": until.strftime("%d/%m/%Y"), "opened": number(opened), "submitted": number(submitted)}
            )

    def progress_bar(self):
        """A progress callback printing every quarter of the way."""
        shown = set()

        def progress(done: int, total: int) -> None:
            if not total:
                return
            quarter = done * 4 // total
            if quarter and quarter not in shown:
                shown.add(quarter)
                self.stdout.write(f"    {quarter * 25} %")

        return progress

"""Apply a structure transition to a province from files (tasks.transitions).

    manage.py apply_transition --province 40 --effective 01/07/2025 --basis "1674/NQ-UBTVQH15" \\
        --units data/vn_admin_units_2025-07-01.csv --mapping data/vn_admin_reform_2025-07-01.csv \\
        [--closures closures.csv] [--end districts,401,…] [--accounts follow|deactivate] [--dry-run]

Every file is checked first (file, line, reason); ``--dry-run`` prints the preview and writes
nothing; otherwise the transition is applied in one transaction, with a progress bar, and applied
again it changes nothing.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from projectsite import clock
from projectsite.text import number
from tasks.transitions import transition_apply, transition_input, transition_preview
from units.loaders import DataFileError, read_transition_closures, read_transition_mapping, read_transition_units


class Command(BaseCommand):
    help = "Apply a structure transition (merged, split or renamed units) to a province."

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True, help="Province code, e.g. 40.")
        parser.add_argument("--effective", required=True, help="Effective date, dd/mm/yyyy.")
        parser.add_argument("--basis", required=True, help="Legal basis, e.g. 1674/NQ-UBTVQH15.")
        parser.add_argument("--units", type=Path, help="CSV of the new units.")
        parser.add_argument("--mapping", type=Path, required=True, help="CSV old code → new code, share.")
        parser.add_argument("--closures", type=Path, help="CSV code,reason: open work closed instead of carried.")
        parser.add_argument("--end", default="", help="Codes ending without successor, comma-separated; 'districts'.")
        parser.add_argument("--accounts", choices=["follow", "deactivate"], default="follow")
        parser.add_argument("--dry-run", action="store_true", help="Print the preview; change nothing.")

    def handle(self, *args, **options):
        try:
            effective = clock.parse_day(options["effective"])
        except ValueError as error:
            raise CommandError(_("The effective date is a date dd/mm/yyyy, e.g. 01/07/2025.")) from error
        province = options["province"]
        try:
            units = read_transition_units(options["units"], province) if options["units"] else []
            mapping = read_transition_mapping(options["mapping"], province)
            closures = read_transition_closures(options["closures"]) if options["closures"] else {}
        except DataFileError as error:
            raise CommandError(str(error)) from error
        data = transition_input(
            province_code=province,
            effective_on=effective,
            basis=options["basis"],
            units=units,
            mapping=mapping,
            closures=closures,
            ended=[code.strip() for code in options["end"].split(",") if code.strip()],
            accounts=options["accounts"],
        )
        preview = transition_preview(data)
        self.print_preview(preview)
        if options["dry_run"]:
            return
        if preview.applied is not None:
            self.stdout.write(_("Already applied on %(at)s: nothing to do.") % {"at": preview.applied.applied_at})
            return
        try:
            transition = transition_apply(data, by=None, progress=self.progress)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(_("Applied: %(transition)s.") % {"transition": transition}))
        for key, value in transition.summary.items():
            self.stdout.write(f"  {key}: {number(value)}")

    def print_preview(self, preview):
        for error in preview.errors:
            self.stderr.write(error)
        if preview.province is None:
            raise CommandError(" ".join(preview.errors))
        totals = preview.totals
        self.stdout.write(
            _(
                "%(ending)s units end, %(new)s start; open assignments %(assignments)s, targets %(targets)s, "
                "figures %(figures)s, accounts %(accounts)s."
            )
            % {
                "ending": number(totals["ending_units"]),
                "new": number(totals["new_units"]),
                "assignments": number(totals["open_assignments"]),
                "targets": number(totals["targets"]),
                "figures": number(totals["figures"]),
                "accounts": number(totals["accounts"]),
            }
        )
        if preview.unresolved:
            self.stdout.write(self.style.WARNING(_("Unresolved (%(n)s):") % {"n": len(preview.unresolved)}))
            for item in preview.unresolved:
                self.stdout.write(f"  {item.code} {item.name}: {item.reason}")
        for destination in preview.destinations:
            if destination.unresolved:
                continue
            successors = ", ".join(
                f"{s.code} {s.name}" + (f" ({number(s.fraction_ppm)}/1.000.000)" if s.share == "partial" else "")
                for s in destination.successors
            )
            if destination.closure is not None:
                fate = _("closed: %(reason)s") % {"reason": destination.closure}
            else:
                fate = successors or "—"
            self.stdout.write(
                f"  {destination.unit.code} {destination.unit.name} → {fate} "
                f"[{destination.open_assignments}/{destination.targets}/{destination.figures}/{destination.accounts}]"
            )
        if preview.errors:
            raise CommandError(" ".join(preview.errors))

    def progress(self, done: int, total: int) -> None:
        width = 30
        filled = width if not total else width * done // total
        self.stdout.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {number(done)}/{number(total)}", ending="")
        self.stdout.flush()

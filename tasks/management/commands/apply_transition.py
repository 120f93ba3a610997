"""Apply a structure transition to a province from files (tasks.transitions).

    manage.py apply_transition --province 40 --effective 01/07/2025 --basis "1674/NQ-UBTVQH15" \\
        --units data/vn_admin_units_2025-07-01.csv --mapping data/vn_admin_reform_2025-07-01.csv \\
        [--closures closures.csv] [--end districts,401,…] [--accounts follow|deactivate] [--dry-run]

Every file is checked first (file, line, reason); ``--dry-run`` prints the preview and writes
nothing; otherwise the transition is applied in one transaction, with a progress bar, and applied
again it changes nothing.

The national transition of 01/07/2025 (``tasks.national_transition``), from the files of
``data/``: one transition per new province, each in its own transaction:

    manage.py apply_transition --national --effective 01/07/2025 --basis "…" \\
        [--provinces 08,40] [--equal-splits] [--accounts follow|deactivate] [--dry-run]

Every province is previewed first; while any unit is unresolved, they are listed and nothing is
written. A run stopped half-way is finished by running it again (applied provinces are skipped).
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from projectsite import clock
from projectsite.text import number
from tasks.national_transition import national_apply, national_inputs, national_preview
from tasks.transitions import transition_apply, transition_input, transition_preview
from units.loaders import DataFileError, read_transition_closures, read_transition_mapping, read_transition_units


class Command(BaseCommand):
    help = "Apply a structure transition (merged, split or renamed units) to a province."

    def add_arguments(self, parser):
        parser.add_argument("--province", help="Province code, e.g. 40.")
        parser.add_argument("--effective", required=True, help="Effective date, dd/mm/yyyy.")
        parser.add_argument("--basis", required=True, help="Legal basis, e.g. 1674/NQ-UBTVQH15.")
        parser.add_argument("--units", type=Path, help="CSV of the new units.")
        parser.add_argument("--mapping", type=Path, help="CSV old code → new code, share.")
        parser.add_argument("--closures", type=Path, help="CSV code,reason: open work closed instead of carried.")
        parser.add_argument("--end", default="", help="Codes ending without successor, comma-separated; 'districts'.")
        parser.add_argument("--accounts", choices=["follow", "deactivate"], default="follow")
        parser.add_argument("--dry-run", action="store_true", help="Print the preview; change nothing.")
        parser.add_argument("--national", action="store_true", help="The 2025 reform of every province, from data/.")
        parser.add_argument("--provinces", default="", help="With --national: only these new provinces, e.g. 08,40.")
        parser.add_argument("--data-dir", type=Path, help="With --national: the reference files (default data/).")
        parser.add_argument(
            "--equal-splits",
            action="store_true",
            help="With --national: equal parts for split communes (illustrative; the data give no proportions).",
        )

    def handle(self, *args, **options):
        try:
            effective = clock.parse_day(options["effective"])
        except ValueError as error:
            raise CommandError(_("The effective date is a date dd/mm/yyyy, e.g. 01/07/2025.")) from error
        if options["national"]:
            return self.national(effective, options)
        province = options["province"]
        if not province or not options["mapping"]:
            raise CommandError(_("Give --province and --mapping, or --national."))
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
            self.stdout.write(f"  {key}: {number(value) if isinstance(value, int) else value}")

    def national(self, effective, options):
        provinces = [code.strip() for code in options["provinces"].split(",") if code.strip()] or None
        try:
            plan = national_inputs(
                data_dir=options["data_dir"] or Path(settings.BASE_DIR) / "data",
                effective_on=effective,
                basis=options["basis"],
                accounts=options["accounts"],
                equal_splits=options["equal_splits"],
                provinces=provinces,
            )
        except (DataFileError, ValueError) as error:
            raise CommandError(str(error)) from error
        if plan.choices:
            self.stdout.write(
                self.style.WARNING(
                    _("Illustrative: %(n)s split communes divided in equal parts.") % {"n": number(len(plan.choices))}
                )
            )
        previews = national_preview(plan)
        blocked = False
        for preview in previews:
            totals = preview.totals
            self.stdout.write(
                f"{preview.data.province_code} {preview.data.province_name}: "
                + _("%(ending)s units end, %(new)s start, open assignments %(assignments)s.")
                % {
                    "ending": number(totals["ending_units"]),
                    "new": number(totals["new_units"]),
                    "assignments": number(totals["open_assignments"]),
                }
            )
            for error in preview.errors:
                self.stderr.write(f"  {error}")
            for item in preview.unresolved:
                self.stdout.write(self.style.WARNING(f"  {item.code} {item.name}: {item.reason}"))
            blocked = blocked or not preview.ok
        if blocked:
            raise CommandError(_("Nothing was written: resolve the units listed above first."))
        if options["dry_run"]:
            return
        totals = national_apply(plan, by=None, progress=self.national_progress)
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(_("Applied in %(n)s provinces.") % {"n": number(totals.get("provinces", 0))})
        )
        for key, value in totals.items():
            self.stdout.write(f"  {key}: {number(value)}")

    def national_progress(self, done: int, total: int, rows: int) -> None:
        width = 30
        filled = width if not total else width * done // total
        self.stdout.write(
            f"\r[{'#' * filled}{' ' * (width - filled)}] "
            + _("%(done)s/%(total)s provinces, %(rows)s assignments")
            % {"done": number(done), "total": number(total), "rows": number(rows)},
            ending="",
        )
        self.stdout.flush()

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
        if totals["explanations"]:
            self.stdout.write(
                _(
                    "Explanation requests not closed: %(n)s, of which %(carried)s go to a successor (the others are "
                    "closed)."
                )
                % {"n": number(totals["explanations"]), "carried": number(totals["explanations_carried"])}
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

"""Load the real reference data of ``data/``: the unit structure in force on a date, for one
province or all of them, and the programme's documents.

``--date`` (default today) chooses the structure: before 01/12/2024 the list of 10/04/2023
(province → district → commune); from 01/07/2025 the two-level structure (province → commune;
a province merged on that date is loaded as the province it became); in between, Nghệ An after
its mergers of 01/12/2024 (the only province whose 2024 changes are in ``data/``) and every
other province from the list of 10/04/2023, which the output says. Units loaded for a structure
after 2023 are valid from its first day.

``seed_demo`` loads the same, then invented tasks, progress, figures and one demo account per
unit sharing one password: right for a demo or a training server, wrong for the province's real
one. This loads only what is real and, with ``--secretariat``, makes an existing account (made
with ``createsuperuser``) the secretariat in the standing body. Every file is checked before
anything is written; running it again changes nothing; a structure other than the one already in
force is refused (a structure changes by a transition, ``tasks.transitions``). See
docs/DEPLOY.md, "Real data".
"""

import datetime
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from projectsite import clock
from projectsite.text import number
from tasks.loaders import DocumentRow, read_documents
from tasks.services import documents_load
from units.loaders import (
    DataFileError,
    UnitRow,
    admin_units_2024,
    read_admin_units_2023_all,
    read_admin_units_2025,
    read_agencies,
    read_commune_changes_2024,
    read_commune_mergers_2024,
    read_province_merges,
)
from units.models import Unit, User
from units.services import secretariat_appoint, secretariat_group_ensure, unit_tree_load

ADMIN_FILE = "vn_admin_units_2023-04-10.csv"
ADMIN_2025_FILE = "vn_admin_units_2025-07-01.csv"
MERGES_2025_FILE = "vn_admin_provinces_2025-07-01_merges.csv"
CHANGES_2024_FILE = "nghe_an_communes_2023_vs_2025-03.csv"
MERGERS_2024_FILE = "nghe_an_communes_2024_mergers.csv"
AGENCY_FILE = "nghe_an_provincial_units.csv"
DOCUMENT_FILE = "nghe_an_documents.csv"

NGHE_AN = "40"  # the province whose agencies, documents and 2024 changes data/ holds
ALL = "all"
STRUCTURE_2024_FROM = datetime.date(2024, 12, 1)  # Nghị quyết 1243/NQ-UBTVQH15 (Nghệ An)
STRUCTURE_2025_FROM = datetime.date(2025, 7, 1)  # the two-level structure


@dataclass(frozen=True)
class Structure:
    """Which unit list is in force on a date: "2023", "2024" (Nghệ An's mergers) or "2025"."""

    key: str
    valid_from: datetime.date | None  # of the units loaded for it; None for the 2023 list

    @property
    def label(self) -> str:
        return {
            "2023": _("the list of 10/04/2023 (province, districts, communes)"),
            "2024": _("the list of 10/04/2023 with the mergers of 01/12/2024 (Nghị quyết 1243/NQ-UBTVQH15)"),
            "2025": _("the two-level structure of 01/07/2025 (communes directly under the province)"),
        }[self.key]


STRUCTURE_2023 = Structure("2023", None)
STRUCTURE_2024 = Structure("2024", STRUCTURE_2024_FROM)
STRUCTURE_2025 = Structure("2025", STRUCTURE_2025_FROM)


def structure_on(day: datetime.date, province_code: str) -> Structure:
    """The structure ``seed_reference`` loads for ``province_code`` on ``day``. Between
    01/12/2024 and 30/06/2025 the data hold the 2024 changes of Nghệ An only."""
    if day >= STRUCTURE_2025_FROM:
        return STRUCTURE_2025
    if day >= STRUCTURE_2024_FROM and province_code == NGHE_AN:
        return STRUCTURE_2024
    return STRUCTURE_2023


@dataclass(frozen=True)
class Reference:
    """The reference files, read and checked: a province's units (parents first) and the documents."""

    units: list[UnitRow]
    documents: list[DocumentRow]
    standing_body: str | None  # code of the province's one standing body; None without agencies
    structure: Structure = STRUCTURE_2023
    notes: list[str] = field(default_factory=list)  # what the output must say about this province

    @property
    def province(self) -> UnitRow:
        return self.units[0]


def _admin_rows(
    day: datetime.date, data_dir: Path, province_codes: list[str] | None, notes: list[str]
) -> dict[str, tuple[Structure, list[UnitRow]]]:
    """The structure and the unit rows (root first) of each province (every one for None) on ``day``."""
    if day >= STRUCTURE_2025_FROM:
        by_province = read_admin_units_2025(data_dir / ADMIN_2025_FILE)
        if province_codes is None:
            return {code: (STRUCTURE_2025, rows) for code, rows in sorted(by_province.items())}
        merges = {merge.old_code: merge for merge in read_province_merges(data_dir / MERGES_2025_FILE)}
        result = {}
        for code in province_codes:
            if code not in by_province and code in merges:
                merge = merges[code]
                notes.append(
                    _("%(old)s (%(old_code)s) is part of %(new)s (%(new_code)s) since 01/07/2025: loading %(new)s.")
                    % {"old": merge.old_name, "old_code": code, "new": merge.new_name, "new_code": merge.new_code}
                )
                code = merge.new_code
            if code not in by_province:
                raise DataFileError(
                    _("%(path)s has no province with code %(code)s.") % {"path": ADMIN_2025_FILE, "code": code}
                )
            result[code] = (STRUCTURE_2025, by_province[code])
        return result
    by_province = read_admin_units_2023_all(data_dir / ADMIN_FILE)
    codes = sorted(by_province) if province_codes is None else province_codes
    result = {}
    for code in codes:
        if code not in by_province:
            raise DataFileError(_("%(path)s has no province with code %(code)s.") % {"path": ADMIN_FILE, "code": code})
        structure = structure_on(day, code)
        rows = by_province[code]
        if structure is STRUCTURE_2024:
            changes_file = data_dir / CHANGES_2024_FILE
            rows = admin_units_2024(
                rows,
                read_commune_changes_2024(changes_file),
                read_commune_mergers_2024(data_dir / MERGERS_2024_FILE),
                path=changes_file,
            )
        result[code] = (structure, rows)
    if day >= STRUCTURE_2024_FROM:
        others = len([code for code in result if code != NGHE_AN])
        if others:
            notes.append(
                _(
                    "Between 01/12/2024 and 30/06/2025 the data hold the changes of 2024 for Nghệ An only: "
                    "%(n)s other province(s) are loaded from the list of 10/04/2023."
                )
                % {"n": number(others)}
            )
    return result


def reference_read(
    *,
    province_code: str,
    data_dir: Path,
    agencies: Path | None = None,
    documents: Path | None = None,
    progress: Callable[[str], None],
    on: datetime.date | None = None,
) -> Reference:
    """Read and check every reference file for one province on ``on`` (default today), writing
    nothing; a bad file is a ``CommandError``. ``agencies`` and ``documents`` default to Nghệ
    An's files of ``data_dir``."""
    (reference,) = references_read(
        province_codes=[province_code],
        data_dir=data_dir,
        agencies=agencies,
        documents=documents,
        progress=progress,
        on=on,
    )
    return reference


def references_read(
    *,
    province_codes: list[str] | None,
    data_dir: Path,
    agencies: Path | None = None,
    documents: Path | None = None,
    progress: Callable[[str], None],
    on: datetime.date | None = None,
) -> list[Reference]:
    """``reference_read`` for several provinces (None: every province of the structure). With
    every province, the agencies and documents (Nghệ An's files) go to Nghệ An only."""
    day = on or clock.today()
    own_files = agencies is not None
    agencies = agencies or data_dir / AGENCY_FILE
    progress(
        _("Reading the reference files in %(dir)s for the structure in force on %(day)s …")
        % {"dir": data_dir, "day": day.strftime("%d/%m/%Y")}
    )
    notes: list[str] = []
    try:
        admin = _admin_rows(day, data_dir, province_codes, notes)
        # The default files are Nghệ An's: another province gets agencies only from its own file.
        with_agencies = [code for code in admin if code == NGHE_AN or (own_files and province_codes is not None)]
        if not with_agencies:
            notes.append(_("No agencies or documents: the files of data/ are Nghệ An's (give --agencies)."))
        agency_rows = read_agencies(agencies, with_agencies[0]) if with_agencies else []
        document_rows = read_documents(documents or data_dir / DOCUMENT_FILE) if with_agencies else []
    except DataFileError as exc:
        raise CommandError(_("Nothing was written. %(error)s") % {"error": exc}) from exc
    standing_bodies = [row.code for row in agency_rows if row.kind == Unit.Kind.STANDING_BODY]
    if with_agencies and len(standing_bodies) != 1:
        raise CommandError(
            _(
                "Nothing was written. %(file)s must name exactly one standing body (kind standing_body); "
                "it names %(count)s."
            )
            % {"file": agencies.name, "count": len(standing_bodies)}
        )
    references = []
    for code, (structure, rows) in admin.items():
        root_row, *other_rows = rows
        own_agencies = code in with_agencies
        references.append(
            Reference(
                units=[
                    root_row,
                    *[UnitRow(a.code, a.name, a.level, a.kind, code) for a in agency_rows if own_agencies],
                    *other_rows,
                ],
                documents=document_rows if own_agencies else [],
                standing_body=standing_bodies[0] if own_agencies else None,
                structure=structure,
                notes=notes if len(references) == 0 else [],
            )
        )
    return references


def structure_clashes(references: list[Reference]) -> list[str]:
    """Provinces whose structure in force differs from the one to load (a reload does not change
    a structure; a transition does), as messages."""
    clashes = []
    for reference in references:
        province = Unit.objects.filter(level=Unit.Level.PROVINCE, code=reference.province.code, is_active=True).first()
        if province is None:
            continue
        in_force = set(
            Unit.objects.filter(
                province=province, is_active=True, level__in=[Unit.Level.DISTRICT, Unit.Level.COMMUNE]
            ).values_list("level", "code")
        )
        wanted = {
            (row.level, row.code) for row in reference.units if row.level in (Unit.Level.DISTRICT, Unit.Level.COMMUNE)
        }
        if in_force and in_force != wanted:
            clashes.append(
                _(
                    "%(name)s (%(code)s) already has another structure in force (%(n)s districts and communes); "
                    "%(structure)s is not loaded over it: a structure changes by a transition."
                )
                % {
                    "name": province.name,
                    "code": province.code,
                    "n": number(len(in_force)),
                    "structure": reference.structure.label,
                }
            )
    return clashes


def reference_load(reference: Reference, *, progress: Callable[[str], None]) -> tuple[int, int]:
    """Create the units and documents not there yet; return how many of each (run it in a transaction)."""
    progress(_("Units of %(name)s …") % {"name": reference.province.name})
    units_created = unit_tree_load(rows=reference.units, valid_from=reference.structure.valid_from)
    documents_created = 0
    if reference.documents:
        progress(_("Documents …"))
        province = Unit.objects.get(code=reference.province.code, level=Unit.Level.PROVINCE, is_active=True)
        documents_created = documents_load(rows=reference.documents, province=province)
    return units_created, documents_created


class Command(BaseCommand):
    help = _(
        "Load the real unit structure in force on a date (one province or all) and the programme's documents, "
        "nothing invented; with --secretariat, make an existing account the secretariat."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--province", default=NGHE_AN, help=_("Province code (default 40, Nghệ An), or “all” for every province.")
        )
        parser.add_argument(
            "--date",
            help=_(
                "Load the structure in force on this date, dd/mm/yyyy (default today): before 01/12/2024 the "
                "list of 10/04/2023, from 01/07/2025 the two-level structure."
            ),
        )
        parser.add_argument(
            "--data-dir", default=str(Path(settings.BASE_DIR) / "data"), help=_("Folder of the reference files.")
        )
        parser.add_argument(
            "--agencies",
            metavar="CSV",
            help=_(
                "CSV of the province's agencies (columns code,name,kind,note; exactly one standing_body). "
                "Default: %(file)s in the data folder, Nghệ An's."
            )
            % {"file": AGENCY_FILE},
        )
        parser.add_argument(
            "--documents",
            metavar="CSV",
            help=_(
                "CSV of the programme's documents (columns number,kind,issued_on,issuer,title,implements). "
                "Default: %(file)s in the data folder, Nghệ An's."
            )
            % {"file": DOCUMENT_FILE},
        )
        parser.add_argument(
            "--secretariat",
            metavar="USERNAME",
            help=_("Existing account (made with createsuperuser) to make the secretariat, in the standing body."),
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        day = clock.today()
        if options["date"]:
            try:
                day = clock.parse_day(options["date"])
            except ValueError:
                raise CommandError(
                    _("--date: “%(value)s” is not a date (dd/mm/yyyy).") % {"value": options["date"]}
                ) from None
        everywhere = options["province"] == ALL
        if everywhere and (options["agencies"] or options["documents"] or options["secretariat"]):
            raise CommandError(
                _("--agencies, --documents and --secretariat name one province's: use them with --province <code>.")
            )
        references = references_read(
            province_codes=None if everywhere else [options["province"]],
            data_dir=Path(options["data_dir"]),
            agencies=Path(options["agencies"]) if options["agencies"] else None,
            documents=Path(options["documents"]) if options["documents"] else None,
            progress=self.stdout.write,
            on=day,
        )
        for note in references[0].notes:
            self.stdout.write(self.style.WARNING(note))
        secretariat = None
        if options["secretariat"]:
            secretariat = User.objects.filter(username=options["secretariat"]).first()
            if secretariat is None:
                raise CommandError(
                    _(
                        "Nothing was written. There is no account “%(username)s”: "
                        "create it first with manage.py createsuperuser."
                    )
                    % {"username": options["secretariat"]}
                )
        if secretariat is not None and not references[0].standing_body:
            raise CommandError(
                _("Nothing was written. --secretariat needs the province's agencies and standing body (--agencies).")
            )
        clashes = structure_clashes(references)
        if clashes:
            raise CommandError(_("Nothing was written. %(error)s") % {"error": " ".join(clashes)})

        units_created = documents_created = 0
        levels: Counter = Counter()
        with transaction.atomic():
            for index, reference in enumerate(references, start=1):
                if everywhere:
                    self.stdout.write(f"[{index}/{len(references)}] ", ending="")
                created, documents = reference_load(reference, progress=self.stdout.write)
                units_created += created
                documents_created += documents
                levels.update(row.level for row in reference.units)
            standing_body = None
            for reference in references:
                if reference.standing_body:
                    standing_body = Unit.objects.get(
                        province__code=reference.province.code, code=reference.standing_body, is_active=True
                    )
            if secretariat is not None:
                self.stdout.write(_("Secretariat account %(username)s …") % {"username": secretariat.username})
                secretariat_appoint(account=secretariat, standing_body=standing_body)
            # The group exists even without --secretariat: further secretariat staff are put in it.
            secretariat_group_ensure(users=[secretariat] if secretariat else [])

        structures = sorted({reference.structure.key for reference in references})
        for key in structures:
            structure = {"2023": STRUCTURE_2023, "2024": STRUCTURE_2024, "2025": STRUCTURE_2025}[key]
            names = [r.province.name for r in references if r.structure is structure]
            self.stdout.write(
                _("Structure in force on %(day)s: %(structure)s, for %(provinces)s.")
                % {
                    "day": day.strftime("%d/%m/%Y"),
                    "structure": structure.label,
                    "provinces": names[0] if len(names) == 1 else _("%(n)s provinces") % {"n": number(len(names))},
                }
            )
        total_units = Unit.objects.filter(province__code__in=[r.province.code for r in references]).count()
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Done in %(seconds)s s. Created: %(units)s units (%(total)s in the province), "
                    "%(documents)s documents. Standing body: %(standing_body)s (%(code)s)."
                )
                % {
                    "seconds": number(time.monotonic() - started, decimals=1),
                    "units": number(units_created),
                    "total": number(total_units),
                    "documents": number(documents_created),
                    "standing_body": standing_body.name if standing_body else "—",
                    "code": standing_body.code if standing_body else "—",
                }
            )
        )
        self.stdout.write(
            _(
                "In the files: %(provinces)s provinces, %(agencies)s agencies, %(districts)s districts, "
                "%(communes)s communes."
            )
            % {
                "provinces": number(levels[Unit.Level.PROVINCE]),
                "agencies": number(levels[Unit.Level.AGENCY]),
                "districts": number(levels[Unit.Level.DISTRICT]),
                "communes": number(levels[Unit.Level.COMMUNE]),
            }
        )
        if not units_created and not documents_created:
            self.stdout.write(_("Nothing new: the units and documents were already loaded."))
        if secretariat is not None:
            self.stdout.write(
                _("%(username)s is the secretariat (%(unit)s) and may use the admin.")
                % {"username": secretariat.username, "unit": standing_body.name}
            )

"""Load a province's real reference data from ``data/``: its units and the programme's documents.

``seed_demo`` loads the same, then invented tasks, progress, figures and one demo account per
unit sharing one password: right for a demo or a training server, wrong for the province's real
one. This loads only what is real and, with ``--secretariat``, makes an existing account (made
with ``createsuperuser``) the secretariat in the standing body. Every file is checked before
anything is written; running it again changes nothing. See docs/DEPLOY.md, "Real data".
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from projectsite.text import number
from tasks.loaders import DocumentRow, read_documents
from tasks.services import documents_load
from units.loaders import DataFileError, UnitRow, read_admin_units, read_agencies
from units.models import Unit, User
from units.services import secretariat_group_ensure, unit_tree_load

ADMIN_FILE = "vn_admin_units_2023-04-10.csv"
AGENCY_FILE = "nghe_an_provincial_units.csv"
DOCUMENT_FILE = "nghe_an_documents.csv"


@dataclass(frozen=True)
class Reference:
    """The reference files, read and checked: a province's units (parents first) and the documents."""

    units: list[UnitRow]
    documents: list[DocumentRow]
    standing_body: str  # code of the province's one standing body

    @property
    def province(self) -> UnitRow:
        return self.units[0]


def reference_read(
    *,
    province_code: str,
    data_dir: Path,
    agencies: Path | None = None,
    documents: Path | None = None,
    progress: Callable[[str], None],
) -> Reference:
    """Read and check every reference file, writing nothing; a bad file is a ``CommandError``.

    ``agencies`` and ``documents`` default to Nghệ An's files of ``data_dir``.
    """
    agencies = agencies or data_dir / AGENCY_FILE
    progress(_("Reading the reference files in %(dir)s …") % {"dir": data_dir})
    try:
        admin_rows = read_admin_units(data_dir / ADMIN_FILE, province_code)
        agency_rows = read_agencies(agencies, province_code)
        document_rows = read_documents(documents or data_dir / DOCUMENT_FILE)
    except DataFileError as exc:
        raise CommandError(_("Nothing was written. %(error)s") % {"error": exc}) from exc
    standing_bodies = [row.code for row in agency_rows if row.kind == Unit.Kind.STANDING_BODY]
    if len(standing_bodies) != 1:
        raise CommandError(
            _(
                "Nothing was written. %(file)s must name exactly one standing body (kind standing_body); "
                "it names %(count)s."
            )
            % {"file": agencies.name, "count": len(standing_bodies)}
        )
    root_row, *other_rows = admin_rows
    return Reference(
        units=[root_row, *agency_rows, *other_rows], documents=document_rows, standing_body=standing_bodies[0]
    )


def reference_load(reference: Reference, *, progress: Callable[[str], None]) -> tuple[int, int]:
    """Create the units and documents not there yet; return how many of each (run it in a transaction)."""
    progress(_("Units of %(name)s …") % {"name": reference.province.name})
    units_created = unit_tree_load(rows=reference.units)
    progress(_("Documents …"))
    province = Unit.objects.get(code=reference.province.code)
    documents_created = documents_load(rows=reference.documents, province=province)
    return units_created, documents_created


class Command(BaseCommand):
    help = _(
        "Load a province's real units and the programme's documents, nothing invented; "
        "with --secretariat, make an existing account the secretariat."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", default="40", help=_("Province code (default 40, Nghệ An)."))
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
        reference = reference_read(
            province_code=options["province"],
            data_dir=Path(options["data_dir"]),
            agencies=Path(options["agencies"]) if options["agencies"] else None,
            documents=Path(options["documents"]) if options["documents"] else None,
            progress=self.stdout.write,
        )
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

        with transaction.atomic():
            units_created, documents_created = reference_load(reference, progress=self.stdout.write)
            standing_body = Unit.objects.get(code=reference.standing_body)
            if secretariat is not None:
                self.stdout.write(_("Secretariat account %(username)s …") % {"username": secretariat.username})
                secretariat.role = User.Role.SECRETARIAT
                secretariat.unit = standing_body
                secretariat.is_staff = True
                secretariat.save(update_fields=["role", "unit", "is_staff"])
            # The group exists even without --secretariat: further secretariat staff are put in it.
            secretariat_group_ensure(users=[secretariat] if secretariat else [])

        total_units = Unit.objects.filter(province__code=reference.province.code).count()
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
                    "standing_body": standing_body.name,
                    "code": standing_body.code,
                }
            )
        )
        if not units_created and not documents_created:
            self.stdout.write(_("Nothing new: the units and documents were already loaded."))
        if secretariat is not None:
            self.stdout.write(
                _("%(username)s is the secretariat (%(unit)s) and may use the admin.")
                % {"username": secretariat.username, "unit": standing_body.name}
            )

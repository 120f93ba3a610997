"""Load a province's real reference data, its units and the programme's documents, and nothing else.

``manage.py seed_demo`` loads the same units and documents, then invented tasks, progress,
figures and one demo account per unit sharing one password: right for a demo or a training
server, wrong for the province's real one. This loads what is real (the files of ``data/``,
checked completely before anything is written) and, with ``--secretariat``, gives an existing
account (made with ``manage.py createsuperuser``) the secretariat's role in the standing body.
Running it again changes nothing. See docs/DEPLOY.md, "Real data".

    sudo -u de-an-06 deploy/with-env.sh python deploy/load_reference_data.py --province 40
    sudo -u de-an-06 deploy/with-env.sh python deploy/load_reference_data.py --secretariat thuongtruc
"""

import argparse
import os
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent


def load(*, province: str, data_dir: Path, agencies: Path, documents: Path | None = None, secretariat: str = "") -> str:
    """Load units and documents (idempotent) and attach ``secretariat``; return a report line."""
    from django.db import transaction

    from tasks.loaders import read_documents
    from tasks.management.commands.seed_demo import ADMIN_FILE, DOCUMENT_FILE
    from tasks.services import documents_load
    from units.loaders import DataFileError, read_admin_units, read_agencies
    from units.models import Unit, User
    from units.services import secretariat_group_ensure, unit_tree_load

    try:
        admin_rows = read_admin_units(data_dir / ADMIN_FILE, province)
        agency_rows = read_agencies(agencies, province)
        document_rows = read_documents(documents or data_dir / DOCUMENT_FILE)
    except DataFileError as error:
        raise SystemExit(f"Nothing was written. {error}") from error
    standing_body = [row.code for row in agency_rows if row.kind == Unit.Kind.STANDING_BODY]
    if len(standing_body) != 1:
        raise SystemExit(f"Nothing was written. {agencies.name} must name exactly one standing_body.")

    with transaction.atomic():
        units = unit_tree_load(rows=[admin_rows[0], *agency_rows, *admin_rows[1:]])
        documents = documents_load(rows=document_rows)
        group = secretariat_group_ensure()
        report = (
            f"{units} units created ({Unit.objects.filter(province__code=province).count()} in province {province}), "
            f"{documents} documents created; standing body {standing_body[0]}."
        )
        if secretariat:
            user = User.objects.filter(username=secretariat).first()
            if user is None:
                raise SystemExit(f"No account {secretariat!r}: make it first with manage.py createsuperuser.")
            user.role = User.Role.SECRETARIAT
            user.unit = Unit.objects.get(code=standing_body[0])
            user.is_staff = True
            user.save(update_fields=["role", "unit", "is_staff"])
            user.groups.add(group)
            report += f" {secretariat} is the secretariat ({user.unit.name})."
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--province", default="40", help="province code of the national list (default 40, Nghệ An)")
    parser.add_argument("--data-dir", type=Path, default=APP / "data", help="folder of the reference files")
    parser.add_argument(
        "--agencies",
        type=Path,
        help="CSV of the province's agencies (code,name,kind,note; one standing_body); "
        "default: data/nghe_an_provincial_units.csv, Nghệ An's",
    )
    parser.add_argument(
        "--documents",
        type=Path,
        help="CSV of the programme's documents; default: data/nghe_an_documents.csv, Nghệ An's",
    )
    parser.add_argument("--secretariat", default="", help="username of an existing account to make the secretariat")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(APP))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "projectsite.settings.local")
    import django

    django.setup()
    from tasks.management.commands.seed_demo import AGENCY_FILE

    agencies = args.agencies or args.data_dir / AGENCY_FILE
    report = load(
        province=args.province,
        data_dir=args.data_dir,
        agencies=agencies,
        documents=args.documents,
        secretariat=args.secretariat,
    )
    print(report)


if __name__ == "__main__":
    main()

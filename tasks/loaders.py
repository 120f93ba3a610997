"""Reading the programme's documents from ``data/nghe_an_documents.csv``."""

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from units.loaders import DataFileError, read_csv

from .models import Document

DOCUMENT_COLUMNS = ["number", "kind", "issued_on", "issuer", "title", "implements"]
DOCUMENT_KINDS = {
    "Quyết định": Document.Kind.DECISION,
    "Kế hoạch": Document.Kind.PLAN,
    "Công văn": Document.Kind.OFFICIAL_LETTER,
    "Chỉ thị": Document.Kind.DIRECTIVE,
}


@dataclass(frozen=True)
class DocumentRow:
    number: str
    kind: str
    issued_on: datetime.date
    issuer: str
    title: str
    implements: str


def read_documents(path: Path) -> list[DocumentRow]:
    """Documents in file order; every ``implements`` must name a document listed before it."""
    rows: list[DocumentRow] = []
    numbers: set[str] = set()
    for line, row in read_csv(path, DOCUMENT_COLUMNS):

        def fail(reason: str, line: int = line) -> DataFileError:
            return DataFileError(
                _("%(path)s, line %(line)s: %(reason)s") % {"path": path.name, "line": line, "reason": reason}
            )

        if not row["number"]:
            raise fail(_("the document number is empty."))
        if row["number"] in numbers:
            raise fail(_("document %(number)s appears twice.") % {"number": row["number"]})
        if row["kind"] not in DOCUMENT_KINDS:
            raise fail(_("unknown document kind “%(kind)s”.") % {"kind": row["kind"]})
        try:
            issued_on = datetime.date.fromisoformat(row["issued_on"])
        except ValueError:
            raise fail(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": row["issued_on"]}) from None
        if not row["issuer"]:
            raise fail(_("the issuer is empty."))
        if row["implements"] and row["implements"] not in numbers:
            raise fail(_("it implements %(number)s, which is not listed above it.") % {"number": row["implements"]})
        numbers.add(row["number"])
        rows.append(
            DocumentRow(
                number=row["number"],
                kind=DOCUMENT_KINDS[row["kind"]],
                issued_on=issued_on,
                issuer=row["issuer"],
                title=row["title"],
                implements=row["implements"],
            )
        )
    if not rows:
        raise DataFileError(_("%(path)s lists no document.") % {"path": path.name})
    return rows

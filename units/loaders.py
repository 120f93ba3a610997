"""Reading the reference CSV files of ``data/``, checked completely before anything is written.

Every problem is reported with the file, the line and a Vietnamese reason; nothing is
guessed.
"""

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from .models import Unit


class DataFileError(Exception):
    """A reference file is missing or malformed. The message is for the user."""


ADMIN_COLUMNS = [
    "province_code",
    "province_name",
    "province_type",
    "district_code",
    "district_name",
    "district_type",
    "commune_code",
    "commune_name",
    "commune_type",
]
AGENCY_COLUMNS = ["code", "name", "kind", "note"]

PROVINCE_KINDS = {"Tỉnh": Unit.Kind.PROVINCE, "Thành phố Trung ương": Unit.Kind.CENTRAL_CITY}
DISTRICT_KINDS = {
    "Thành phố": Unit.Kind.CITY,
    "Thị xã": Unit.Kind.TOWN,
    "Huyện": Unit.Kind.RURAL_DISTRICT,
    "Quận": Unit.Kind.URBAN_DISTRICT,
}
COMMUNE_KINDS = {"Xã": Unit.Kind.COMMUNE, "Phường": Unit.Kind.WARD, "Thị trấn": Unit.Kind.TOWNSHIP}
AGENCY_KINDS = {
    "standing_body": Unit.Kind.STANDING_BODY,
    "department": Unit.Kind.DEPARTMENT,
    "central_branch": Unit.Kind.CENTRAL_BRANCH,
    "enterprise": Unit.Kind.ENTERPRISE,
}
AGENCY_CODE = re.compile(r"^[A-Z][A-Z0-9_-]{1,19}$")


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    level: int
    kind: str
    parent_code: str | None


def read_csv(path: Path, columns: list[str], *, comments: bool = False) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) after checking that the file exists and has ``columns``.

    ``comments``: the file may begin with lines starting with ``#``, which are skipped.
    """
    if not path.is_file():
        raise DataFileError(_("File not found: %(path)s") % {"path": path})
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            lines, skipped = handle, 0
            if comments:
                lines = handle.readlines()
                while skipped < len(lines) and lines[skipped].startswith("#"):
                    skipped += 1
                lines = lines[skipped:]
            reader = csv.DictReader(lines)
            header = reader.fieldnames or []
            missing = [name for name in columns if name not in header]
            if missing:
                raise DataFileError(
                    _("%(path)s: missing columns %(columns)s (the first line must name the columns).")
                    % {"path": path.name, "columns": ", ".join(missing)}
                )
            for row in reader:
                if None in row or any(value is None for value in row.values()):
                    raise DataFileError(
                        _("%(path)s, line %(line)s: the number of fields does not match the header.")
                        % {"path": path.name, "line": skipped + reader.line_num}
                    )
                yield skipped + reader.line_num, {key: value.strip() for key, value in row.items()}
    except UnicodeDecodeError as exc:
        raise DataFileError(_("%(path)s is not UTF-8 text.") % {"path": path.name}) from exc
    except csv.Error as exc:
        raise DataFileError(_("%(path)s is not valid CSV: %(error)s") % {"path": path.name, "error": exc}) from exc


def _fail(path: Path, line: int, reason: str) -> DataFileError:
    return DataFileError(_("%(path)s, line %(line)s: %(reason)s") % {"path": path.name, "line": line, "reason": reason})


def read_admin_units(path: Path, province_code: str) -> list[UnitRow]:
    """The province, its districts and communes from the national list (root first)."""
    province: UnitRow | None = None
    districts: dict[str, UnitRow] = {}
    communes: dict[str, UnitRow] = {}
    for line, row in read_csv(path, ADMIN_COLUMNS):
        if row["province_code"] != province_code:
            continue
        codes = (row["province_code"], row["district_code"], row["commune_code"])
        lengths = (2, 3, 5)
        for code, length in zip(codes, lengths, strict=True):
            if not (code.isdigit() and len(code) == length):
                raise _fail(path, line, _("code “%(code)s” must have %(n)s digits.") % {"code": code, "n": length})
        for column, kinds in (
            ("province_type", PROVINCE_KINDS),
            ("district_type", DISTRICT_KINDS),
            ("commune_type", COMMUNE_KINDS),
        ):
            if row[column] not in kinds:
                raise _fail(path, line, _("unknown unit type “%(type)s”.") % {"type": row[column]})
        for column in ("province_name", "district_name", "commune_name"):
            if not row[column]:
                raise _fail(path, line, _("the name is empty."))
        if province is None:
            province = UnitRow(
                codes[0], row["province_name"], Unit.Level.PROVINCE, PROVINCE_KINDS[row["province_type"]], None
            )
        district = UnitRow(
            codes[1], row["district_name"], Unit.Level.DISTRICT, DISTRICT_KINDS[row["district_type"]], codes[0]
        )
        if districts.setdefault(district.code, district) != district:
            raise _fail(path, line, _("district %(code)s appears with different names.") % {"code": district.code})
        if codes[2] in communes:
            raise _fail(path, line, _("commune %(code)s appears twice.") % {"code": codes[2]})
        communes[codes[2]] = UnitRow(
            codes[2], row["commune_name"], Unit.Level.COMMUNE, COMMUNE_KINDS[row["commune_type"]], codes[1]
        )
    if province is None:
        raise DataFileError(
            _("%(path)s has no province with code %(code)s.") % {"path": path.name, "code": province_code}
        )
    return [province, *districts.values(), *communes.values()]


def read_agencies(path: Path, province_code: str) -> list[UnitRow]:
    rows: list[UnitRow] = []
    seen: set[str] = set()
    for line, row in read_csv(path, AGENCY_COLUMNS):
        code = row["code"]
        if not AGENCY_CODE.match(code):
            raise _fail(
                path, line, _("agency code “%(code)s” must be 2–20 capital letters or digits.") % {"code": code}
            )
        if code in seen:
            raise _fail(path, line, _("code %(code)s appears twice.") % {"code": code})
        if not row["name"]:
            raise _fail(path, line, _("the name is empty."))
        if row["kind"] not in AGENCY_KINDS:
            raise _fail(path, line, _("unknown agency kind “%(kind)s”.") % {"kind": row["kind"]})
        seen.add(code)
        rows.append(UnitRow(code, row["name"], Unit.Level.AGENCY, AGENCY_KINDS[row["kind"]], province_code))
    if not rows:
        raise DataFileError(_("%(path)s lists no agency.") % {"path": path.name})
    return rows

"""Reading the reference CSV files of ``data/``, checked completely before anything is written.

Every problem is reported with the file, the line and a Vietnamese reason; nothing is
guessed.
"""

import csv
import decimal
import io
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
    """The province, its districts and communes from the national list of 2023 (root first)."""
    rows = [(line, row) for line, row in read_csv(path, ADMIN_COLUMNS) if row["province_code"] == province_code]
    if not rows:
        raise DataFileError(
            _("%(path)s has no province with code %(code)s.") % {"path": path.name, "code": province_code}
        )
    return _admin_rows_2023(path, rows)


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


# The structures of the 2024–2025 reforms ---------------------------------------------------
# (issue 14) The 2025 list, the provinces' merges, the 2025 old → new mapping, and Nghệ An's
# round of 01/12/2024. Each reader checks its whole file before returning; composing the 2024
# state checks that the files agree with each other and with the 2023 list.

ADMIN_2025_COLUMNS = ["province_code", "province_name", "province_kind", "commune_code", "commune_name", "commune_kind"]
PROVINCE_KINDS_2025 = {"province": Unit.Kind.PROVINCE, "central_city": Unit.Kind.CENTRAL_CITY}
COMMUNE_KINDS_2025 = {
    "commune": Unit.Kind.COMMUNE,
    "ward": Unit.Kind.WARD,
    "special_zone": Unit.Kind.SPECIAL_ZONE,
}
MERGES_COLUMNS = ["new_province_code", "new_province_name", "old_province_code", "old_province_name"]
REFORM_COLUMNS = [
    "old_province_code",
    "old_commune_code",
    "old_commune_name",
    "new_province_code",
    "new_commune_code",
    "new_commune_name",
    "share",
]
CHANGES_2024_COLUMNS = [
    "commune_code",
    "name_2023",
    "district_code_2023",
    "district_name_2023",
    "name_2025-03",
    "district_code_2025-03",
    "district_name_2025-03",
    "status",
]
MERGERS_2024_COLUMNS = [
    "old_commune_code",
    "old_commune_name",
    "old_district_code",
    "merged_into_code",
    "merged_into_name",
    "resolution",
    "source",
    "confidence",
    "notes",
]
CHANGE_REMOVED, CHANGE_RENAMED, CHANGE_MOVED = "removed_in_2025-03", "renamed", "district_changed"
CONFIDENCE_UNRESOLVED = "low/unresolved"


def _digits(path: Path, line: int, code: str, length: int) -> str:
    if not (code.isdigit() and len(code) == length):
        raise _fail(path, line, _("code “%(code)s” must have %(n)s digits.") % {"code": code, "n": length})
    return code


def _named(path: Path, line: int, name: str) -> str:
    if not name:
        raise _fail(path, line, _("the name is empty."))
    return name


def commune_kind_of(name: str) -> str | None:
    """The kind a commune's name says (“Phường …”, “Xã …”, “Thị trấn …”), None if it says none."""
    for prefix, kind in COMMUNE_KINDS.items():
        if name.startswith(prefix + " "):
            return kind
    return None


def read_admin_units_2023_all(path: Path) -> dict[str, list[UnitRow]]:
    """Every province of the 2023 list (``read_admin_units``'s rows), by province code, in one pass."""
    by_province: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in read_csv(path, ADMIN_COLUMNS):
        by_province.setdefault(row["province_code"], []).append((line, row))
    return {code: _admin_rows_2023(path, rows) for code, rows in by_province.items()}


def _admin_rows_2023(path: Path, rows: list[tuple[int, dict[str, str]]]) -> list[UnitRow]:
    """One province's rows of the 2023 list, each checked: the province, its districts, its communes."""
    province: UnitRow | None = None
    districts: dict[str, UnitRow] = {}
    communes: dict[str, UnitRow] = {}
    for line, row in rows:
        codes = (row["province_code"], row["district_code"], row["commune_code"])
        for code, length in zip(codes, (2, 3, 5), strict=True):
            _digits(path, line, code, length)
        for column, kinds in (
            ("province_type", PROVINCE_KINDS),
            ("district_type", DISTRICT_KINDS),
            ("commune_type", COMMUNE_KINDS),
        ):
            if row[column] not in kinds:
                raise _fail(path, line, _("unknown unit type “%(type)s”.") % {"type": row[column]})
        for column in ("province_name", "district_name", "commune_name"):
            _named(path, line, row[column])
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
    assert province is not None
    return [province, *districts.values(), *communes.values()]


def read_admin_units_2025(path: Path, province_code: str | None = None) -> dict[str, list[UnitRow]]:
    """The two-level structure of 01/07/2025 by province code: the province (root) first, then its
    communes directly under it. ``province_code``: only that province (an error if it is not
    in the file)."""
    provinces: dict[str, UnitRow] = {}
    communes: dict[str, list[UnitRow]] = {}
    seen: set[str] = set()
    for line, row in read_csv(path, ADMIN_2025_COLUMNS):
        code = _digits(path, line, row["province_code"], 2)
        if province_code is not None and code != province_code:
            continue
        commune_code = _digits(path, line, row["commune_code"], 5)
        if row["province_kind"] not in PROVINCE_KINDS_2025:
            raise _fail(path, line, _("unknown unit type “%(type)s”.") % {"type": row["province_kind"]})
        if row["commune_kind"] not in COMMUNE_KINDS_2025:
            raise _fail(path, line, _("unknown unit type “%(type)s”.") % {"type": row["commune_kind"]})
        province = UnitRow(
            code,
            _named(path, line, row["province_name"]),
            Unit.Level.PROVINCE,
            PROVINCE_KINDS_2025[row["province_kind"]],
            None,
        )
        if provinces.setdefault(code, province) != province:
            raise _fail(path, line, _("province %(code)s appears with different names.") % {"code": code})
        if commune_code in seen:
            raise _fail(path, line, _("commune %(code)s appears twice.") % {"code": commune_code})
        seen.add(commune_code)
        communes.setdefault(code, []).append(
            UnitRow(
                commune_code,
                _named(path, line, row["commune_name"]),
                Unit.Level.COMMUNE,
                COMMUNE_KINDS_2025[row["commune_kind"]],
                code,
            )
        )
    if province_code is not None and province_code not in provinces:
        raise DataFileError(
            _("%(path)s has no province with code %(code)s.") % {"path": path.name, "code": province_code}
        )
    return {code: [province, *communes[code]] for code, province in provinces.items()}


@dataclass(frozen=True)
class ProvinceMerge:
    new_code: str
    new_name: str
    old_code: str
    old_name: str


def read_province_merges(path: Path) -> list[ProvinceMerge]:
    """Which 2023 province (``old_code``) makes up which province of 01/07/2025; every old
    province once."""
    merges: list[ProvinceMerge] = []
    seen: set[str] = set()
    for line, row in read_csv(path, MERGES_COLUMNS):
        merge = ProvinceMerge(
            _digits(path, line, row["new_province_code"], 2),
            _named(path, line, row["new_province_name"]),
            _digits(path, line, row["old_province_code"], 2),
            _named(path, line, row["old_province_name"]),
        )
        if merge.old_code in seen:
            raise _fail(path, line, _("province %(code)s appears twice.") % {"code": merge.old_code})
        seen.add(merge.old_code)
        merges.append(merge)
    if not merges:
        raise DataFileError(_("%(path)s lists no province.") % {"path": path.name})
    return merges


@dataclass(frozen=True)
class ReformRow:
    """One line of the 2025 mapping: an old commune (list of 01/03/2025) goes to a new one, in
    full or, for a commune split between two new ones, in part."""

    line: int
    old_code: str
    old_name: str
    new_code: str
    new_name: str
    share: str  # "full" or "partial"


def read_reform_2025(path: Path, province_code: str) -> list[ReformRow]:
    """The old → new commune mapping of 01/07/2025 for the communes of ``province_code`` (old
    side). An old commune goes to one new commune in full, or to two or more in part."""
    rows: list[ReformRow] = []
    shares: dict[str, list[ReformRow]] = {}
    for line, row in read_csv(path, REFORM_COLUMNS):
        if _digits(path, line, row["old_province_code"], 2) != province_code:
            continue
        _digits(path, line, row["new_province_code"], 2)
        if row["share"] not in ("full", "partial"):
            raise _fail(path, line, _("share “%(share)s” must be full or partial.") % {"share": row["share"]})
        reform = ReformRow(
            line,
            _digits(path, line, row["old_commune_code"], 5),
            _named(path, line, row["old_commune_name"]),
            _digits(path, line, row["new_commune_code"], 5),
            _named(path, line, row["new_commune_name"]),
            row["share"],
        )
        earlier = shares.setdefault(reform.old_code, [])
        if any(other.new_code == reform.new_code for other in earlier):
            raise _fail(path, line, _("commune %(code)s appears twice.") % {"code": reform.old_code})
        if earlier and (reform.share == "full" or earlier[0].share == "full"):
            raise _fail(
                path,
                line,
                _("commune %(code)s goes to several new communes: every share must be partial.")
                % {"code": reform.old_code},
            )
        earlier.append(reform)
        rows.append(reform)
    for old_code, links in shares.items():
        if links[0].share == "partial" and len(links) < 2:
            raise _fail(
                path,
                links[0].line,
                _("commune %(code)s has a partial share but no other part.") % {"code": old_code},
            )
    if not rows:
        raise DataFileError(
            _("%(path)s has no province with code %(code)s.") % {"path": path.name, "code": province_code}
        )
    return rows


@dataclass(frozen=True)
class CommuneChange:
    """A commune of 10/04/2023 that was removed, renamed or moved to another district by
    01/03/2025 (Nghệ An's round of 01/12/2024)."""

    line: int
    code: str
    name_before: str
    district_before: str
    status: str  # CHANGE_REMOVED, CHANGE_RENAMED or CHANGE_MOVED
    name_after: str = ""
    district_after: str = ""
    district_name_after: str = ""


def read_commune_changes_2024(path: Path) -> list[CommuneChange]:
    """``nghe_an_communes_2023_vs_2025-03.csv``: each changed commune once; a removed one has
    nothing after, a renamed or moved one its name and district after."""
    changes: list[CommuneChange] = []
    seen: set[str] = set()
    for line, row in read_csv(path, CHANGES_2024_COLUMNS):
        code = _digits(path, line, row["commune_code"], 5)
        district = _digits(path, line, row["district_code_2023"], 3)
        name = _named(path, line, row["name_2023"])
        status = row["status"]
        if status not in (CHANGE_REMOVED, CHANGE_RENAMED, CHANGE_MOVED):
            raise _fail(path, line, _("unknown status “%(status)s”.") % {"status": status})
        if code in seen:
            raise _fail(path, line, _("commune %(code)s appears twice.") % {"code": code})
        seen.add(code)
        if status == CHANGE_REMOVED:
            changes.append(CommuneChange(line, code, name, district, status))
            continue
        name_after = _named(path, line, row["name_2025-03"])
        if commune_kind_of(name_after) is None:
            raise _fail(path, line, _("unknown unit type “%(type)s”.") % {"type": name_after.split(" ")[0]})
        changes.append(
            CommuneChange(
                line,
                code,
                name,
                district,
                status,
                name_after,
                _digits(path, line, row["district_code_2025-03"], 3),
                _named(path, line, row["district_name_2025-03"]),
            )
        )
    return changes


@dataclass(frozen=True)
class CommuneMerger:
    """Where a commune removed on 01/12/2024 went: ``merged_into`` (a commune code) where the
    sources support it, None where they do not (``confidence`` "low/unresolved"; ``notes``
    names candidates)."""

    line: int
    code: str
    name: str
    district: str
    merged_into: str | None
    merged_into_name: str
    confidence: str
    notes: str


def read_commune_mergers_2024(path: Path) -> list[CommuneMerger]:
    """``nghe_an_communes_2024_mergers.csv``: a successor code with a “medium …” confidence, or
    none with “low/unresolved”."""
    mergers: list[CommuneMerger] = []
    seen: set[str] = set()
    for line, row in read_csv(path, MERGERS_2024_COLUMNS):
        code = _digits(path, line, row["old_commune_code"], 5)
        if code in seen:
            raise _fail(path, line, _("commune %(code)s appears twice.") % {"code": code})
        seen.add(code)
        confidence = row["confidence"]
        if confidence == CONFIDENCE_UNRESOLVED:
            if row["merged_into_code"]:
                raise _fail(path, line, _("an unresolved merger names no successor; this one names one."))
            merged_into = None
        elif confidence.startswith("medium"):
            merged_into = _digits(path, line, row["merged_into_code"], 5)
        else:
            raise _fail(path, line, _("unknown confidence “%(value)s”.") % {"value": confidence})
        mergers.append(
            CommuneMerger(
                line,
                code,
                _named(path, line, row["old_commune_name"]),
                _digits(path, line, row["old_district_code"], 3),
                merged_into,
                row["merged_into_name"],
                confidence,
                row["notes"],
            )
        )
    return mergers


def admin_units_2024(
    rows_2023: list[UnitRow], changes: list[CommuneChange], mergers: list[CommuneMerger], *, path: Path
) -> list[UnitRow]:
    """Nghệ An as of 01/12/2024: the 2023 rows with the removed communes gone, the renamed ones
    under their new names, the moved ones under their new district, and the districts left with
    no commune gone (Thị xã Cửa Lò). ``path`` (the changes file) names the line of a
    disagreement between the files."""
    by_code = {row.code: row for row in rows_2023}
    districts = {row.code for row in rows_2023 if row.level == Unit.Level.DISTRICT}
    changed: dict[str, CommuneChange] = {}
    for change in changes:
        before = by_code.get(change.code)
        if before is None or before.level != Unit.Level.COMMUNE or before.parent_code != change.district_before:
            raise _fail(
                path,
                change.line,
                _("commune %(code)s is not in district %(district)s in the 2023 list.")
                % {"code": change.code, "district": change.district_before},
            )
        if change.status != CHANGE_REMOVED and change.district_after not in districts:
            raise _fail(path, change.line, _("unknown district %(code)s.") % {"code": change.district_after})
        changed[change.code] = change
    removed = {code for code, change in changed.items() if change.status == CHANGE_REMOVED}
    merged = {merger.code for merger in mergers}
    if merged != removed:
        raise DataFileError(
            _("%(path)s and the mergers file disagree on the removed communes: %(codes)s.")
            % {"path": path.name, "codes": ", ".join(sorted(merged ^ removed))}
        )
    rows: list[UnitRow] = []
    for row in rows_2023:
        change = changed.get(row.code) if row.level == Unit.Level.COMMUNE else None
        if change is None:
            rows.append(row)
        elif change.status != CHANGE_REMOVED:
            kind = commune_kind_of(change.name_after)
            rows.append(UnitRow(row.code, change.name_after, row.level, kind, change.district_after))
    kept = {row.code for row in rows}
    for merger in mergers:
        if merger.merged_into is not None and merger.merged_into not in kept:
            raise DataFileError(
                _("%(code)s: the commune it was merged into (%(into)s) is not in force after the mergers.")
                % {"code": merger.code, "into": merger.merged_into}
            )
    with_communes = {row.parent_code for row in rows if row.level == Unit.Level.COMMUNE}
    return [row for row in rows if row.level != Unit.Level.DISTRICT or row.code in with_communes]


# A structure transition's files (tasks.transitions; the command apply_transition and the
# secretariat's page) ------------------------------------------------------------------------

TRANSITION_UNIT_COLUMNS = ["province_code", "commune_code", "commune_name", "commune_kind"]  # vn_admin_units_2025-…
GENERIC_UNIT_COLUMNS = ["code", "name", "level", "kind", "parent_code"]
LEVELS = {
    "agency": Unit.Level.AGENCY,
    "district": Unit.Level.DISTRICT,
    "commune": Unit.Level.COMMUNE,
    "2": Unit.Level.AGENCY,
    "3": Unit.Level.DISTRICT,
    "4": Unit.Level.COMMUNE,
}
SHARES = ("full", "partial")
MAX_TRANSITION_ROWS = 20_000


@dataclass(frozen=True)
class MappingRow:
    """An old unit goes to a new one, in full or in part (``fraction_ppm``: millionths, or None)."""

    old_code: str
    new_code: str
    share: str
    fraction_ppm: int | None
    line: int


def _text_rows(name: str, text: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [column.strip() for column in (reader.fieldnames or [])]
    reader.fieldnames = header

    def rows():
        try:
            for count, row in enumerate(reader, 1):
                if count > MAX_TRANSITION_ROWS:
                    raise DataFileError(
                        _("%(path)s has more than %(n)s rows.") % {"path": name, "n": MAX_TRANSITION_ROWS}
                    )
                if None in row or any(value is None for value in row.values()):
                    raise DataFileError(
                        _("%(path)s, line %(line)s: the number of fields does not match the header.")
                        % {"path": name, "line": reader.line_num}
                    )
                yield reader.line_num, {key: value.strip() for key, value in row.items()}
        except csv.Error as exc:
            raise DataFileError(_("%(path)s is not valid CSV: %(error)s") % {"path": name, "error": exc}) from exc

    return header, rows()


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise DataFileError(_("File not found: %(path)s") % {"path": path})
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(_("%(path)s is not UTF-8 text.") % {"path": path.name}) from exc


def _line_fail(name: str, line: int, reason: str) -> DataFileError:
    return DataFileError(_("%(path)s, line %(line)s: %(reason)s") % {"path": name, "line": line, "reason": reason})


def read_transition_units(path: Path, province_code: str) -> list[UnitRow]:
    """The new units of a transition, from a file: see ``parse_transition_units``."""
    return parse_transition_units(path.name, _read_text(path), province_code)


def parse_transition_units(name: str, text: str, province_code: str) -> list[UnitRow]:
    """The new units of a transition in ``province_code``, parents first.

    Two formats: the national list of 01/07/2025 (``province_code, …, commune_code, commune_name,
    commune_kind``: the province's communes, directly under it), or the generic
    ``code,name,level,kind,parent_code`` (agencies, or any unit; an empty parent is the province).
    """
    header, rows = _text_rows(name, text)
    result: list[UnitRow] = []
    seen: set[str] = set()
    kinds = set(Unit.Kind.values)
    if all(column in header for column in TRANSITION_UNIT_COLUMNS):
        for line, row in rows:
            if row["province_code"] != province_code:
                continue
            code = row["commune_code"]
            if not (code.isdigit() and len(code) == 5):
                raise _line_fail(name, line, _("code “%(code)s” must have %(n)s digits.") % {"code": code, "n": 5})
            if row["commune_kind"] not in kinds:
                raise _line_fail(name, line, _("unknown unit type “%(type)s”.") % {"type": row["commune_kind"]})
            if not row["commune_name"]:
                raise _line_fail(name, line, _("the name is empty."))
            if code in seen:
                raise _line_fail(name, line, _("code %(code)s appears twice.") % {"code": code})
            seen.add(code)
            result.append(UnitRow(code, row["commune_name"], Unit.Level.COMMUNE, row["commune_kind"], province_code))
        if not result:
            raise DataFileError(
                _("%(path)s has no province with code %(code)s.") % {"path": name, "code": province_code}
            )
        return result
    if not all(column in header for column in GENERIC_UNIT_COLUMNS):
        raise DataFileError(
            _("%(path)s: missing columns %(columns)s (the first line must name the columns).")
            % {"path": name, "columns": ", ".join(GENERIC_UNIT_COLUMNS)}
        )
    for line, row in rows:
        code = row["code"]
        if not re.match(r"^[A-Za-z0-9_-]{1,20}$", code):
            raise _line_fail(name, line, _("code “%(code)s” must be 1–20 letters or digits.") % {"code": code})
        if code in seen:
            raise _line_fail(name, line, _("code %(code)s appears twice.") % {"code": code})
        if not row["name"]:
            raise _line_fail(name, line, _("the name is empty."))
        level = LEVELS.get(row["level"].lower())
        if level is None:
            raise _line_fail(
                name, line, _("unknown level “%(level)s” (agency, district or commune).") % {"level": row["level"]}
            )
        if row["kind"] not in kinds:
            raise _line_fail(name, line, _("unknown unit type “%(type)s”.") % {"type": row["kind"]})
        seen.add(code)
        result.append(UnitRow(code, row["name"], level, row["kind"], row["parent_code"] or province_code))
    if not result:
        raise DataFileError(_("%(path)s lists no unit.") % {"path": name})
    return sorted(result, key=lambda row: row.level)


def read_transition_mapping(path: Path, province_code: str) -> list[MappingRow]:
    """Where each old unit goes, from a file: see ``parse_transition_mapping``."""
    return parse_transition_mapping(path.name, _read_text(path), province_code)


def parse_transition_mapping(name: str, text: str, province_code: str) -> list[MappingRow]:
    """Rows ``old_commune_code,new_commune_code,share`` (or ``old_code,new_code,share``), with an
    optional ``fraction`` (0,4 or 0.4 or 40%) or ``fraction_ppm`` (400000) column; when the file
    has ``old_province_code``, only the rows of ``province_code`` are read."""
    header, rows = _text_rows(name, text)
    if "old_commune_code" in header:
        old_column, new_column = "old_commune_code", "new_commune_code"
    else:
        old_column, new_column = "old_code", "new_code"
    missing = [column for column in (old_column, new_column, "share") if column not in header]
    if missing:
        raise DataFileError(
            _("%(path)s: missing columns %(columns)s (the first line must name the columns).")
            % {"path": name, "columns": ", ".join(missing)}
        )
    result: list[MappingRow] = []
    seen: set[tuple[str, str]] = set()
    for line, row in rows:
        if "old_province_code" in row and row["old_province_code"] != province_code:
            continue
        old, new, share = row[old_column], row[new_column], row["share"].lower() or "full"
        if not old or not new:
            raise _line_fail(name, line, _("the old and the new code are both required."))
        if share not in SHARES:
            raise _line_fail(name, line, _("the share is “full” or “partial”, not “%(share)s”.") % {"share": share})
        fraction = _fraction(row.get("fraction", ""), row.get("fraction_ppm", ""))
        if fraction == -1:
            raise _line_fail(name, line, _("the fraction is a number above 0 and at most 1, e.g. 0,4 or 40%."))
        if (old, new) in seen:
            raise _line_fail(name, line, _("%(old)s → %(new)s appears twice.") % {"old": old, "new": new})
        seen.add((old, new))
        result.append(MappingRow(old, new, share, fraction, line))
    if not result:
        raise DataFileError(_("%(path)s maps no unit of province %(code)s.") % {"path": name, "code": province_code})
    return result


def _fraction(text: str, ppm: str) -> int | None:
    """Millionths from "0,4", "0.4", "40%" or a ``fraction_ppm`` of "400000"; None when empty; -1 when wrong."""
    text, ppm = text.strip(), ppm.strip()
    try:
        if ppm:
            value = int(ppm)
        elif text:
            percent = text.endswith("%")
            number = decimal.Decimal(text.rstrip("%").strip().replace(",", "."))
            value = int((number * (10_000 if percent else 1_000_000)).to_integral_value())
        else:
            return None
    except (ValueError, OverflowError, decimal.InvalidOperation):
        return -1
    return value if 1 <= value <= 1_000_000 else -1


def read_transition_closures(path: Path) -> dict[str, str]:
    return parse_transition_closures(path.name, _read_text(path))


def parse_transition_closures(name: str, text: str) -> dict[str, str]:
    """Rows ``code,reason``: the units whose open work is closed instead of carried, and why."""
    header, rows = _text_rows(name, text)
    if "code" not in header or "reason" not in header:
        raise DataFileError(
            _("%(path)s: missing columns %(columns)s (the first line must name the columns).")
            % {"path": name, "columns": "code, reason"}
        )
    result: dict[str, str] = {}
    for line, row in rows:
        if not row["code"] or not row["reason"]:
            raise _line_fail(name, line, _("the code and the reason are both required."))
        if row["code"] in result:
            raise _line_fail(name, line, _("code %(code)s appears twice.") % {"code": row["code"]})
        result[row["code"]] = row["reason"]
    return result

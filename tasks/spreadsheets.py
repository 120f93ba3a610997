"""Reading the spreadsheets the secretariat imports: indicator figures per unit, assignments.

This is the reading layer only; what a row means is decided by the import (``tasks.imports``).

The file is checked before anything parses it: its size, its type from its content (an .xlsx must be a
ZIP package of a workbook, checked through its central directory with the same limits as evidence files,
macros refused; a .csv must be UTF-8 text). Then the first sheet is read row by row, never more than the
row limit, and formulas are never evaluated: a formula cell reads as the value Excel saved with it.

Cells are read as Vietnamese users write them: dates day first (05/03/2026 is 5 March), "1.269.779" is
a number. Units are matched by code, or by name without accents or prefixes ("UBND xã Diễn Kỷ" is "Xã
Diễn Kỷ"); a name that fits several units is an error to be fixed in the file, never a guess.
"""

import codecs
import contextlib
import csv
import datetime
import decimal
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

import openpyxl
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from projectsite.text import number
from units.models import Unit
from units.text import search_key

from .uploads import XLSX, _check_office_package, _starts_like

MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000

# How much of a CSV is checked before reading it; the rest is checked while it is read.
CSV_CHECK_BYTES = 64 * 1024
# The header row is looked for in the first rows only (a title, a subtitle, an empty row may come first).
MAX_HEADER_ROW = 20
# Excel has no row beyond this one: a file that claims more is not a spreadsheet someone typed.
MAX_SHEET_ROW = 1_048_576

EXTENSIONS = {".xlsx": "xlsx", ".csv": "csv"}


class ImportFileError(ValidationError):
    """A file that cannot be imported; ``code`` says why, the message names the file."""


def _refuse(message: str, code: str, name: str, **params) -> ImportFileError:
    return ImportFileError(message, code=code, params={"name": name, **params})


# The file ----------------------------------------------------------------------------------------------


def check_import_file(uploaded: UploadedFile) -> str:
    """Return "xlsx" or "csv", or raise ImportFileError naming the file; nothing is parsed, the file is left at 0."""
    name = uploaded.name or ""
    if uploaded.size > MAX_IMPORT_BYTES:
        raise _refuse(
            _("“%(name)s” is larger than %(size)s."), "too_large", name, size=f"{MAX_IMPORT_BYTES // 2**20} MB"
        )
    if not uploaded.size:
        raise _refuse(_("“%(name)s” is empty."), "empty", name)
    extension = PurePath(name).suffix.lower()
    kind = EXTENSIONS.get(extension)
    if kind is None:
        raise _refuse(
            _("“%(name)s” cannot be imported: save it as an Excel workbook (.xlsx) or as “CSV UTF-8” (.csv)."),
            "bad_extension",
            name,
        )
    try:
        uploaded.seek(0)
        if kind == "xlsx":
            _check_xlsx(uploaded, name, extension)
        else:
            _check_csv_start(uploaded, name)
    finally:
        uploaded.seek(0)
    return kind


def _check_xlsx(uploaded: UploadedFile, name: str, extension: str) -> None:
    """A ZIP package with a workbook and no macros, whose declared sizes are reasonable (see ``uploads``)."""
    params = {"name": name, "extension": extension}
    if not _starts_like(XLSX, uploaded.read(4)):
        raise ImportFileError(
            _("“%(name)s” does not contain what its name says (%(extension)s)."), code="bad_content", params=params
        )
    uploaded.seek(0)
    try:
        _check_office_package(uploaded, XLSX, params)
    except ValidationError as error:
        raise ImportFileError(error.message, code=error.code, params=error.params) from error


def _not_utf8(name: str) -> ImportFileError:
    return _refuse(
        _("“%(name)s” is not UTF-8 text. In Excel, save it as “CSV UTF-8 (Comma delimited)”."), "bad_content", name
    )


def _check_csv_start(uploaded: UploadedFile, name: str) -> None:
    """The first 64 KB decode as UTF-8 (a BOM is allowed) and hold no NUL byte."""
    head = uploaded.read(CSV_CHECK_BYTES)
    if b"\x00" in head:
        raise _not_utf8(name)
    try:
        # A character cut by the 64 KB boundary is not an error: the rest is checked while reading.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) >= uploaded.size)
    except UnicodeDecodeError as error:
        raise _not_utf8(name) from error


# The table ---------------------------------------------------------------------------------------------


@dataclass
class Table:
    headers: list[str]  # the header row as written in the file, stripped
    rows: list[tuple[int, dict[str, object]]]  # (row number as Excel shows it, {canonical key: value})
    columns: dict[str, str] = field(default_factory=dict)  # canonical key -> the header it was read from
    header_row: int = 1  # the row number of the header row


def read_table(
    uploaded: UploadedFile, *, columns: dict[str, tuple[str, ...]], max_rows: int = MAX_IMPORT_ROWS
) -> Table:
    """The rows of the first sheet (or of the CSV) under the recognised ``columns``.

    The file is checked first (``check_import_file``). The header row is the first row, among the first
    20, in which a cell is one of the spellings of ``columns`` (compared without accents, case or
    punctuation); rows above it (a title) are ignored, and so are columns not in ``columns``. Values are
    as read: str (stripped), int, float, datetime from an .xlsx; str from a CSV; an empty cell is None.
    Rows with nothing in the recognised columns are skipped. Reading stops at the first row beyond
    ``max_rows``, with ImportFileError "too_many_rows".
    """
    name = uploaded.name or ""
    kind = check_import_file(uploaded)
    spellings = _spellings(columns)
    raw = _xlsx_rows(uploaded, name) if kind == "xlsx" else _csv_rows(uploaded, name, spellings)
    try:
        with contextlib.closing(raw):
            return _table(raw, name, spellings, max_rows)
    finally:
        uploaded.seek(0)


def missing_columns(table: Table, required: Iterable[Iterable[str]]) -> list[str]:
    """The groups of ``required`` of which the table has no column, as "code / name" (one of them is enough)."""
    missing = []
    for group in required:
        keys = sorted(group) if isinstance(group, set | frozenset) else list(group)
        if not any(key in table.columns for key in keys):
            missing.append(" / ".join(keys))
    return missing


_PUNCTUATION = re.compile(r"[\W_]+")


def _header_key(text: object) -> str:
    """A header or a spelling compared without accents, case, punctuation: "Mã ĐV:" -> "ma dv"."""
    return " ".join(_PUNCTUATION.sub(" ", search_key(str(text))).split())


def _spellings(columns: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """{header key: canonical key}; a spelling given for two keys is a programming error."""
    spellings: dict[str, str] = {}
    for key, accepted in columns.items():
        for spelling in accepted:
            header = _header_key(spelling)
            if spellings.setdefault(header, key) != key:
                raise ValueError(f"“{spelling}” is a spelling of both {spellings[header]} and {key}")
    return spellings


def _cell(value: object) -> object:
    if isinstance(value, str):
        return value.strip() or None
    return value


def _table(raw: Iterator[tuple[int, tuple]], name: str, spellings: dict[str, str], max_rows: int) -> Table:
    header_row = 0
    for row_number, values in raw:
        if row_number > MAX_HEADER_ROW:
            break
        if any(_header_key(value) in spellings for value in values if _cell(value) is not None):
            header_row = row_number
            break
    if not header_row:
        raise _refuse(
            _("“%(name)s” has no header row with the expected column names in its first %(rows)s rows."),
            "no_header",
            name,
            rows=MAX_HEADER_ROW,
        )

    headers = ["" if _cell(value) is None else str(value).strip() for value in values]
    while headers and not headers[-1]:
        headers.pop()
    positions: dict[str, int] = {}
    for position, header in enumerate(headers):
        key = spellings.get(_header_key(header)) if header else None
        if key is None:
            continue
        if key in positions:
            raise _refuse(
                _("In “%(name)s”, the columns “%(first)s” and “%(second)s” mean the same thing: keep only one."),
                "duplicate_column",
                name,
                first=headers[positions[key]],
                second=header,
            )
        positions[key] = position

    rows: list[tuple[int, dict[str, object]]] = []
    for row_number, values in raw:
        if row_number > MAX_SHEET_ROW:
            raise _too_many_rows(name, max_rows)
        record = {key: _cell(values[at]) if at < len(values) else None for key, at in positions.items()}
        if all(value is None for value in record.values()):
            continue
        if len(rows) == max_rows:
            raise _too_many_rows(name, max_rows)
        rows.append((row_number, record))
    return Table(
        headers=headers,
        rows=rows,
        columns={key: headers[position] for key, position in positions.items()},
        header_row=header_row,
    )


def _too_many_rows(name: str, max_rows: int) -> ImportFileError:
    return _refuse(
        _("“%(name)s” has more than %(max)s rows: split it into several files."),
        "too_many_rows",
        name,
        max=number(max_rows),
    )


def _corrupt(name: str) -> ImportFileError:
    return _refuse(_("“%(name)s” is damaged or is not a real spreadsheet."), "corrupt", name)


def _xlsx_rows(uploaded: UploadedFile, name: str) -> Iterator[tuple[int, tuple]]:
    """(row number, values) of the first sheet, one row at a time; formulas read as their saved values."""
    uploaded.seek(0)
    try:
        workbook = openpyxl.load_workbook(uploaded, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds of errors on a damaged package
        raise _corrupt(name) from error
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        # The dimension a file declares may be wrong; read the rows that are there instead.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(min_row=1, values_only=True)
        row_number = 0
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as error:
                raise _corrupt(name) from error
            row_number += 1  # openpyxl fills the rows missing from the file with empty ones
            yield row_number, values
    finally:
        workbook.close()


def _csv_rows(uploaded: UploadedFile, name: str, spellings: dict[str, str]) -> Iterator[tuple[int, tuple]]:
    """(row number, values) of a UTF-8 CSV, one record at a time, the delimiter ',' or ';'."""
    uploaded.seek(0)
    delimiter = _csv_delimiter(uploaded.read(CSV_CHECK_BYTES).decode("utf-8-sig", "ignore"), spellings)
    uploaded.seek(0)
    text = io.TextIOWrapper(uploaded, encoding="utf-8-sig", newline="")
    try:
        # A record is a row in Excel even when a quoted cell holds line breaks.
        for row_number, values in enumerate(csv.reader(text, delimiter=delimiter), start=1):
            if any("\x00" in value for value in values):
                raise _not_utf8(name)
            yield row_number, tuple(values)
    except UnicodeDecodeError as error:
        raise _not_utf8(name) from error
    except csv.Error as error:  # e.g. a cell longer than the csv module's field limit
        raise _corrupt(name) from error
    finally:
        text.detach()  # leave the uploaded file open


def _csv_delimiter(head: str, spellings: dict[str, str]) -> str:
    """The delimiter that splits the header row into the most recognised columns."""
    scores = {}
    for delimiter in (",", ";"):
        scores[delimiter] = 0
        with contextlib.suppress(csv.Error):
            for row_number, values in enumerate(csv.reader(io.StringIO(head), delimiter=delimiter), start=1):
                found = sum(1 for value in values if _header_key(value) in spellings)
                if found or row_number >= MAX_HEADER_ROW:
                    scores[delimiter] = found
                    break
    if scores[","] == scores[";"]:
        return ";" if head.count(";") > head.count(",") else ","
    return max(scores, key=scores.get)


# Cells -------------------------------------------------------------------------------------------------

_DAY_FIRST = re.compile(r"([0-9]{1,2})([/-])([0-9]{1,2})\2([0-9]{4})")
_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")


def parse_date(value: object) -> datetime.date:
    """A date from Excel, or written "dd/mm/yyyy", "d/m/yyyy", "dd-mm-yyyy", "yyyy-mm-dd"; else ValueError.

    The day always comes first: "05/03/2026" is 5 March 2026, and "03/15/2026" is refused, not read as
    15 March. A number (an Excel serial day not formatted as a date) is refused too.
    """
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    if match := _DAY_FIRST.fullmatch(text):
        day, _separator, month, year = match.groups()
    elif match := _ISO.fullmatch(text):
        year, month, day = match.groups()
    else:
        raise ValueError(f"not a date: {value!r}")
    return datetime.date(int(year), int(month), int(day))  # ValueError for 31/02


_PLAIN = re.compile(r"-?[0-9]+")
_GROUPED = re.compile(r"-?[0-9]{1,3}(?:([. ])[0-9]{3})(?:\1[0-9]{3})*")


def parse_int(value: object) -> int:
    """A whole number: 1269779, 1269779.0, "1269779", "1.269.779", "1 269 779"; else ValueError.

    "." groups thousands as Vietnamese write them; a decimal ("12,5", "12.5") or a wrong grouping
    ("1.2345") is refused, never rounded. Negative numbers are returned.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float | decimal.Decimal):
        if not math.isfinite(value) or value != int(value):
            raise ValueError(f"not a whole number: {value!r}")
        return int(value)
    if not isinstance(value, str):
        raise ValueError(f"not a number: {value!r}")
    # Excel writes the groups of a formatted number with a no-break space.
    text = value.replace("\u00a0", " ").replace("\u202f", " ").strip()
    if _PLAIN.fullmatch(text) or _GROUPED.fullmatch(text):
        return int(text.replace(".", "").replace(" ", ""))
    raise ValueError(f"not a whole number: {value!r}")


# Units -------------------------------------------------------------------------------------------------

UNIT_PREFIXES = ("ubnd", "uy ban nhan dan", "xa", "phuong", "thi tran", "huyen", "thi xa", "thanh pho", "quan", "tinh")

# "UBND" first, then one level prefix ("UBND xã", "Huyện"), not more: "Phường Quán Bàu" is "quan bau".
# The level prefixes are also words of names ("Xá Lượng", "Quán Bàu"), so a prefix written with accents
# must be written exactly; one written without any accent is a prefix too, and the matcher also tries
# the name keeping it.
_COUNCIL_PREFIXES = ("ubnd", "uy ban nhan dan")
_ACCENTED_PREFIXES = {
    "xa": "xã",
    "phuong": "phường",
    "thi tran": "thị trấn",
    "huyen": "huyện",
    "thi xa": "thị xã",
    "thanh pho": "thành phố",
    "quan": "quận",
    "tinh": "tỉnh",
}
# The levels of unit a prefix names: "Thị trấn Diễn Châu" is not "Huyện Diễn Châu", though both are "dien chau".
_PREFIX_LEVELS = {
    "xa": {Unit.Level.COMMUNE},
    "phuong": {Unit.Level.COMMUNE},
    "thi tran": {Unit.Level.COMMUNE},
    "huyen": {Unit.Level.DISTRICT},
    "quan": {Unit.Level.DISTRICT},
    "thi xa": {Unit.Level.DISTRICT},
    "thanh pho": {Unit.Level.DISTRICT, Unit.Level.PROVINCE},
    "tinh": {Unit.Level.PROVINCE},
}


def _words(name: str) -> list[str]:
    return _PUNCTUATION.sub(" ", unicodedata.normalize("NFC", str(name)).lower()).split()


def _strip_prefix(words: list[str], prefix: str, accented: str | None = None) -> list[str] | None:
    """``words`` after ``prefix``, or None when they do not start with it (or nothing would be left)."""
    size = len(prefix.split())
    if len(words) <= size:
        return None
    start = " ".join(words[:size])
    if search_key(start) != prefix:
        return None
    if accented is not None and start not in (prefix, accented):
        return None  # "xá", "quán": a name, not a prefix
    return words[size:]


@dataclass(frozen=True)
class _Name:
    key: str  # without prefixes
    prefix: str | None  # the level prefix written, accent-free: "xa", "huyen"
    unstripped: str | None  # the key keeping a prefix written without accents: "xa luong" may be "Xá Lượng"


def _parse_name(name: str) -> _Name:
    words = _words(name)
    for prefix in _COUNCIL_PREFIXES:
        if (rest := _strip_prefix(words, prefix)) is not None:
            words = rest
            break
    for prefix in UNIT_PREFIXES:
        if prefix in _COUNCIL_PREFIXES:
            continue
        if (rest := _strip_prefix(words, prefix, _ACCENTED_PREFIXES.get(prefix))) is not None:
            bare = " ".join(words[: len(words) - len(rest)]) == prefix
            return _Name(search_key(" ".join(rest)), prefix, search_key(" ".join(words)) if bare else None)
    return _Name(search_key(" ".join(words)), None, None)


def unit_key(name: str) -> str:
    """A unit's name without accents, case, punctuation or prefix: "UBND xã Diễn Kỷ." -> "dien ky"."""
    return _parse_name(name).key


class MatchError(Exception):
    """No unit, or several, for what a row says."""

    def __init__(self, kind: str, value: str = "", candidates: Iterable[Unit] = ()):
        self.kind = kind  # "unknown" | "ambiguous" | "ambiguous_number" | "not_a_code"
        self.value = value
        self.candidates = list(candidates)
        super().__init__(f"{kind}: {value!r}")


# The official width of a numeric unit code per level (the General Statistics Office's list): Hà Nội is
# 01, its district Ba Đình 001, its ward Phúc Xá 00001. Agencies have no official numeric code.
CODE_WIDTHS = {Unit.Level.PROVINCE: 2, Unit.Level.DISTRICT: 3, Unit.Level.COMMUNE: 5}


def _code_key(code: object) -> str:
    """Codes are the official strings: compared as written (spaces around and case aside), so "01",
    "001" and "00001" stay three codes and "016663" is not 16663."""
    return str(code).strip().lower()


def _cell_number(value: object) -> int | None:
    """The whole number an .xlsx cell holds (Excel keeps 00001 as the number 1), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    return None


def _padded(number: int, level: int) -> str | None:
    """``number`` written as a code of ``level`` with its official zeros, or None if it cannot be one."""
    width = CODE_WIDTHS.get(level)
    text = str(number)
    return text.zfill(width) if width is not None and number >= 0 and len(text) <= width else None


class UnitMatcher:
    """Finds the unit a row means, among ``units`` (load them with ``select_related("parent")``)."""

    def __init__(self, units: Iterable[Unit]):
        self.by_code: dict[str, list[Unit]] = {}
        self.by_name: dict[str, list[Unit]] = {}
        self.by_pk: dict[int, Unit] = {}
        for unit in units:
            self.by_code.setdefault(_code_key(unit.code), []).append(unit)
            self.by_name.setdefault(unit_key(unit.name), []).append(unit)
            if unit.pk is not None:
                self.by_pk[unit.pk] = unit

    def match(self, *, code: str | None, name: str | None, parent_hint: str | None = None) -> Unit:
        """The unit with ``code`` if given, else the one named ``name``; MatchError otherwise, never a guess.

        A prefix written in the name keeps the units of its level ("Thị trấn Diễn Châu" is not "Huyện Diễn
        Châu"). A name shared by units of different districts is "ambiguous" unless ``parent_hint`` (the
        name or the code of the parent unit, or of its area: in the two-level structure a commune
        directly under the province is its own area) leaves one. A code or name that several units
        had at different times (16681 was Phường Quang Trung, and is Phường Thành Vinh since
        01/07/2025) means the unit in force when one is.
        """
        if isinstance(code, (int, float)) and not isinstance(code, bool):
            return self._by_number(code, parent_hint)
        if code is not None and str(code).strip():
            found = self.by_code.get(_code_key(code), [])
            return self._one(found, str(code).strip(), parent_hint)
        if name is None or not str(name).strip():
            raise MatchError("unknown")
        parsed = _parse_name(name)
        levels = _PREFIX_LEVELS.get(parsed.prefix)
        found = [unit for unit in self.by_name.get(parsed.key, []) if levels is None or unit.level in levels]
        if parsed.unstripped is not None:  # "xa luong": "Xã Lượng" or "Xá Lượng"
            found += [unit for unit in self.by_name.get(parsed.unstripped, []) if unit not in found]
        return self._one(found, str(name).strip(), parent_hint)

    def _by_number(self, value: float, parent_hint: object) -> Unit:
        """A code cell holding a number: accepted only when, written with the official zeros of a level
        (2 digits province, 3 district, 5 commune), it is the code of exactly one unit here; Hà Nội's
        1 could be 01, 001 or 00001 and is refused ("ambiguous_number"), never guessed."""
        number = _cell_number(value)
        if number is None or number < 0:
            raise MatchError("not_a_code", str(value))
        found = [
            unit
            for level in CODE_WIDTHS
            if (code := _padded(number, level)) is not None
            for unit in self.by_code.get(code, [])
            if unit.level == level
        ]
        if len({unit.code for unit in found}) > 1:
            raise MatchError("ambiguous_number", str(number), found)
        return self._one(found, str(number), parent_hint)

    def _one(self, found: list[Unit], value: str, parent_hint: object) -> Unit:
        if not found:
            raise MatchError("unknown", value)
        if len(found) > 1 and any(unit.is_active for unit in found):
            found = [unit for unit in found if unit.is_active]
        if len(found) > 1 and parent_hint is not None and str(parent_hint).strip():
            narrowed = [unit for unit in found if self._under(unit, parent_hint)]
            if narrowed:
                found = narrowed
        if len(found) > 1:
            raise MatchError("ambiguous", value, found)
        return found[0]

    def _under(self, unit: Unit, hint: object) -> bool:
        """The hint names the unit's parent, or its area (a district, or the commune itself)."""
        parent = self.by_pk.get(unit.parent_id) if unit.parent_id is not None else None
        if parent is None:
            parent = unit.parent  # an unsaved unit's parent, or one not among the units
        area = unit if unit.area_id is not None and unit.area_id == unit.pk else self.by_pk.get(unit.area_id)
        number = _cell_number(hint) if not isinstance(hint, str) else None
        return any(
            (candidate.code == _padded(number, candidate.level))
            if number is not None
            else (_code_key(hint) == _code_key(candidate.code) or unit_key(str(hint)) == unit_key(candidate.name))
            for candidate in (parent, area)
            if candidate is not None
        )

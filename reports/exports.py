"""Excel (.xlsx) downloads of the tables the secretariat sees.

One generic builder: a view passes a title, the report date, the columns (already translated headers plus a
kind) and the rows; it gets back the bytes of a workbook and wraps them with ``xlsx_response``.

Layout of the sheet::

    row 1  title (bold, larger, merged across the columns)
    row 2  "Ngày báo cáo: dd/mm/yyyy" [· subtitle]
    row 3  (empty)
    row 4  headers (bold, light fill, wrapped), panes frozen below it, autofilter over headers + data
    row 5… data

Values are written as real numbers and dates so that users can sort, filter and sum them in Excel.
"""

import datetime
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# The download's headers are shared with the import templates (tasks), a layer below.
from projectsite.downloads import XLSX_CONTENT_TYPE, xlsx_response  # noqa: F401

# Datetimes are shown in Vietnam's local time whatever timezone is active for the request.
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

KINDS = frozenset({"text", "int", "decimal", "percent", "date", "datetime"})

NUMBER_FORMATS = {
    "int": "#,##0",
    "decimal": "#,##0.0",
    "percent": "0.0%",
    "date": "DD/MM/YYYY",
    "datetime": "DD/MM/YYYY HH:MM",
}

HEADER_ROW = 4
FIRST_DATA_ROW = HEADER_ROW + 1

# Characters that make a spreadsheet (Excel, LibreOffice, Google Sheets) read a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Excel refuses cells longer than this.
MAX_CELL_CHARS = 32767

# Excel sheet names: at most 31 characters, none of these.
SHEET_NAME_FORBIDDEN_RE = re.compile(r"[\[\]:*?/\\]")
DEFAULT_SHEET_NAME = "Báo cáo"

TITLE_STYLE = {"bold": True, "font_size": 14}
HEADER_STYLE = {"bold": True, "bg_color": "#DDEBF7", "pattern": 1, "text_wrap": True, "valign": "vcenter"}


@dataclass(frozen=True)
class Column:
    header: str  # Vietnamese header text, already translated by the caller
    kind: str = "text"  # "text" | "int" | "decimal" | "percent" | "date" | "datetime"
    width: int = 18  # column width in characters

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Unknown column kind {self.kind!r}; expected one of {sorted(KINDS)}")


def safe_text(value) -> str:
    """Text that a spreadsheet will never treat as a formula.

    Formula injection ("CSV injection", OWASP): a cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab
    or a carriage return may be evaluated as a formula by the spreadsheet that opens the file, e.g.
    ``=HYPERLINK("http://evil", "Bấm vào đây")``. Following the OWASP guidance, such text is prefixed with a
    single quote ``'`` so that it can never start a formula; the apostrophe stays visible, which is the accepted
    price for a text that is unambiguous in every spreadsheet program. The builder additionally forces the
    cell to be a string (``write_string``) so it is never written as a formula either.

    Control characters that the xlsx format cannot hold are dropped (before the check, so that they cannot hide
    a leading ``=``), and the text is cut to Excel's limit of 32,767 characters.
    """
    if value is None:
        return ""
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if text.startswith(FORMULA_TRIGGERS):
        text = "'" + text
    return text[:MAX_CELL_CHARS]


def _is_number(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    return False


def _local_naive(value: datetime.datetime) -> datetime.datetime:
    # An xlsx file cannot store tz-aware datetimes; naive ones are taken to be local time already.
    if value.tzinfo is not None and value.utcoffset() is not None:
        value = value.astimezone(LOCAL_TZ)
    return value.replace(tzinfo=None)


def _typed_value(kind: str, value):
    """The value to store for ``kind``, or ``None`` when it is of the wrong kind (it is then written as text)."""
    if kind == "int":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if kind in ("decimal", "percent"):
        return value if _is_number(value) else None
    if kind == "date":
        if isinstance(value, datetime.datetime):
            return _local_naive(value).date()
        return value if isinstance(value, datetime.date) else None
    if kind == "datetime":
        return _local_naive(value) if isinstance(value, datetime.datetime) else None
    return None


def _write_value(sheet, row: int, col: int, column: Column, value, number_format) -> None:
    if value is None:
        return  # an empty cell
    typed = None if column.kind == "text" else _typed_value(column.kind, value)
    if typed is None:
        # A string cell, whatever the text says: xlsxwriter never writes a formula through write_string.
        sheet.write_string(row, col, safe_text(value))
    elif column.kind in ("date", "datetime"):
        sheet.write_datetime(row, col, typed, number_format)
    else:
        sheet.write_number(row, col, float(typed) if isinstance(typed, Decimal) else typed, number_format)


def _sheet_title(name: str) -> str:
    name = SHEET_NAME_FORBIDDEN_RE.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", name)).strip().strip("'")
    return name[:31] or DEFAULT_SHEET_NAME


def build_workbook(
    *,
    title: str,
    report_date: datetime.date,
    columns: Sequence[Column],
    rows: Iterable[Sequence],
    sheet_name: str = DEFAULT_SHEET_NAME,
    subtitle: str = "",
) -> bytes:
    """Return the .xlsx file as bytes.

    ``rows`` may be any iterable (a list, a generator, a queryset's ``values_list``); each row must have exactly
    one value per column. ``None`` leaves the cell empty; a value of the wrong kind for its column is written as
    safe text. "percent" values are fractions (0.873 is shown as 87,3 %); aware datetimes are shown in
    Asia/Ho_Chi_Minh time.
    """
    columns = list(columns)
    if not columns:
        raise ValueError("build_workbook needs at least one column")
    ncols = len(columns)

    buffer = BytesIO()
    # xlsxwriter writes a sheet about twice as fast as openpyxl (the scorecard's 500 rows: 17 ms
    # against 45); openpyxl still reads the imported files.
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(_sheet_title(sheet_name))
    formats = {kind: workbook.add_format({"num_format": code}) for kind, code in NUMBER_FORMATS.items()}

    title_format = workbook.add_format(TITLE_STYLE)
    if ncols > 1:
        sheet.merge_range(0, 0, 0, ncols - 1, safe_text(title), title_format)
    else:
        sheet.write_string(0, 0, safe_text(title), title_format)

    date_line = f"Ngày báo cáo: {report_date:%d/%m/%Y}"
    if subtitle:
        date_line = f"{date_line} · {subtitle}"
    # The date line starts with "N", so safe_text never prefixes it; the subtitle cannot start a formula here.
    sheet.write_string(1, 0, safe_text(date_line))

    header_format = workbook.add_format(HEADER_STYLE)
    for index, column in enumerate(columns):
        sheet.write_string(HEADER_ROW - 1, index, safe_text(column.header), header_format)
        sheet.set_column(index, index, column.width)

    last = HEADER_ROW - 1  # 0-based index of the last row written
    for last, row in enumerate(rows, start=FIRST_DATA_ROW - 1):
        values = list(row)
        if len(values) != ncols:
            raise ValueError(f"Row {last - HEADER_ROW + 1} has {len(values)} values but there are {ncols} columns")
        for index, (column, value) in enumerate(zip(columns, values, strict=True)):
            _write_value(sheet, last, index, column, value, formats.get(column.kind))

    sheet.freeze_panes(HEADER_ROW, 0)
    sheet.autofilter(HEADER_ROW - 1, 0, last, ncols - 1)
    workbook.close()
    return buffer.getvalue()

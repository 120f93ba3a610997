"""Excel (.xlsx) downloads of the tables the secretariat sees.

One generic builder: a view passes a title, the report date, the columns (already translated headers plus a
kind) and the rows; it gets back the bytes of a workbook and wraps them with ``xlsx_response``. Each download's
columns and rows are built here too (``overview_rows``, ``lagging_rows``, ``scorecard_rows``, ``unit_rows`` and
their ``*_columns``), from what the selectors return, so that the views only fetch, call and respond.

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
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# The download's headers are shared with the import templates (tasks), a layer below.
from projectsite.downloads import XLSX_CONTENT_TYPE, xlsx_response  # noqa: F401
from projectsite.text import percent
from tasks.deadlines import DeadlineStatus
from tasks.indicators import TargetProgress
from tasks.models import Assignment, ExplanationRequest
from tasks.selectors import STATUS_ORDER
from units.models import Unit

from .scorecard import Scorecard
from .selectors import LaggingUnit, StatusBreakdown, on_time_rate

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


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: its title line, columns and rows (``build_workbook``'s arguments)."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    name: str = DEFAULT_SHEET_NAME
    subtitle: str = ""


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
    return build_workbook_sheets(
        report_date=report_date,
        sheets=[Sheet(title=title, columns=columns, rows=rows, name=sheet_name, subtitle=subtitle)],
    )


def build_workbook_sheets(*, report_date: datetime.date, sheets: Sequence[Sheet]) -> bytes:
    """A workbook of several sheets, each laid out as ``build_workbook``'s one (the official
    report's appendix). Sheet names are made valid and unique."""
    if not sheets:
        raise ValueError("build_workbook_sheets needs at least one sheet")
    buffer = BytesIO()
    # xlsxwriter writes a sheet about twice as fast as openpyxl (the scorecard's 500 rows: 17 ms
    # against 45); openpyxl still reads the imported files.
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    formats = {kind: workbook.add_format({"num_format": code}) for kind, code in NUMBER_FORMATS.items()}
    title_format = workbook.add_format(TITLE_STYLE)
    header_format = workbook.add_format(HEADER_STYLE)
    names: set[str] = set()
    for sheet in sheets:
        name = _sheet_title(sheet.name)
        for n in range(2, 100):
            if name.lower() not in names:
                break
            name = f"{_sheet_title(sheet.name)[:27]} ({n})"
        names.add(name.lower())
        _write_sheet(
            workbook.add_worksheet(name),
            sheet,
            report_date=report_date,
            formats=formats,
            title_format=title_format,
            header_format=header_format,
        )
    workbook.close()
    return buffer.getvalue()


def _write_sheet(worksheet, sheet: Sheet, *, report_date, formats, title_format, header_format) -> None:
    columns = list(sheet.columns)
    if not columns:
        raise ValueError("build_workbook needs at least one column")
    ncols = len(columns)
    if ncols > 1:
        worksheet.merge_range(0, 0, 0, ncols - 1, safe_text(sheet.title), title_format)
    else:
        worksheet.write_string(0, 0, safe_text(sheet.title), title_format)

    date_line = f"Ngày báo cáo: {report_date:%d/%m/%Y}"
    if sheet.subtitle:
        date_line = f"{date_line} · {sheet.subtitle}"
    # The date line starts with "N", so safe_text never prefixes it; the subtitle cannot start a formula here.
    worksheet.write_string(1, 0, safe_text(date_line))

    for index, column in enumerate(columns):
        worksheet.write_string(HEADER_ROW - 1, index, safe_text(column.header), header_format)
        worksheet.set_column(index, index, column.width)

    last = HEADER_ROW - 1  # 0-based index of the last row written
    for last, row in enumerate(sheet.rows, start=FIRST_DATA_ROW - 1):
        values = list(row)
        if len(values) != ncols:
            raise ValueError(f"Row {last - HEADER_ROW + 1} has {len(values)} values but there are {ncols} columns")
        for index, (column, value) in enumerate(zip(columns, values, strict=True)):
            _write_value(worksheet, last, index, column, value, formats.get(column.kind))

    worksheet.freeze_panes(HEADER_ROW, 0)
    worksheet.autofilter(HEADER_ROW - 1, 0, last, ncols - 1)


# The sheets of the downloads ----------------------------------------------------------
#
# Each export's columns and rows, built from what the selectors return; the views only fetch, call these and
# wrap the workbook in a response.


def file_name(title: str, day: datetime.date) -> str:
    return f"{title} {day:%d-%m-%Y}.xlsx"


def attainment_text(nodes: Iterable[TargetProgress]) -> str:
    """Indicators and their attainment, in one cell: "Indicator: 45,0 %; ..."."""
    return "; ".join(f"{node.target.indicator.name}: {percent(node.attainment or 0)}" for node in nodes)


def status_columns() -> list[Column]:
    return [Column(str(status.label), "int", 14) for status in STATUS_ORDER] + [Column(_("Total"), "int", 10)]


def overview_columns() -> list[Column]:
    return [
        Column(_("Group"), width=14),
        Column(_("Name"), width=32),
        *status_columns(),
        Column(_("On-time completion rate"), "percent", 16),
    ]


def overview_rows(breakdown: StatusBreakdown) -> list[list]:
    """The dashboard's tables in one sheet: areas (districts with their communes, or the communes
    of the two-level structure, with the district they came from), levels, documents."""
    statuses = [str(status) for status in STATUS_ORDER]
    rows = []
    areas = [{**row, "label": area_name(row)} for row in breakdown.by_area]
    for group, table, label in [
        (_("Area"), areas, "label"),
        (_("Level"), breakdown.by_level, "label"),
        (_("Document"), breakdown.by_document, "label"),  # the number, with its province where two share it
    ]:
        for row in table:
            name = row.get(label) or row.get("number")
            rows.append([group, name, *[row[s] for s in statuses], row["total"], on_time_rate(row)])
    return rows


def national_columns() -> list[Column]:
    return [
        Column(_("Rank"), "int", 8),
        Column(_("Code"), width=8),
        Column(_("Province"), width=28),
        *status_columns(),
        Column(_("On-time completion rate"), "percent", 16),
    ]


def national_rows(rows) -> list[list]:
    """The national table (``reports.national.province_rows``): a province a row, in rank order."""
    statuses = [str(status) for status in STATUS_ORDER]
    return [
        [
            row.rank,
            row.province.code,
            row.province.name,
            *[row.counts[s] for s in statuses],
            row.counts["total"],
            row.rate,
        ]
        for row in rows
    ]


def area_name(row: dict) -> str:
    """An area's name, with the former district it came from when the data say so."""
    if row.get("former"):
        return _("%(name)s — formerly: %(former)s") % {"name": row["name"], "former": row["former"]}
    return row["name"]


def lagging_columns() -> list[Column]:
    return [
        Column(_("Unit"), width=30),
        Column(_("Level"), width=14),
        Column(_("Area"), width=22),
        Column(_("Overdue assignments"), "int", 12),
        Column(_("Oldest overdue (days)"), "int", 12),
        Column(_("Indicators behind"), width=40),
        Column(_("Head"), width=30),
        Column(_("Contact"), width=34),
        Column(_("Phone"), width=14),
        Column(_("Last update"), "datetime", 18),
        Column(_("Explanation requests"), width=50),
    ]


def lagging_rows(details: Iterable[LaggingUnit]) -> list[list]:
    """One row per lagging unit, from ``selectors.lagging_details`` (its head, contacts, indicators behind)."""
    return [
        [
            row.unit.name,
            row.unit.get_level_display(),
            row.unit.area.name if row.unit.area_id else "",  # a commune of the two-level structure: itself
            row.overdue,
            row.days_overdue or None,
            attainment_text(row.behind),
            (row.head.get_full_name() or row.head.username) if row.head else "",
            ", ".join(filter(None, [row.head.email if row.head else "", *row.unit.emails])),
            row.unit.phone,
            row.last_update,
            explanations_text(row.explanations),
        ]
        for row in details
    ]


def explanations_text(requests) -> str:
    """A lagging unit's explanation requests in one cell: status, date, and the explanation if given."""
    labels = dict(ExplanationRequest.Status.choices)
    parts = []
    for request in requests:
        status = getattr(request, "shown_status", request.status)
        text = _("%(status)s, explain by %(day)s") % {
            "status": labels[status],
            "day": request.due_date.strftime("%d/%m/%Y"),
        }
        if status != ExplanationRequest.Status.OPEN and request.answer:
            text += f": {request.answer[:300]}"
        parts.append(text)
    return "; ".join(parts)


def scorecard_columns() -> list[Column]:
    return [
        Column(_("Level"), width=16),
        Column(_("Rank"), "int", 8),
        Column(_("Movement"), "int", 10),
        Column(_("Unit"), width=32),
        Column(_("Score"), "decimal", 10),
        Column(_("On time"), "percent", 12),
        Column(_("Indicators"), "percent", 12),
        Column(_("Regular reporting"), "percent", 12),
        Column(_("Periodic reports on time"), "percent", 14),
    ]


def scorecard_rows(card: Scorecard) -> list[list]:
    return [
        [
            Unit.Level(row.level).label,
            row.rank,
            row.movement,
            row.unit.name,
            row.score,
            row.on_time_rate,
            row.attainment,
            row.timeliness,
            row.reporting_rate,
        ]
        for row in card.rows
    ]


def unit_columns() -> list[Column]:
    return [
        Column(_("Document"), width=18),
        Column(_("Task"), width=60),
        Column(_("Role"), width=10),
        Column(_("Due date"), "date", 12),
        Column(_("Deadline status"), width=24),
        Column(_("Work status"), width=22),
        Column(_("Progress"), "percent", 10),
        Column(_("Last update"), "datetime", 18),
    ]


def unit_rows(assignments: Iterable[Assignment]) -> list[list]:
    """A unit's assignments (``tasks.selectors.unit_assignments``), each with its deadline status."""
    labels = dict(DeadlineStatus.choices)
    return [
        [
            a.task.document.number,
            f"{a.task.ref}. {a.task.title}",
            a.get_role_display(),
            a.due_date,
            labels.get(a.deadline, ""),
            a.get_work_status_display(),
            a.progress / 100,
            a.updated_at,
        ]
        for a in assignments
    ]


def audit_columns() -> list[Column]:
    return [
        Column(_("At"), "datetime", 17),
        Column(_("Account"), "text", 18),
        Column(_("Full name"), "text", 22),
        Column(_("Unit code"), "text", 10),
        Column(_("Unit"), "text", 28),
        Column(_("Kind"), "text", 18),
        Column(_("Action"), "text", 22),
        Column(_("Object"), "text", 40),
        Column(_("Changes"), "text", 60),
        Column(_("Note"), "text", 40),
    ]


def audit_rows(rows: Iterable) -> Iterable[list]:
    """One line per change (``tasks.selectors.TrailRow``); the changes as "Field: old → new" lines."""
    system = _("system")
    for row in rows:
        yield [
            row.at,
            row.username or system,
            row.user_name,
            row.unit_code or "",
            row.unit_name,
            row.kind_label,
            row.action_label,
            row.object_label,
            "\n".join(f"{label}: {old} → {new}" for label, old, new in row.changes),
            row.note,
        ]

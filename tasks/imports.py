"""Importing spreadsheets of indicator figures and of assignments: upload, preview, apply.

The uploaded file is checked and kept (``ImportRecord``); the preview and the apply both read
that copy, so what is applied is exactly what was previewed. Applying is all or nothing in one
transaction: a file with any error applies nothing. Rows are matched by natural keys (unit and
date for a figure; document, item and unit for an assignment), so applying the same file twice
changes nothing the second time. Every change is in the history of the object it touched, with
the import it came from.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from io import BytesIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from projectsite import audit, clock
from projectsite.text import number
from units.models import Unit, User

from . import spreadsheets
from .models import (
    Assignment,
    HistoryEntry,
    ImportRecord,
    Indicator,
    IndicatorReport,
    Target,
    Task,
)
from .selectors import document_numbers, province_documents
from .services import assignment_terms_errors, figure_errors, history_changes, history_entry_build
from .slots import slots_ensure
from .summaries import indicator_totals_rebuild, status_counts_rebuild

UNIT_COLUMNS = {
    "code": ("mã đơn vị", "mã đv", "mã", "code"),
    "name": ("tên đơn vị", "đơn vị", "tên xã", "xã, phường, thị trấn"),
    # The area a unit belongs to: its district (2023), or in the two-level structure the commune
    # itself; "Huyện" is still what most offices' files say.
    "parent": ("địa bàn", "thuộc địa bàn", "huyện", "cấp huyện", "thuộc huyện", "huyện, thành phố, thị xã"),
}
FIGURE_COLUMNS = {
    **UNIT_COLUMNS,
    "date": ("ngày", "ngày báo cáo", "tính đến ngày", "date"),
    "value": ("giá trị", "giá trị lũy kế", "số lượng", "số tài khoản đã kích hoạt", "value"),
    "note": ("ghi chú", "lý do", "note"),
}
ASSIGNMENT_COLUMNS = {
    **UNIT_COLUMNS,
    "document": ("số văn bản", "văn bản", "số hiệu văn bản"),
    "ref": ("mục", "số mục", "mục nhiệm vụ"),
    "title": ("tên nhiệm vụ", "nhiệm vụ", "nội dung nhiệm vụ"),
    "role": ("vai trò", "chủ trì/phối hợp"),
    "due_date": ("hạn hoàn thành", "thời hạn", "hạn"),
}
ROLES = {"chu tri": Assignment.Role.LEAD, "phoi hop": Assignment.Role.SUPPORT, "": Assignment.Role.LEAD}


@dataclass
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class Change:
    row: int
    unit: Unit
    label: str  # what the row is about, for the preview
    old: object = None
    new: object = None
    data: dict = field(default_factory=dict)  # what the apply writes

    @property
    def old_text(self) -> str:
        return _describe(self.old)

    @property
    def new_text(self) -> str:
        return _describe(self.new)


def _describe(value) -> str:
    """A value of the preview as the user reads it: 1.269.779, or "Chủ trì, hạn 15/07/2023"."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return number(value)
    role = dict(Assignment.Role.choices).get(value["role"], value["role"])
    due = value["due_date"].strftime("%d/%m/%Y") if value["due_date"] else _("no due date")
    return _("%(role)s, due %(due)s") % {"role": role, "due": due}


@dataclass
class Preview:
    create: list[Change] = field(default_factory=list)
    update: list[Change] = field(default_factory=list)
    unchanged: list[Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # Rows the rules let through only when the user confirms them (a figure more than ten times
    # its target): applying needs the box ticked.
    warnings: list[RowError] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "create": len(self.create),
            "update": len(self.update),
            "unchanged": len(self.unchanged),
            "errors": len(self.errors),
        }

    def fingerprint(self) -> str:
        """What this preview would write, as a short digest: the import's version check.

        The preview page sends it back with "Apply"; if the data changed since (a figure reported,
        an extension approved), the preview computed at apply time differs and nothing is applied.
        """
        rows = [
            [kind, c.row, c.unit.pk, _plain(c.old), _plain(c.new), _plain(c.data.get("version"))]
            for kind, changes in (("create", self.create), ("update", self.update))
            for c in changes
        ]
        rows += [["warning", w.row, w.reason] for w in self.warnings]
        return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


# Where a rule's complaint about a field is shown in the preview.
FIGURE_FIELD_COLUMNS = {"value": _lazy("Value"), "as_of": _lazy("Date"), "note": _lazy("Note")}


# The units an import may write for (who may import at all: "tasks.import_data", tasks/rules.py) ----


def importable_units(user: User, province: Unit):
    """The secretariat imports for every unit of its province; a district head for its communes."""
    units = Unit.objects.filter(province=province, is_active=True).select_related("parent")
    if user.is_superuser or user.is_secretariat:
        return units
    return units.filter(parent=user.unit, level=Unit.Level.COMMUNE)


# Upload ----------------------------------------------------------------------------------


@transaction.atomic
def import_upload(*, uploaded, kind: str, user: User, province: Unit, indicator: Indicator | None) -> ImportRecord:
    """Check the file (size, type from its content, archive sizes, macros) and keep it for the preview."""
    if not user.has_perm("tasks.import_data", kind):
        raise PermissionDenied
    if kind == ImportRecord.Kind.FIGURES and indicator is None:
        raise ValidationError({"indicator": _("Choose the indicator the figures are for.")})
    file_format = spreadsheets.check_import_file(uploaded)
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    record = ImportRecord(
        kind=kind,
        province=province,
        indicator=indicator if kind == ImportRecord.Kind.FIGURES else None,
        file_format=file_format,
        file_name=uploaded.name[:255],
        sha256=digest.hexdigest(),
        uploaded_by=user,
    )
    record.file.save(uploaded.name, uploaded, save=False)
    record.save()
    return record


def _table(record: ImportRecord, columns):
    """The kept copy of the file, read again: the preview and the apply see the same rows."""
    with record.file.open("rb") as handle:
        uploaded = SimpleUploadedFile(f"import.{record.file_format}", handle.read())
    return spreadsheets.read_table(uploaded, columns=columns)


# Preview -----------------------------------------------------------------------------------


def import_preview(record: ImportRecord, *, user: User) -> Preview:
    if record.kind == ImportRecord.Kind.FIGURES:
        return figures_preview(record=record, user=user)
    return assignments_preview(record=record, user=user)


def _unit_of(row_number: int, row: dict, matcher, allowed_ids: set[int], preview: Preview) -> Unit | None:
    code = row.get("code")  # as read: an .xlsx cell may hold a number (see UnitMatcher)
    if isinstance(code, str) or code is None:
        code = (code or "").strip() or None
    name = str(row.get("name") or "").strip() or None
    if code is None and not name:
        preview.errors.append(RowError(row_number, _("Unit"), _("The unit code or name is empty.")))
        return None
    try:
        parent = row.get("parent")
        if isinstance(parent, str) or parent is None:
            parent = (parent or "").strip() or None
        unit = matcher.match(code=code, name=name, parent_hint=parent)
    except spreadsheets.MatchError as error:
        if error.kind == "ambiguous_number":
            reason = _(
                "The number %(value)s in the code column could be several codes (%(codes)s). "
                "Write the code as text, with its leading zeros."
            ) % {"value": error.value, "codes": ", ".join(sorted({u.code for u in error.candidates}))}
        elif error.kind == "not_a_code":
            reason = _("“%(value)s” in the code column is not a unit code.") % {"value": error.value}
        elif error.kind == "ambiguous":
            names = "; ".join(f"{u.name} ({u.parent.name if u.parent_id else ''}, {u.code})" for u in error.candidates)
            reason = _("“%(name)s” matches several units: %(names)s. Give the unit code or its area.") % {
                "name": name,
                "names": names,
            }
        else:
            reason = _("No unit “%(name)s” in the province.") % {"name": code or name}
        preview.errors.append(RowError(row_number, _("Unit"), reason))
        return None
    if unit.pk not in allowed_ids:
        preview.errors.append(
            RowError(row_number, _("Unit"), _("You may not import for %(name)s.") % {"name": unit.name})
        )
        return None
    return unit


def figures_preview(*, record: ImportRecord, user: User) -> Preview:
    preview = Preview()
    try:
        table = _table(record, FIGURE_COLUMNS)
    except ValidationError as error:
        preview.errors.append(RowError(0, _("File"), " ".join(error.messages)))
        return preview
    missing = spreadsheets.missing_columns(table, [{"code", "name"}, {"date"}, {"value"}])
    if missing:
        preview.errors.append(
            RowError(1, _("Header"), _("Missing columns: %(names)s.") % {"names": ", ".join(missing)})
        )
        return preview
    indicator = record.indicator
    units = list(importable_units(user, record.province))
    matcher = spreadsheets.UnitMatcher(Unit.objects.filter(province=record.province).select_related("parent"))
    allowed = {u.pk for u in units}
    targets = {t.unit_id: t for t in Target.objects.filter(indicator=indicator, unit__province=record.province)}
    summed = set(
        Target.objects.filter(indicator=indicator, unit__parent_id__in=list(targets)).values_list(
            "unit__parent_id", flat=True
        )
    )
    parsed = []
    seen: dict[tuple[int, datetime.date], int] = {}
    for row_number, row in table.rows:
        unit = _unit_of(row_number, row, matcher, allowed, preview)
        try:
            as_of = spreadsheets.parse_date(row.get("date"))
        except (ValueError, TypeError):
            preview.errors.append(
                RowError(
                    row_number,
                    _("Date"),
                    _("“%(value)s” is not a date (dd/mm/yyyy).") % {"value": row.get("date") or ""},
                )
            )
            as_of = None
        try:
            value = spreadsheets.parse_int(row.get("value"))
        except (ValueError, TypeError):
            preview.errors.append(
                RowError(
                    row_number,
                    _("Value"),
                    _("“%(value)s” is not a whole number, 0 or more.")
                    % {"value": row.get("value") if row.get("value") is not None else ""},
                )
            )
            value = None
        if as_of is not None and value is not None:
            # The rules of a single figure (its bound, no future date): the form's, in the service.
            refused = figure_errors(target=None, as_of=as_of, value=value)
            for name, message in refused.items():
                preview.errors.append(RowError(row_number, str(FIGURE_FIELD_COLUMNS[name]), message))
            if refused:
                continue
        if unit is None or as_of is None or value is None:
            continue
        if unit.pk not in targets:
            preview.errors.append(
                RowError(row_number, _("Unit"), _("%(name)s has no target for this indicator.") % {"name": unit.name})
            )
            continue
        if unit.pk in summed:
            preview.errors.append(
                RowError(
                    row_number,
                    _("Unit"),
                    _("The figure of %(name)s is the sum of the units under it.") % {"name": unit.name},
                )
            )
            continue
        if (unit.pk, as_of) in seen:
            preview.errors.append(
                RowError(
                    row_number, _("Date"), _("Same unit and date as row %(row)s.") % {"row": seen[(unit.pk, as_of)]}
                )
            )
            continue
        seen[(unit.pk, as_of)] = row_number
        parsed.append((row_number, unit, as_of, value, str(row.get("note") or "").strip()))
    if not parsed:
        return preview

    history: dict[int, list[tuple[datetime.date, int]]] = {}
    for unit_id, as_of, value in (
        IndicatorReport.objects.filter(
            indicator=indicator, unit_id__in={p[1].pk for p in parsed}, as_of__lte=max(p[2] for p in parsed)
        )
        .order_by("as_of")
        .values_list("unit_id", "as_of", "value")
    ):
        history.setdefault(unit_id, []).append((as_of, value))
    for row_number, unit, as_of, value, note in parsed:
        figures = history.get(unit.pk, [])
        existing = next((v for d, v in figures if d == as_of), None)
        previous_day, previous = next(((d, v) for d, v in reversed(figures) if d < as_of), (None, None))
        label = f"{unit.name} · {as_of:%d/%m/%Y}"
        refused = figure_errors(
            target=targets[unit.pk], as_of=as_of, value=value, note=note, previous=previous, previous_day=previous_day
        )
        if "confirmed" in refused:
            preview.warnings.append(RowError(row_number, _("Value"), refused.pop("confirmed")))
        if refused:
            preview.errors.extend(
                RowError(row_number, str(FIGURE_FIELD_COLUMNS[name]), message) for name, message in refused.items()
            )
            continue
        change = Change(row_number, unit, label, old=existing, new=value, data={"as_of": as_of, "note": note})
        if existing is None:
            preview.create.append(change)
        elif existing == value:
            preview.unchanged.append(change)
        else:
            preview.update.append(change)
    return preview


def assignments_preview(*, record: ImportRecord, user: User) -> Preview:
    preview = Preview()
    try:
        table = _table(record, ASSIGNMENT_COLUMNS)
    except ValidationError as error:
        preview.errors.append(RowError(0, _("File"), " ".join(error.messages)))
        return preview
    missing = spreadsheets.missing_columns(table, [{"code", "name"}, {"document"}, {"ref"}])
    if missing:
        preview.errors.append(
            RowError(1, _("Header"), _("Missing columns: %(names)s.") % {"names": ", ".join(missing)})
        )
        return preview
    units = list(importable_units(user, record.province))
    matcher = spreadsheets.UnitMatcher(Unit.objects.filter(province=record.province).select_related("parent"))
    allowed = {u.pk for u in units if u.level != Unit.Level.PROVINCE}
    # Its own 78/KH-UBND, never another province's; a province merged into it may have one too: then
    # the number alone is refused and the row names the province ("78/KH-UBND (02)").
    readable = province_documents(record.province)
    documents = document_numbers(record.province)
    tasks = {(t.document_id, t.ref.lower()): t for t in Task.objects.filter(document__in=readable)}
    existing = {(a.task_id, a.unit_id): a for a in Assignment.objects.filter(unit__province=record.province)}
    new_tasks: dict[tuple[int, str], dict] = {}
    seen: dict[tuple, int] = {}
    for row_number, row in table.rows:
        unit = _unit_of(row_number, row, matcher, allowed, preview)
        document, refused = documents.find(str(row.get("document") or ""))
        if document is None:
            preview.errors.append(RowError(row_number, _("Document"), refused))
        ref = str(row.get("ref") or "").strip()
        if not ref:
            preview.errors.append(RowError(row_number, _("Item"), _("The item is empty.")))
        role = ROLES.get(spreadsheets.unit_key(str(row.get("role") or "")))
        if role is None:
            preview.errors.append(RowError(row_number, _("Role"), _("The role is “Chủ trì” or “Phối hợp”.")))
        due_raw = row.get("due_date")
        try:
            due = spreadsheets.parse_date(due_raw) if due_raw not in (None, "") else None
        except (ValueError, TypeError):
            preview.errors.append(
                RowError(row_number, _("Due date"), _("“%(value)s” is not a date (dd/mm/yyyy).") % {"value": due_raw})
            )
            continue
        if unit is None or document is None or not ref or role is None:
            continue
        task = tasks.get((document.pk, ref.lower()))
        title = str(row.get("title") or "").strip()
        if task is None:
            if not title:
                preview.errors.append(RowError(row_number, _("Task"), _("A new task needs its title.")))
                continue
            spec = new_tasks.setdefault(
                (document.pk, ref.lower()), {"document": document, "ref": ref, "title": title, "due": due}
            )
            if spec["title"] != title:
                preview.errors.append(
                    RowError(
                        row_number, _("Task"), _("Item %(ref)s has another title on an earlier row.") % {"ref": ref}
                    )
                )
                continue
        current = existing.get((task.pk, unit.pk)) if task else None
        # The rules of the assignment form and of assignments_create; a new task is recurring when
        # its first row gives no due date (what the apply creates).
        rules_task = task or Task(is_recurring=spec["due"] is None)
        refused = assignment_terms_errors(task=rules_task, due_date=due, current=current)
        if refused:
            preview.errors.extend(RowError(row_number, _("Due date"), " ".join(e.messages)) for e in refused)
            continue
        key = (document.pk, ref.lower(), unit.pk)
        if key in seen:
            preview.errors.append(
                RowError(row_number, _("Unit"), _("Same task and unit as row %(row)s.") % {"row": seen[key]})
            )
            continue
        seen[key] = row_number
        label = f"{documents.label(document)} – {ref} → {unit.name}"
        new = {"role": role, "due_date": due}
        change = Change(
            row_number,
            unit,
            label,
            new=new,
            data={
                "document": document,
                "ref": ref,
                "title": title,
                "role": role,
                "due": due,
                "current": current,
                "version": current.version if current else None,
            },
        )
        if current is None:
            preview.create.append(change)
        else:
            change.old = {"role": current.role, "due_date": current.due_date}
            (preview.unchanged if change.old == new else preview.update).append(change)
    return preview


# Apply ---------------------------------------------------------------------------------------


@transaction.atomic
def import_apply(*, record: ImportRecord, user: User, seen: str, confirmed: bool = False) -> Preview:
    """Apply every change of the file, or nothing. Re-checks everything at this moment.

    ``seen`` is the fingerprint of the preview the user applied (``Preview.fingerprint``): when the
    data changed since, the preview now differs and nothing is applied (code "changed"), as a form
    opened on an older version is refused. Rows with warnings are applied only when ``confirmed``.
    """
    if not (user.has_perm("tasks.import_data", record.kind) and user.has_perm("tasks.view_import", record)):
        raise PermissionDenied
    claimed = ImportRecord.objects.filter(pk=record.pk, status=ImportRecord.Status.PREVIEWED).update(
        status=ImportRecord.Status.APPLIED, applied_at=clock.now()
    )
    if not claimed:
        raise ValidationError(_("This import has already been applied."), code="applied")
    preview = import_preview(record, user=user)
    if preview.errors:
        raise ValidationError(
            _("The file has %(n)s errors; nothing was applied.") % {"n": len(preview.errors)}, code="errors"
        )
    if not seen:
        raise ValidationError(_("Apply the import from its preview."), code="unseen")
    if seen != preview.fingerprint():
        raise ValidationError(
            _("The data changed since this preview was shown; nothing was applied. Check the preview below again."),
            code="changed",
        )
    if preview.warnings and not confirmed:
        raise ValidationError(
            _("%(n)s values need your confirmation; nothing was applied. Check them and tick the box.")
            % {"n": len(preview.warnings)},
            code="unconfirmed",
        )
    writer = _apply_figures if record.kind == ImportRecord.Kind.FIGURES else _apply_assignments
    entries = writer(record=record, user=user, preview=preview)
    for entry in entries:
        entry.import_record = record
        entry.note = _("Imported from %(file)s") % {"file": record.file_name}
    HistoryEntry.objects.bulk_create(entries, batch_size=1000)
    audit.history_recorded(entries)
    ImportRecord.objects.filter(pk=record.pk).update(counts=preview.counts())
    record.refresh_from_db()
    return preview


def _apply_figures(*, record: ImportRecord, user: User, preview: Preview) -> list[HistoryEntry]:
    """New figures in one insert, changed ones in one update: no query per row."""
    now = clock.now()
    created = IndicatorReport.objects.bulk_create(
        [
            IndicatorReport(
                indicator=record.indicator,
                unit=c.unit,
                as_of=c.data["as_of"],
                value=c.new,
                note=c.data["note"],
                reported_by=user,
                reported_at=now,
            )
            for c in preview.create
        ],
        batch_size=1000,
    )
    wanted = {(c.unit.pk, c.data["as_of"]): c for c in preview.update}
    updated = [
        report
        for report in IndicatorReport.objects.filter(
            indicator=record.indicator,
            unit_id__in={unit_id for unit_id, _day in wanted},
            as_of__in={day for _unit_id, day in wanted},
        )
        if (report.unit_id, report.as_of) in wanted
    ]
    for report in updated:
        change = wanted[(report.unit_id, report.as_of)]
        report.value, report.note, report.reported_by, report.reported_at = change.new, change.data["note"], user, now
    IndicatorReport.objects.bulk_update(updated, ["value", "note", "reported_by", "reported_at"], batch_size=1000)
    indicator_totals_rebuild(province_id=record.province_id, indicator_ids=[record.indicator_id])
    old_values = {(c.unit.pk, c.data["as_of"]): c.old for c in preview.update}
    return [
        history_entry_build(
            obj=report,
            user=user,
            action=HistoryEntry.Action.REPORTED,
            changes={
                "value": [old_values.get((report.unit_id, report.as_of)), report.value],
                "as_of": [
                    None if (report.unit_id, report.as_of) not in old_values else report.as_of.isoformat(),
                    report.as_of.isoformat(),
                ],
            },
            at=now,
        )
        for report in [*created, *updated]
    ]


def _apply_assignments(*, record: ImportRecord, user: User, preview: Preview) -> list[HistoryEntry]:
    """Missing tasks first (one insert each: there are few), then assignments in one insert and one update."""
    # The version check of the forms: the assignments changed stay as the preview read them until
    # the commit (locked on PostgreSQL; SQLite's write transaction already excludes other writers).
    seen = {change.data["current"].pk: change.data["version"] for change in preview.update}
    now_versions = dict(Assignment.objects.select_for_update().filter(pk__in=list(seen)).values_list("pk", "version"))
    if now_versions != seen:
        raise ValidationError(
            _("Assignments of this file changed since the preview; nothing was applied."), code="changed"
        )
    now = clock.now()
    tasks: dict[tuple[int, str], Task] = {}
    for change in preview.create + preview.update:
        data = change.data
        key = (data["document"].pk, data["ref"].lower())
        if key not in tasks:
            tasks[key] = Task.objects.filter(
                document=data["document"], ref__iexact=data["ref"]
            ).first() or Task.objects.create(
                document=data["document"],
                ref=data["ref"],
                title=data["title"],
                is_recurring=data["due"] is None,
                default_due_date=data["due"],
            )
    created = Assignment.objects.bulk_create(
        [
            Assignment(
                task=tasks[(c.data["document"].pk, c.data["ref"].lower())],
                unit=c.unit,
                role=c.data["role"],
                due_date=c.data["due"],
            )
            for c in preview.create
        ],
        batch_size=1000,
    )
    entries = [
        history_entry_build(
            obj=a,
            user=user,
            action=HistoryEntry.Action.CREATED,
            changes={"role": [None, a.role], "due_date": [None, a.due_date.isoformat() if a.due_date else None]},
            at=now,
        )
        for a in created
    ]
    updated = []
    for change in preview.update:
        assignment = change.data["current"]
        before = {"role": assignment.role, "due_date": assignment.due_date}
        assignment.role, assignment.due_date = change.data["role"], change.data["due"]
        assignment.version += 1
        updated.append(assignment)
        entries.append(
            history_entry_build(
                obj=assignment,
                user=user,
                action=HistoryEntry.Action.UPDATED,
                changes=history_changes(before, {"role": assignment.role, "due_date": assignment.due_date}),
                at=now,
            )
        )
    Assignment.objects.bulk_update(updated, ["role", "due_date", "version"], batch_size=1000)
    # A recurring task with a reporting cycle: the current period's reports exist at once, as when assigned on the page.
    slots_ensure(assignments=created)
    status_counts_rebuild(province_id=record.province_id)  # many rows at once: recounted in one aggregation
    return entries


# Templates -----------------------------------------------------------------------------------

TEMPLATES = {
    ImportRecord.Kind.FIGURES: (
        ["Mã đơn vị", "Tên đơn vị", "Địa bàn", "Ngày", "Giá trị lũy kế", "Ghi chú"],
        ["16663", "Phường Đông Vĩnh", "Thành phố Vinh", datetime.date(2023, 6, 20), 2790, ""],
    ),
    ImportRecord.Kind.ASSIGNMENTS: (
        ["Số văn bản", "Mục", "Tên nhiệm vụ", "Mã đơn vị", "Tên đơn vị", "Vai trò", "Hạn hoàn thành"],
        [
            "4505/UBND-KSTT",
            "8",
            "Rà soát hồ sơ định danh chưa kích hoạt",
            "412",
            "Thành phố Vinh",
            "Chủ trì",
            datetime.date(2023, 7, 15),
        ],
    ),
}


def template_workbook(kind: str) -> bytes:
    """An empty file to fill: Vietnamese headers and one example row."""
    headers, example = TEMPLATES[kind]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Mẫu nhập"
    sheet.append(headers)
    sheet.append(example)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        if isinstance(cell.value, datetime.date):
            cell.number_format = "DD/MM/YYYY"
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 22
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()

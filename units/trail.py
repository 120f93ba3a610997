"""The audit trail ("Nhật ký thay đổi"): the stored record of every change, and how a reader sees it.

How a service records a change (in its own transaction, never from a view)::

    from units.trail import audit_record, field_values, changes_between

    before = field_values(task, TASK_FIELDS)          # as stored, before the change
    ...                                               # the change itself
    audit_record(
        user=user,                                    # who (None: the system, a command)
        obj=task,                                     # what: any saved model instance
        action="updated",                             # created, updated, answered, closed, ...
        unit=document.province,                       # whose: a Unit, its key, or None (national)
        changes=changes_between(before, field_values(task, TASK_FIELDS)),  # {field: [old, new]}
        note="",                                      # free text shown with the entry
    )

``kind`` (the trail's filter) is found from the object's model (``KIND_OF``), or given; the
entry's action is labelled by ``ACTION_LABELS`` (a new action adds its label there). The same call
writes the line of the audit log (``projectsite.audit``): ``<kind>.<action>`` with the changes, or
``log_action`` with exactly ``log_fields`` where a line already had its own form. Many entries at once:
``audit_entry_build`` then ``audit_entries_save``.

Values are kept plain (``plain``: dates as ISO text, related objects by their name as they read
then, choices as codes) and made readable on display (``change_rows``: the model's field names and
choice labels, dd/mm/yyyy, 1.269.779). Passwords are never recorded, only that one was set.

Changes to assignments, targets and figures are ``tasks.HistoryEntry`` rows (evidence files, the
unit's timeline and activity); ``tasks.selectors.audit_trail`` reads both tables as one trail.
"""

import datetime
import functools
import re
from collections.abc import Iterable
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from projectsite import audit
from projectsite.text import number

from .models import AuditEntry, Unit, User

Kind = AuditEntry.Kind

# The kind of an object, by its model's label; an object of another model names its kind.
KIND_OF = {
    "tasks.document": Kind.DOCUMENT,
    "tasks.task": Kind.TASK,
    "tasks.assignment": Kind.ASSIGNMENT,
    "tasks.target": Kind.TARGET,
    "tasks.indicatorreport": Kind.FIGURE,
    "tasks.reportslot": Kind.REPORT,
    "tasks.indicator": Kind.INDICATOR,
    "tasks.obstacle": Kind.OBSTACLE,
    "tasks.extensionrequest": Kind.EXTENSION,
    "tasks.explanationrequest": Kind.EXPLANATION,
    "units.user": Kind.ACCOUNT,
    "units.unithandover": Kind.ACCOUNT,
    "units.unit": Kind.UNIT,
    "units.structuretransition": Kind.TRANSITION,
    "reports.scoreweights": Kind.SETTINGS,
    "reports.remindersettings": Kind.SETTINGS,
    "reports.scorecardsnapshot": Kind.SETTINGS,
}

# What the trail shows for an action; the history's own actions (tasks.HistoryEntry.Action) have
# their labels there.
ACTION_LABELS = {
    "created": _("Created"),
    "updated": _("Updated"),
    "raised": _("Raised"),
    "answered": _("Answered"),
    "forwarded": _("Forwarded"),
    "closed": _("Closed"),
    "asked": _("Asked"),
    "deactivated": _("Deactivated"),
    "moved": _("Moved by a structure transition"),
    "handed_over": _("Handed over to a new head"),
    "password_changed": _("Password changed"),
    "password_set": _("Password set by an administrator"),
    "groups_changed": _("Permission groups changed"),
    "applied": _("Structure transition applied"),
    "weights_set": _("Scorecard weights changed"),
    "snapshot_taken": _("Ranking recorded"),
}

# Labels of the keys that are not a field of the object's model.
KEY_LABELS = {
    "head": _("Head"),
    "groups": _("Permission groups"),
    "ended_units": _("Units ended"),
    "new_units": _("Units created"),
    "assignments_ended": _("Assignments ended on the old units"),
    "assignments_carried": _("Assignments carried to successors"),
    "assignments_closed": _("of which closed with a reason"),
    "assignments_merged_into_existing": _("Merged into a successor's assignment"),
    "successions": _("Successions recorded"),
    "targets_ended": _("Targets ended"),
    "targets_carried": _("Targets carried to successors"),
    "figures_carried": _("Opening figures (carried over)"),
    "accounts_moved": _("Accounts moved"),
    "accounts_deactivated": _("Accounts deactivated"),
    "provinces_absorbed": _("Provinces absorbed"),
    "province_renamed_from": _("Former name of the province"),
}

YES_NO = {True: _("Yes"), False: _("No")}

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def label_of(obj: models.Model) -> str:
    return obj._meta.label_lower


def kind_of(obj: models.Model) -> str:
    """The trail's kind of ``obj``; ValueError for a model the trail does not know (give ``kind``)."""
    try:
        return KIND_OF[label_of(obj)]
    except KeyError:
        raise ValueError(f"no audit kind for {label_of(obj)}: pass kind=") from None


# Recording ---------------------------------------------------------------------------------


def plain(value):
    """A value as the trail keeps it in JSON: dates as ISO text, a related object by its name (as it
    reads now, which is what the reader saw), sets and tuples as lists."""
    if isinstance(value, str):
        return str(value)  # a choice (TextChoices) as its code
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat(timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(item) for item in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return str(value)


def field_values(obj: models.Model, fields: Iterable[str]) -> dict:
    """``{field: plain value}`` of ``obj``; a foreign key by the related object's name (load it with
    ``select_related`` first: a key that is not loaded costs a query)."""
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.is_relation and field.many_to_one:
            values[name] = plain(getattr(obj, name)) if getattr(obj, field.attname) is not None else None
        else:
            values[name] = plain(getattr(obj, name))
    return values


def changes_between(before: dict, after: dict) -> dict[str, list]:
    """``{field: [old, new]}`` for the fields of ``after`` whose plain value differs from ``before``."""
    changes = {}
    for name, value in after.items():
        old, new = plain(before.get(name)), plain(value)
        if old != new:
            changes[name] = [old, new]
    return changes


def created_changes(values: dict) -> dict[str, list]:
    """``{field: [None, value]}`` for a new object's filled fields (not the empty ones, nor a flag left off)."""
    plain_values = {name: plain(value) for name, value in values.items()}
    return {
        name: [None, value]
        for name, value in plain_values.items()
        if value is not None and value is not False and value != "" and value != []
    }


def _unit_id(unit) -> int | None:
    if unit is None or isinstance(unit, int):
        return unit
    return unit.pk


def audit_entry_build(
    *,
    user: User | None,
    obj: models.Model,
    action: str,
    unit: Unit | int | None,
    changes: dict | None = None,
    note: str = "",
    kind: str | None = None,
    at: datetime.datetime | None = None,
) -> AuditEntry:
    """An unsaved entry about ``obj`` (saved by ``audit_entries_save``, or use ``audit_record``)."""
    if not action:
        raise ValueError("an audit entry needs an action")
    kind = kind or kind_of(obj)
    if kind not in Kind.values:
        raise ValueError(f"unknown audit kind {kind!r}")
    entry = AuditEntry(
        user=user if user is not None and user.is_authenticated else None,
        unit_id=_unit_id(unit),
        kind=kind,
        action=action,
        object_type=label_of(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:300],
        changes=plain(changes or {}),
        note=note,
    )
    if at is not None:
        entry.at = at
    return entry


def audit_entries_save(
    entries: Iterable[AuditEntry],
    *,
    log: bool = True,
    log_action: str | None = None,
    log_fields: dict | None = None,
) -> list[AuditEntry]:
    """Save ``entries`` (one insert per 1.000) and write their lines of the audit log when the
    transaction commits (see ``audit_record`` for ``log_action`` and ``log_fields``); ``log=False``
    where one line of the caller already tells of them all (a structure transition)."""
    entries = AuditEntry.objects.bulk_create(list(entries), batch_size=1000)
    if not log:
        return entries
    codes = dict(Unit.objects.filter(pk__in={e.unit_id for e in entries if e.unit_id}).values_list("pk", "code"))
    for entry in entries:
        _log(entry, codes.get(entry.unit_id), log_action, log_fields)
    return entries


def audit_record(
    *,
    user: User | None,
    obj: models.Model,
    action: str,
    unit: Unit | int | None,
    changes: dict | None = None,
    note: str = "",
    kind: str | None = None,
    log_action: str | None = None,
    log_fields: dict | None = None,
) -> AuditEntry:
    """Record that ``user`` did ``action`` to ``obj`` of ``unit`` with ``changes`` ({field: [old, new]}).

    Call it from the service that makes the change, inside its transaction: a rolled-back change
    leaves no entry and no log line. The log line is ``<kind>.<action>`` with the changes, or
    ``log_action`` with exactly ``log_fields`` (the lines that had a form of their own keep it).
    """
    entry = audit_entry_build(user=user, obj=obj, action=action, unit=unit, changes=changes, note=note, kind=kind)
    entry.save()
    code = unit.code if isinstance(unit, Unit) else None
    if code is None and entry.unit_id is not None:
        code = Unit.objects.filter(pk=entry.unit_id).values_list("code", flat=True).first()
    _log(entry, code, log_action, log_fields, obj=obj)
    return entry


def _log(entry: AuditEntry, unit_code: str | None, log_action, log_fields, obj=None) -> None:
    fields = dict(log_fields) if log_fields is not None else ({"changes": entry.changes} if entry.changes else {})
    audit.record(
        log_action or f"{entry.kind}.{entry.action}",
        user=entry.user,
        unit=unit_code or "-",
        obj=f"{entry.object_type}:{entry.object_id}" if obj is None else obj,
        on_commit=True,
        **fields,
    )


# Reading -----------------------------------------------------------------------------------


# A long page or an export reads thousands of labels: each is translated once per language, not
# once per row (a lazy label costs a catalogue look-up each time it is read). Keyed by the identity
# of what holds the labels: a model's field or a constant of this module, which live as long as the
# process.
_translated: dict[tuple, dict] = {}


def _translations(holder, items) -> dict:
    key = (id(holder), translation.get_language())
    found = _translated.get(key)
    if found is None:
        found = _translated[key] = {value: str(label) for value, label in items()}
    return found


def choice_label(field: models.Field, value) -> str:
    """``field``'s label for the stored ``value`` (the value itself when it names no choice)."""
    return _translations(field, lambda: field.flatchoices).get(value, value)


def action_label(action: str) -> str:
    return _translations(ACTION_LABELS, ACTION_LABELS.items).get(action, action)


def kind_label(kind: str) -> str:
    return _translations(Kind, lambda: Kind.choices).get(kind, kind)


def _label(name: str, field, labels: dict | None) -> str:
    """A change's label: the page's own word, the model field's name, or ``KEY_LABELS``'."""
    if labels and name in labels:
        return str(labels[name])
    if field is not None:
        return _translations(field.verbose_name, lambda: [(None, capfirst(field.verbose_name))])[None]
    return _translations(KEY_LABELS, KEY_LABELS.items).get(name, name)


def model_of(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


@functools.cache
def _field_order(model) -> dict[str, int]:
    """The model's fields in their order, then the keys of ``KEY_LABELS`` in theirs."""
    order: dict[str, int] = {}
    for candidate in model if isinstance(model, tuple) else (model,):
        if candidate is not None:
            for field in candidate._meta.get_fields():
                if isinstance(field, models.Field):
                    order.setdefault(field.name, len(order))
    for name in KEY_LABELS:
        order.setdefault(name, len(order))
    return order


@functools.cache
def _field(model, name: str):
    """The field ``name`` of ``model``, or of the first of several models that has one."""
    for candidate in model if isinstance(model, tuple) else (model,):
        if candidate is None:
            continue
        try:
            field = candidate._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(field, models.Field):  # not a reverse relation that shares the name
            return field
    return None


def readable(value, field=None, name: str = "") -> str:
    """A kept value as a reader wants it: choice labels, dd/mm/yyyy, 1.269.779, 40%, Có/Không."""
    if value is None or value == "" or value == []:
        return "—"
    if field is not None and getattr(field, "choices", None) and not isinstance(value, list | dict):
        return str(choice_label(field, value))
    if isinstance(value, bool):
        return _translations(YES_NO, YES_NO.items)[value]
    if name == "progress" and isinstance(value, int):
        return f"{value}%"
    if isinstance(value, int):
        return number(value)
    if isinstance(value, list):
        return ", ".join(readable(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {readable(item)}" for key, item in value.items())
    if isinstance(value, str) and not isinstance(field, models.CharField | models.TextField):
        if ISO_DAY.match(value):
            return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
        if ISO_MOMENT.match(value):
            try:
                moment = datetime.datetime.fromisoformat(value)
            except ValueError:
                return value
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return moment.strftime("%d/%m/%Y %H:%M")
    return str(value)


def change_rows(
    changes: dict, model=None, labels: dict | None = None, *, in_field_order: bool = True
) -> list[tuple[str, str, str]]:
    """``{"due_date": ["2023-06-30", "2023-07-15"]}`` -> ``[("Hạn hoàn thành", "30/06/2023", "15/07/2023")]``.

    ``model``: the object's model (or a tuple of models, the first with the field wins). The label
    is ``labels``' (a page's own words), else the model field's name, else ``KEY_LABELS``'.
    ``in_field_order``: the rows in the model's order of fields (PostgreSQL keeps a JSON object's
    keys in an order of its own), else as stored.
    """
    rows = []
    # In the model's order of fields (the database may keep a JSON object's keys in another order).
    order = _field_order(model) if in_field_order else {}
    names = sorted(changes or {}, key=lambda name: (order.get(name, len(order)), name))
    for name in names:
        pair = changes[name]
        old, new = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
        field = _field(model, name)
        label = _label(name, field, labels)
        rows.append((label, readable(old, field, name), readable(new, field, name)))
    return rows

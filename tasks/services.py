"""Writes of documents, tasks, assignments, targets and figures, with their history."""

import datetime
from collections.abc import Iterable, Sequence

from django.db import transaction

from units.models import User

from .loaders import DocumentRow
from .models import Assignment, Document, HistoryEntry, IndicatorReport, Target


def _plain(value):
    """A value as it is kept in history JSON (dates as ISO text, model instances by key)."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def history_changes(before: dict, after: dict) -> dict[str, list]:
    """``{field: [old, new]}`` for the fields whose value differs."""
    return {
        field: [_plain(before.get(field)), _plain(value)]
        for field, value in after.items()
        if _plain(before.get(field)) != _plain(value)
    }


def history_entry_build(
    *,
    obj: Assignment | Target | IndicatorReport,
    user: User | None,
    action: str,
    changes: dict,
    note: str = "",
    at: datetime.datetime | None = None,
) -> HistoryEntry:
    """An unsaved history entry about ``obj`` (callers save it, or bulk-create many)."""
    entry = HistoryEntry(unit_id=obj.unit_id, user=user, action=action, changes=changes, note=note)
    if at is not None:
        entry.at = at
    if isinstance(obj, Assignment):
        entry.assignment = obj
    elif isinstance(obj, Target):
        entry.target = obj
    else:
        entry.report = obj
    return entry


@transaction.atomic
def documents_load(*, rows: Sequence[DocumentRow]) -> int:
    """Create the documents not there yet (by number); return how many."""
    existing = {doc.number: doc for doc in Document.objects.filter(number__in=[row.number for row in rows])}
    created = 0
    for row in rows:  # file order: a document comes after the one it implements
        if row.number in existing:
            continue
        existing[row.number] = Document.objects.create(
            number=row.number,
            kind=row.kind,
            issued_on=row.issued_on,
            issuer=row.issuer,
            title=row.title,
            implements=existing.get(row.implements) if row.implements else None,
        )
        created += 1
    return created


def proportional_split(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights``; the parts are whole and add up to ``total``.

    Largest remainder: every part is rounded down, then the units left over go to the parts
    that lost the most in rounding (ties to the earlier part).
    """
    if total < 0:
        raise ValueError("total must not be negative")
    weight_sum = sum(weights)
    if not weights or weight_sum <= 0 or any(weight < 0 for weight in weights):
        raise ValueError("weights must be non-negative with a positive sum")
    exact = [total * weight / weight_sum for weight in weights]
    parts = [int(value) for value in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def targets_ensure(*, targets: Iterable[Target]) -> int:
    """Create the targets whose (indicator, unit) has none yet; return how many."""
    targets = list(targets)
    if not targets:
        return 0
    indicator_ids = {target.indicator_id for target in targets}
    taken = set(Target.objects.filter(indicator_id__in=indicator_ids).values_list("indicator_id", "unit_id"))
    new = [target for target in targets if (target.indicator_id, target.unit_id) not in taken]
    Target.objects.bulk_create(new, batch_size=1000)
    return len(new)

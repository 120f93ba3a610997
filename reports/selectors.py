"""Reads for the province's overview pages: aggregates computed in the database."""

import datetime

from django.db.models import F, QuerySet

from tasks.deadlines import UNTRACKED, deadline_counts
from tasks.models import Assignment
from tasks.selectors import status_counts
from units.models import Unit


def province_assignments(province: Unit) -> QuerySet[Assignment]:
    """The province's assignments that count: paused and cancelled ones are left out."""
    return Assignment.objects.filter(unit__province=province).exclude(work_status__in=UNTRACKED)


def province_status_counts(*, province: Unit, today: datetime.date | None = None) -> dict[str, int]:
    return status_counts(province_assignments(province), today)


def status_counts_by_level(*, province: Unit, today: datetime.date | None = None) -> list[dict]:
    """One row per unit level (agencies, districts, communes) with its counts."""
    rows = (
        province_assignments(province)
        .values(level=F("unit__level"))
        .annotate(**deadline_counts(today))
        .order_by("level")
    )
    labels = dict(Unit.Level.choices)
    return [{**row, "label": labels[row["level"]]} for row in rows]


def status_counts_by_document(*, province: Unit, today: datetime.date | None = None) -> list[dict]:
    """One row per document with assignments in the province, in the order the documents were issued."""
    return list(
        province_assignments(province)
        .values(
            document_id=F("task__document_id"),
            number=F("task__document__number"),
            issued_on=F("task__document__issued_on"),
        )
        .annotate(**deadline_counts(today))
        .order_by("issued_on", "number")
    )

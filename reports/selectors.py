"""Reads for the province's overview pages: aggregates computed in the database."""

import datetime

from django.db.models import Case, F, OuterRef, QuerySet, Subquery, When

from tasks.deadlines import UNTRACKED, deadline_counts
from tasks.models import Assignment, ExtensionRequest, HistoryEntry, Obstacle
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


def confirmations_pending(*, province: Unit) -> QuerySet[Assignment]:
    """Reported completions waiting for the secretariat, oldest first, with the report's note and files."""
    latest = HistoryEntry.objects.filter(assignment=OuterRef("pk")).order_by("-at", "-pk")
    return (
        Assignment.objects.filter(unit__province=province, work_status=Assignment.WorkStatus.REPORTED)
        .select_related("task__document", "unit", "updated_by")
        .annotate(report_note=Subquery(latest.values("note")[:1]))
        .prefetch_related("evidence")
        .order_by("reported_at", "pk")
    )


def extensions_pending(*, province: Unit) -> QuerySet[ExtensionRequest]:
    return (
        ExtensionRequest.objects.filter(assignment__unit__province=province, status=ExtensionRequest.Status.PENDING)
        .select_related("assignment__task__document", "assignment__unit", "requested_by")
        .order_by("requested_at", "pk")
    )


def obstacles_unresolved(*, province: Unit) -> QuerySet[Obstacle]:
    """Obstacles not closed yet: open ones first, then answered ones waiting to be closed."""
    return (
        Obstacle.objects.filter(unit__province=province)
        .exclude(status=Obstacle.Status.CLOSED)
        .select_related("unit", "assignment__task__document", "raised_by", "answered_by", "forwarded_to")
        .order_by(Case(When(status=Obstacle.Status.OPEN, then=0), default=1), "raised_at", "pk")
    )


def agencies(*, province: Unit) -> QuerySet[Unit]:
    return Unit.objects.filter(province=province, level=Unit.Level.AGENCY, is_active=True).order_by("name")

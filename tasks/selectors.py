"""Reads of assignments, documents and indicators. Unit scoping goes through units.selectors."""

import datetime

from django.db.models import Case, IntegerField, QuerySet, Value, When

from units.models import Unit, User
from units.selectors import scoped

from .deadlines import DeadlineStatus, deadline_counts, deadline_status_expression
from .models import Assignment

# The order a unit reads its list in: what needs action first.
STATUS_ORDER = [
    DeadlineStatus.OVERDUE,
    DeadlineStatus.DUE_SOON,
    DeadlineStatus.NOT_DUE,
    DeadlineStatus.NO_DEADLINE,
    DeadlineStatus.DONE_LATE,
    DeadlineStatus.DONE_ON_TIME,
]


def assignments_with_status(queryset: QuerySet[Assignment], today: datetime.date | None = None) -> QuerySet:
    """``queryset`` annotated with ``deadline`` (the status) and ``deadline_rank`` (its place in STATUS_ORDER)."""
    return queryset.annotate(deadline=deadline_status_expression(today)).annotate(
        deadline_rank=Case(
            *[When(deadline=status.value, then=Value(rank)) for rank, status in enumerate(STATUS_ORDER)],
            default=Value(len(STATUS_ORDER)),
            output_field=IntegerField(),
        )
    )


def unit_assignments(*, user: User, unit: Unit, today: datetime.date | None = None) -> QuerySet[Assignment]:
    """The assignments of ``unit`` that ``user`` may read, overdue first, ready for a table."""
    queryset = scoped(Assignment.objects.filter(unit=unit), user).select_related("task__document", "updated_by")
    return assignments_with_status(queryset, today).order_by(
        "deadline_rank", "due_date", "task__document__issued_on", "pk"
    )


def status_counts(queryset: QuerySet[Assignment], today: datetime.date | None = None) -> dict[str, int]:
    """``{status: count, ..., "total": n}`` over ``queryset`` in one query."""
    return queryset.aggregate(**deadline_counts(today))

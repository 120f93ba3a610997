"""Periodic reports (``ReportSlot``): created for each period of a cycle, submitted by the unit.

``slots_ensure`` is the one writer of slots. The beat job ``tasks.open_report_slots`` calls it every
night; assigning a recurring task with a cycle (``tasks.services.assignments_create``, the import)
and setting a task's cycle (``task_cycle_set``) call it for the rows they touched, so the current
period's report exists at once. It is idempotent: it reads, per assignment and target, the end of
the latest period that already has a slot, creates the periods after it that have started, in bulk,
and a unique key (assignment or target, period start) makes a concurrent second run insert nothing.

Who owes a report (docs/DECISIONS.md, "Reporting cycles"):
- a task's cycle: every counted assignment of the task (``tasks.deadlines.counted_q``: not paused or
  cancelled, of a unit in force), from the first period whose report is due on or after the later of
  the day it was assigned and the day the cycle was set (``tasks.cycles.Cycle.first_start``);
- an indicator's cycle: every target of a unit in force that reports its own figures (no unit
  directly under it holds a target of the same indicator), for the periods that overlap the
  target's own period, from the later of the day the target was set and the day the cycle was set.
"""

import datetime
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from projectsite import clock
from units.models import Unit

from .cycles import Cycle
from .deadlines import UNTRACKED, counted_q
from .models import Assignment, Indicator, ReportSlot, Target, Task

BATCH = 1000

Outcome = ReportSlot.Outcome
CYCLE_FIELDS = ("report_period", "due_rule", "due_day")


def _local_day(moment: datetime.datetime | None) -> datetime.date | None:
    return None if moment is None else timezone.localtime(moment, timezone.get_default_timezone()).date()


def _latest_end(field: str) -> Subquery:
    """The end of the latest period that already has a slot (the unique index on (field, period_start))."""
    latest = ReportSlot.objects.filter(**{field: OuterRef("pk")}).order_by("-period_start")
    return Subquery(latest.values("period_end")[:1])


def _new_slots(
    *, cycle: Cycle, since: datetime.date, after: datetime.date | None, today: datetime.date, **fields
) -> list[ReportSlot]:
    return [
        ReportSlot(
            period=cycle.period,
            period_start=start,
            period_end=cycle.bounds(start)[1],
            due_date=cycle.due(start),
            **fields,
        )
        for start in cycle.starts(since=since, after=after, until=today)
    ]


def _assignment_slots(assignments: QuerySet[Assignment], today: datetime.date) -> list[ReportSlot]:
    rows = (
        assignments.filter(counted_q(), task__is_recurring=True)
        .exclude(task__report_period="")
        .annotate(last_end=_latest_end("assignment"))
        .values(
            "pk",
            "unit_id",
            "created_at",
            "last_end",
            "task__report_period",
            "task__due_rule",
            "task__due_day",
            "task__cycle_since",
        )
        .order_by()
    )
    slots = []
    for row in rows:
        cycle = Cycle(row["task__report_period"], row["task__due_rule"], row["task__due_day"])
        since = max(filter(None, [_local_day(row["created_at"]), row["task__cycle_since"]]))
        slots += _new_slots(
            cycle=cycle,
            since=since,
            after=row["last_end"],
            today=today,
            assignment_id=row["pk"],
            unit_id=row["unit_id"],
        )
    return slots


def reporting_targets(targets: QuerySet[Target]) -> QuerySet[Target]:
    """The targets whose unit reports its own figures: no unit in force directly under it holds a
    target of the same indicator (a district's target is the sum of its communes')."""
    below = Target.objects.filter(indicator=OuterRef("indicator"), unit__parent=OuterRef("unit"), unit__is_active=True)
    return targets.filter(unit__is_active=True).filter(~Exists(below))


def _target_slots(targets: QuerySet[Target], today: datetime.date) -> list[ReportSlot]:
    rows = (
        reporting_targets(
            targets.exclude(indicator__report_period="").filter(due_date__gte=F("indicator__cycle_since"))
        )
        .annotate(last_end=_latest_end("target"))
        .values(
            "pk",
            "unit_id",
            "created_at",
            "start_date",
            "due_date",
            "last_end",
            "indicator__report_period",
            "indicator__due_rule",
            "indicator__due_day",
            "indicator__cycle_since",
        )
        .order_by()
    )
    slots = []
    for row in rows:
        cycle = Cycle(row["indicator__report_period"], row["indicator__due_rule"], row["indicator__due_day"])
        since = max(filter(None, [_local_day(row["created_at"]), row["indicator__cycle_since"], row["start_date"]]))
        # The periods of the target's own period: none after its due date.
        until = min(today, row["due_date"])
        slots += _new_slots(
            cycle=cycle, since=since, after=row["last_end"], today=until, target_id=row["pk"], unit_id=row["unit_id"]
        )
    return slots


@transaction.atomic
def slots_ensure(
    *,
    today: datetime.date | None = None,
    province: Unit | None = None,
    tasks: Iterable[Task] | None = None,
    assignments: Sequence[Assignment] | None = None,
    indicators: Iterable[Indicator] | None = None,
) -> int:
    """Create the periodic reports owed by ``today`` that do not exist yet; return how many.

    Everything by default (the nightly job), or only a province's, some tasks' (their assignments;
    no indicator then), some assignments' or some indicators'. Two queries and one bulk insert per
    kind whatever the number of units; a second run creates nothing.
    """
    today = today or clock.today()
    assignment_rows = Assignment.objects.all()
    target_rows = Target.objects.all()
    if province is not None:
        assignment_rows = assignment_rows.filter(unit__province=province)
        target_rows = target_rows.filter(unit__province=province)
    if tasks is not None:
        assignment_rows = assignment_rows.filter(task__in=list(tasks))
        target_rows = target_rows.none()
    if assignments is not None:
        assignment_rows = assignment_rows.filter(pk__in=[a.pk for a in assignments])
        target_rows = target_rows.none()
    if indicators is not None:
        target_rows = target_rows.filter(indicator__in=list(indicators))
        assignment_rows = assignment_rows.none()
    slots = _assignment_slots(assignment_rows, today) + _target_slots(target_rows, today)
    ReportSlot.objects.bulk_create(slots, batch_size=BATCH, ignore_conflicts=True)
    return len(slots)


def slot_open_for_unit(slot: ReportSlot) -> bool:
    """Whether the unit may still submit or correct this report: its unit in force, its assignment
    still tracked (not paused or cancelled), its target's unit still reporting."""
    if not slot.unit.is_active:
        return False
    if slot.assignment_id is not None:
        return slot.assignment.work_status not in UNTRACKED
    return True


def slot_errors(*, slot: ReportSlot, outcome: str, note: str, figures: dict) -> dict[str, str]:
    """The rules a periodic report must meet, as ``{field: message}`` (no query)."""
    errors = {}
    if slot.assignment_id is not None:
        if outcome not in Outcome.values:
            errors["outcome"] = _("Choose the result of the period.")
        elif outcome != Outcome.DONE and not note.strip():
            errors["note"] = _("Say in the note what was not done and why.")
    if slot.target_id is not None and figures.get(slot.target_id) is None:
        errors[f"figure_{slot.target_id}"] = _("Give the figure of the period.")
    return errors


def open_slots_q(prefix: str = "") -> Q:
    """A report not submitted yet, of a unit in force, whose assignment (if any) is tracked."""
    return Q(**{prefix + "submitted_at__isnull": True, prefix + "unit__is_active": True}) & ~Q(
        **{prefix + "assignment__work_status__in": UNTRACKED}
    )

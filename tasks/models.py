"""Documents (văn bản chỉ đạo), their tasks (nhiệm vụ), assignments to units, indicators.

The deadline status of an assignment is not stored: it depends on today. It is computed in
the database by ``tasks.deadlines``.
"""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from projectsite import clock
from projectsite.text import number
from units.models import Unit
from units.text import search_key

from .cycles import Cycle, DueRule, Period, period_label

# The largest indicator figure or target anyone may enter, by form, import or admin. Summed over
# every unit of the country (about 12.000 with targets) the totals stay below 10^17, far inside
# PostgreSQL's bigint and SQLite's integer (9,2 x 10^18), so a province's running totals
# (``tasks.summaries``) and every roll-up can hold them. The largest real figure, a province's
# population, is under 10^9.
MAX_FIGURE = 10**12


def figure_limit_message() -> str:
    return gettext("The value is too large: at most %(max)s.") % {"max": number(MAX_FIGURE)}


def validate_figure(value: int) -> None:
    """The bound of every figure and target (``MAX_FIGURE``)."""
    if value is not None and value > MAX_FIGURE:
        raise ValidationError(figure_limit_message(), code="too_large")


class Document(models.Model):
    class Kind(models.TextChoices):
        DECISION = "decision", _("Decision")
        PLAN = "plan", _("Plan")
        OFFICIAL_LETTER = "official_letter", _("Official letter")
        DIRECTIVE = "directive", _("Directive")
        OTHER = "other", _("Other")

    # Unique within its scope (the province, or the nation): every province has its own 78/KH-UBND.
    number = models.CharField(_("number"), max_length=50, help_text=_("For example 78/KH-UBND."))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    issued_on = models.DateField(_("issued on"))
    issuer = models.CharField(_("issuer"), max_length=200)
    title = models.TextField(_("title"), blank=True)
    implements = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="implemented_by",
        verbose_name=_("implements"),
    )
    # The province whose document it is (its plans and letters); empty for a national document
    # (the Prime Minister's decision), which every province reads and only a superuser changes.
    province = models.ForeignKey(
        "units.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": 1},
        verbose_name=_("province"),
    )
    search_key = models.CharField(max_length=600, db_index=True, editable=False)
    created_at = clock.StampField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["issued_on", "number"]
        constraints = [
            models.UniqueConstraint(fields=["province", "number"], name="document_number_unique_in_province"),
            models.UniqueConstraint(
                fields=["number"], condition=Q(province__isnull=True), name="document_number_unique_in_nation"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        self.search_key = search_key(f"{self.number} {self.title}")
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        """The number, and the province whose document it is when the page says it (``origin``,
        annotated by tasks.selectors.province_documents in a province that carries the documents
        of a province merged into it, where two may share "78/KH-UBND")."""
        origin = getattr(self, "origin", "")
        return f"{self.number} · {origin}" if origin else self.number


class ReportingCycle(models.Model):
    """A recurring task's or an indicator's reporting cycle (``tasks.cycles``): each period, every
    unit that has the task (or reports the indicator) owes a report (``ReportSlot``) by a due date.
    No period: no cycle (a recurring task is then "không thời hạn", as before)."""

    report_period = models.CharField(
        _("reporting period"), max_length=10, choices=Period.choices, blank=True, default=""
    )
    due_rule = models.CharField(_("report due"), max_length=15, choices=DueRule.choices, blank=True, default="")
    due_day = models.PositiveSmallIntegerField(
        _("day of the due rule"),
        null=True,
        blank=True,
        help_text=_(
            "By a day of the period: 1–7 (Monday–Sunday) for a weekly report, otherwise 1–31, the day of the "
            "period's last month. After the period ends: the number of days."
        ),
    )
    # The day the cycle was set or last changed: no unit owes a report due before it.
    cycle_since = models.DateField(_("cycle set on"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def cycle(self) -> Cycle | None:
        return Cycle.of(self)


def cycle_constraints(prefix: str) -> list:
    """The cycle is all there or not at all; its day has a rough bound here (``tasks.cycles.cycle_errors``
    has the exact one, which depends on the period and rule)."""
    return [
        models.CheckConstraint(
            condition=Q(report_period="", due_rule="", due_day__isnull=True)
            | (~Q(report_period="") & ~Q(due_rule="") & Q(due_day__isnull=False, due_day__lte=366)),
            name=f"{prefix}_cycle_complete",
            violation_error_message=_("A reporting cycle needs its period, its due rule and its day."),
        ),
    ]


class Task(ReportingCycle):
    document = models.ForeignKey(Document, models.PROTECT, related_name="tasks", verbose_name=_("document"))
    ref = models.CharField(_("item"), max_length=30, help_text=_("The item of the document, e.g. II.3."))
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    is_recurring = models.BooleanField(
        _("recurring"), default=False, help_text=_("Carried out regularly, without a deadline.")
    )
    default_due_date = models.DateField(_("default due date"), null=True, blank=True)
    illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Demo content, not quoted from the document.")
    )
    search_key = models.CharField(max_length=600, db_index=True, editable=False, default="")
    created_at = clock.StampField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["document__issued_on", "document__number", "ref"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "ref"],
                name="task_ref_unique_in_document",
                violation_error_message=_("This document already has a task with this item."),
            ),
            models.CheckConstraint(
                condition=Q(is_recurring=False) | Q(default_due_date__isnull=True),
                name="recurring_task_has_no_due_date",
                violation_error_message=_("A recurring task has no due date."),
            ),
            models.CheckConstraint(
                condition=Q(is_recurring=True) | Q(report_period=""),
                name="task_cycle_only_recurring",
                violation_error_message=_("Only a recurring task has a reporting cycle."),
            ),
            *cycle_constraints("task"),
        ]

    def __str__(self) -> str:
        return f"{self.document.number} – {self.ref}. {self.title}"

    def save(self, *args, **kwargs):
        self.search_key = search_key(f"{self.ref} {self.title}")
        super().save(*args, **kwargs)


class CarriedAcrossTransitions(models.Model):
    """What a structure transition (``tasks.transitions``) does to an open assignment or target of a
    unit that ends: the row stays on the old unit as it was (its status untouched, for the views
    "as at" a past date), with the transition that ended it; the open work goes on as a new row of
    the successor, which names the rows it was carried from (two merged units: two origins)."""

    carried_from = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="carried_to", verbose_name=_("carried from")
    )
    ended_by = models.ForeignKey(
        "units.StructureTransition",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    end_reason = models.TextField(_("end reason"), blank=True)

    class Meta:
        abstract = True


class Assignment(CarriedAcrossTransitions):
    """A task given to one unit, with its own deadline and work status."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        SUPPORT = "support", _("Support")

    class WorkStatus(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        REPORTED = "reported", _("Reported complete")
        CONFIRMED = "confirmed", _("Confirmed")
        RETURNED = "returned", _("Sent back")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")

    task = models.ForeignKey(Task, models.PROTECT, related_name="assignments", verbose_name=_("task"))
    # Looked up by the index "assignment_unit_counts", which begins with the unit: a second index on
    # the unit alone would be the planner's choice and read every row from the table.
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="assignments", verbose_name=_("unit"), db_index=False)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.LEAD)
    due_date = models.DateField(_("due date"), null=True, blank=True, help_text=_("Empty for a recurring task."))
    original_due_date = models.DateField(
        _("original due date"), null=True, blank=True, help_text=_("Kept when an extension moves the due date.")
    )
    work_status = models.CharField(
        _("work status"), max_length=20, choices=WorkStatus.choices, default=WorkStatus.NOT_STARTED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    reported_at = models.DateTimeField(_("reported complete at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # The local date the completion was reported; set when the secretariat confirms it.
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = clock.StampField(_("created at"), auto_now_add=True)
    # Empty until someone changes the assignment after it was given.
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["due_date", "pk"]
        indexes = [
            # A unit's assignments with every column a count per status (and the lagging list's last
            # change) reads, so that one province inside the national data is read from the index
            # only (docs/DECISIONS.md "One province inside the national data").
            models.Index(
                fields=["unit", "work_status", "due_date", "completed_on", "task", "id", "updated_at"],
                name="assignment_unit_counts",
            ),
            models.Index(fields=["due_date"], name="assignment_due_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "unit"],
                name="one_assignment_per_task_and_unit",
                violation_error_message=_("This task is already assigned to this unit."),
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100),
                name="assignment_progress_0_100",
                violation_error_message=_("Progress is between 0 and 100%."),
            ),
            models.CheckConstraint(
                condition=Q(work_status="confirmed", completed_on__isnull=False)
                | (~Q(work_status="confirmed") & Q(completed_on__isnull=True)),
                name="confirmed_assignment_has_completion_date",
                violation_error_message=_("A confirmed assignment has a completion date, and only it."),
            ),
            models.CheckConstraint(
                condition=Q(original_due_date__isnull=True) | Q(due_date__isnull=False),
                name="extension_keeps_a_due_date",
                violation_error_message=_("An extended assignment has a due date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} → {self.unit}"

    @property
    def was_extended(self) -> bool:
        return self.original_due_date is not None and self.original_due_date != self.due_date


class Indicator(ReportingCycle):
    class Direction(models.TextChoices):
        INCREASE = "increase", _("Higher is better")
        DECREASE = "decrease", _("Lower is better")

    # Unique within its scope (the province, or the nation), like a document's number.
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=300)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=50)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.INCREASE)
    description = models.TextField(_("description"), blank=True)
    document = models.ForeignKey(
        Document, models.PROTECT, null=True, blank=True, related_name="indicators", verbose_name=_("document")
    )
    # The province whose indicator it is; empty for a national one (every province follows it).
    province = models.ForeignKey(
        "units.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": 1},
        verbose_name=_("province"),
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["province", "code"], name="indicator_code_unique_in_province"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(province__isnull=True), name="indicator_code_unique_in_nation"
            ),
            *cycle_constraints("indicator"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name, and the province whose indicator it is when the page says it (``origin``, as
        ``Document.label``)."""
        origin = getattr(self, "origin", "")
        return f"{self.name} · {origin}" if origin else self.name


class Target(CarriedAcrossTransitions):
    """What one unit must reach on an indicator by a date."""

    indicator = models.ForeignKey(Indicator, models.PROTECT, related_name="targets", verbose_name=_("indicator"))
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="targets", verbose_name=_("unit"))
    value = models.PositiveBigIntegerField(_("target value"), validators=[validate_figure])
    start_date = models.DateField(
        _("start date"), help_text=_("Start of the period; the expected-to-date line starts here.")
    )
    due_date = models.DateField(_("due date"))
    source_document = models.ForeignKey(
        Document, models.PROTECT, null=True, blank=True, related_name="targets", verbose_name=_("source document")
    )
    illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Demo split, not an official figure.")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)
    # A unit owes no periodic report due before its target was set (``tasks.slots``).
    created_at = clock.StampField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["indicator", "unit__level", "unit__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit"],
                name="one_target_per_indicator_and_unit",
                violation_error_message=_("This unit already has a target for this indicator."),
            ),
            models.CheckConstraint(
                condition=Q(due_date__gt=F("start_date")),
                name="target_period_not_empty",
                violation_error_message=_("The due date must come after the start date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} – {self.unit}"


class IndicatorReport(models.Model):
    """A unit's cumulative value of an indicator as of a date. Every report is kept."""

    indicator = models.ForeignKey(Indicator, models.PROTECT, related_name="reports", verbose_name=_("indicator"))
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="indicator_reports", verbose_name=_("unit"))
    as_of = models.DateField(_("as of"))
    value = models.PositiveBigIntegerField(_("cumulative value"), validators=[validate_figure])
    note = models.TextField(_("note"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), default=clock.now)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    # An opening figure of a successor unit: the sum of its predecessors' latest figures on the
    # transition's date (tasks.transitions), so that attainment does not jump.
    carried = models.BooleanField(_("carried over"), default=False)

    class Meta:
        verbose_name = _("indicator figure")
        verbose_name_plural = _("indicator figures")
        ordering = ["indicator", "unit", "-as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "as_of"],
                name="one_figure_per_unit_and_date",
                violation_error_message=_("A figure for this unit and date already exists."),
            ),
        ]
        # Latest value per unit: LATERAL (... ORDER BY as_of DESC LIMIT 1) walks this index.
        indexes = [models.Index(fields=["indicator", "unit", "-as_of"], name="report_latest")]

    def __str__(self) -> str:
        return f"{self.indicator} – {self.unit} – {self.as_of:%d/%m/%Y}"


class IndicatorTotalChange(models.Model):
    """A summary for the dashboard's trend: how much a province's total of an indicator changed on a day.

    Kept by ``tasks.summaries``; never edited by hand. The total on a day is the sum of the
    changes up to that day.
    """

    province = models.ForeignKey(Unit, models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, models.CASCADE, related_name="+")
    day = models.DateField()
    delta = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["province", "indicator", "day"], name="one_total_change_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.province_id}/{self.indicator_id} {self.day:%d/%m/%Y}: {self.delta:+d}"


class ReportSlot(models.Model):
    """One unit's report for one period of a cycle (docs/DECISIONS.md, "Reporting cycles"): of a
    recurring task (through the unit's assignment) or of an indicator (through the unit's target).

    Created by ``tasks.slots.slots_ensure`` when the period starts; received when the unit submits
    it (``tasks.slots.slot_report``), on time when that day is on or before the due date. The first
    submission stamps it; a correction later keeps that stamp. Reminders and escalations treat an
    open slot like an open assignment (``reports.reminders``); ``tasks.selectors.reporting_rates``
    counts them.
    """

    class Outcome(models.TextChoices):
        DONE = "done", _("Carried out")
        PARTLY = "partly", _("Partly carried out")
        NOT_DONE = "not_done", _("Not carried out")

    assignment = models.ForeignKey(
        Assignment, models.PROTECT, null=True, blank=True, related_name="report_slots", verbose_name=_("assignment")
    )
    target = models.ForeignKey(
        Target, models.PROTECT, null=True, blank=True, related_name="report_slots", verbose_name=_("target")
    )
    # The assignment's or target's unit, kept here so that the rates are one GROUP BY over the slots.
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="report_slots", verbose_name=_("unit"))
    period = models.CharField(_("reporting period"), max_length=10, choices=Period.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    due_date = models.DateField(_("due date"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The local date of the first submission: on time when it is on or before the due date.
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    outcome = models.CharField(_("result in the period"), max_length=10, choices=Outcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = clock.StampField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("periodic report")
        verbose_name_plural = _("periodic reports")
        ordering = ["-period_start", "pk"]
        indexes = [
            models.Index(fields=["unit", "period_end"], name="slot_unit_period"),
            models.Index(fields=["due_date"], name="slot_due_date"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "period_start"], name="one_slot_per_assignment_period"),
            models.UniqueConstraint(fields=["target", "period_start"], name="one_slot_per_target_period"),
            models.CheckConstraint(
                condition=Q(assignment__isnull=False, target__isnull=True)
                | Q(assignment__isnull=True, target__isnull=False),
                name="slot_of_assignment_or_target",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")) & Q(due_date__gte=F("period_start")),
                name="slot_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True, submitted_on__isnull=True)
                | Q(submitted_at__isnull=False, submitted_on__isnull=False),
                name="slot_submitted_has_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period_label}"

    @property
    def period_label(self) -> str:
        return period_label(self.period, self.period_start)

    @property
    def received(self) -> bool:
        return self.submitted_on is not None

    @property
    def on_time(self) -> bool:
        return self.submitted_on is not None and self.submitted_on <= self.due_date


class ProvinceStatusCount(models.Model):
    """A summary for the national tier: how many of a province's counted assignments are in each
    state that does not depend on today, and the open ones by due date.

    An open assignment (not confirmed, with a due date) is overdue, due soon or not yet due
    depending on today, so it is kept with its due date and compared with today when read; the
    others (no deadline, completed on time, completed late) do not change with the date. Counted
    as ``tasks.deadlines.counted_q`` counts (live: of an active unit, not paused or cancelled).
    Kept by ``tasks.summaries`` (the services that write assignments), never edited by hand.
    """

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        NO_DEADLINE = "no_deadline", _("No deadline")
        DONE_ON_TIME = "done_on_time", _("Completed on time")
        DONE_LATE = "done_late", _("Completed late")

    province = models.ForeignKey(Unit, models.CASCADE, related_name="+")
    state = models.CharField(max_length=20, choices=State.choices)
    due_date = models.DateField(null=True, blank=True)  # the open ones' only
    total = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["province", "state", "due_date"],
                condition=Q(due_date__isnull=False),
                name="status_count_once_per_due_date",
            ),
            models.UniqueConstraint(
                fields=["province", "state"], condition=Q(due_date__isnull=True), name="status_count_once_undated"
            ),
        ]

    def __str__(self) -> str:
        day = f" {self.due_date:%d/%m/%Y}" if self.due_date else ""
        return f"{self.province_id} {self.state}{day}: {self.total}"


class HistoryEntry(models.Model):
    """One change to an assignment, a target, a figure or a periodic report: who, when, old -> new."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        STATUS_CHANGED = "status_changed", _("Status changed")
        PROGRESS = "progress", _("Progress reported")
        EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
        EXTENDED = "extended", _("Due date extended")
        EXTENSION_REJECTED = "extension_rejected", _("Extension refused")
        REPORTED = "reported", _("Figure reported")
        SLOT_REPORTED = "slot_reported", _("Periodic report submitted")
        SLOT_CORRECTED = "slot_corrected", _("Periodic report corrected")

    at = models.DateTimeField(_("at"), default=clock.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="history", verbose_name=_("unit"))
    assignment = models.ForeignKey(
        Assignment, models.PROTECT, null=True, blank=True, related_name="history", verbose_name=_("assignment")
    )
    target = models.ForeignKey(
        Target, models.PROTECT, null=True, blank=True, related_name="history", verbose_name=_("target")
    )
    report = models.ForeignKey(
        IndicatorReport, models.PROTECT, null=True, blank=True, related_name="history", verbose_name=_("figure")
    )
    slot = models.ForeignKey(
        ReportSlot, models.PROTECT, null=True, blank=True, related_name="history", verbose_name=_("periodic report")
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    import_record = models.ForeignKey(
        "ImportRecord", models.PROTECT, null=True, blank=True, related_name="history", verbose_name=_("import")
    )
    # {"field": [old, new], ...} with dates as ISO strings.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["assignment", "-at"], name="history_assignment"),
            models.Index(fields=["unit", "-at"], name="history_unit"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(assignment__isnull=False, target__isnull=True, report__isnull=True, slot__isnull=True)
                    | Q(assignment__isnull=True, target__isnull=False, report__isnull=True, slot__isnull=True)
                    | Q(assignment__isnull=True, target__isnull=True, report__isnull=False, slot__isnull=True)
                    | Q(assignment__isnull=True, target__isnull=True, report__isnull=True, slot__isnull=False)
                ),
                name="history_about_one_object",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%d/%m/%Y %H:%M}"


# The extension's steps are history of the assignment; the audit trail shows them as extensions.
EXTENSION_ACTIONS = (
    HistoryEntry.Action.EXTENSION_REQUESTED,
    HistoryEntry.Action.EXTENDED,
    HistoryEntry.Action.EXTENSION_REJECTED,
)

# How a history entry's changes are labelled where the model's own field names read worse.
HISTORY_LABELS = {
    "outcome": _("Result in the period"),
    "work_status": _("Work status"),
    "progress": _("Progress"),
    "due_date": _("Due date"),
    "value": _("Value"),
    "as_of": _("As of"),
}


def evidence_path(instance: "Evidence", filename: str) -> str:
    """A name of our own: the user's file name is kept in the database, never on disk."""
    now = timezone.now()
    return f"evidence/{now:%Y/%m}/{uuid.uuid4().hex}{instance.extension}"


class Evidence(models.Model):
    """A file attached to a change of an assignment, or to a periodic report of one (its history
    entry is then about the report), served only to who may see the assignment."""

    assignment = models.ForeignKey(Assignment, models.PROTECT, related_name="evidence", verbose_name=_("assignment"))
    history_entry = models.ForeignKey(
        HistoryEntry, models.PROTECT, related_name="evidence", verbose_name=_("history entry")
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    extension = models.CharField(max_length=10, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=clock.now)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class Obstacle(models.Model):
    """A difficulty (vướng mắc) a unit raises, about one assignment or the programme in general."""

    class Category(models.TextChoices):
        POLICY = "policy", _("Regulations and procedures")
        DATA = "data", _("Population data")
        TECHNICAL = "technical", _("Infrastructure and software")
        FUNDING = "funding", _("Funding")
        STAFFING = "staffing", _("Staff and skills")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="obstacles", verbose_name=_("unit"))
    assignment = models.ForeignKey(
        Assignment, models.PROTECT, null=True, blank=True, related_name="obstacles", verbose_name=_("assignment")
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    text = models.TextField(_("content"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("raised by")
    )
    raised_at = models.DateTimeField(_("raised at"), default=clock.now)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("answered by")
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    forwarded_to = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="forwarded_obstacles", verbose_name=_("forwarded to")
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("obstacle")
        verbose_name_plural = _("obstacles")
        ordering = ["-raised_at", "-pk"]
        indexes = [models.Index(fields=["unit", "status"], name="obstacle_unit_status")]

    def __str__(self) -> str:
        return self.text[:80]


class ExtensionRequest(models.Model):
    """A unit asks to move an assignment's due date; the secretariat approves or refuses."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Refused")

    assignment = models.ForeignKey(
        Assignment, models.PROTECT, related_name="extension_requests", verbose_name=_("assignment")
    )
    current_due_date = models.DateField(_("due date when asked"))
    proposed_due_date = models.DateField(_("proposed due date"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), default=clock.now)
    approved_due_date = models.DateField(_("approved due date"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(status="pending"),
                name="one_pending_extension_per_assignment",
                violation_error_message=_("This assignment already has a pending extension request."),
            ),
            models.CheckConstraint(
                condition=Q(proposed_due_date__gt=F("current_due_date")),
                name="extension_moves_due_date_later",
                violation_error_message=_("The proposed due date must be after the current one."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} → {self.proposed_due_date:%d/%m/%Y}"


def import_path(instance: "ImportRecord", filename: str) -> str:
    now = timezone.now()
    return f"imports/{now:%Y/%m}/{uuid.uuid4().hex}.{instance.file_format}"


class ImportRecord(models.Model):
    """An uploaded spreadsheet: previewed, then applied all at once (or never)."""

    class Kind(models.TextChoices):
        FIGURES = "figures", _("Indicator figures")
        ASSIGNMENTS = "assignments", _("Assignments")

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        APPLIED = "applied", _("Applied")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    province = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("province"))
    indicator = models.ForeignKey(
        Indicator, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("indicator")
    )
    # Kept outside the static folders until applied; the preview and the apply read this copy,
    # never what the browser sends a second time.
    file = models.FileField(_("file"), upload_to=import_path, max_length=200)
    file_format = models.CharField(max_length=4, editable=False)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=clock.now)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.uploaded_at:%d/%m/%Y %H:%M})"


class ExplanationRequest(CarriedAcrossTransitions):
    """A request for explanation (yêu cầu giải trình): the secretariat, or a district head for one of
    its communes, asks a lagging unit to explain by a date, about one of its assignments, one of its
    targets or its work in general; the unit answers on its page; the secretariat (or the district
    that asked) closes it. Reminded and escalated by ``reports.reminders`` while unanswered.

    A structure transition closes the not-closed requests of a unit that ends (``ended_by``, the
    note in ``close_note``) and carries them on as new rows of its successor (``carried_from``),
    asked from the effective date; ``first_asked_at`` keeps when the matter was first asked."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting explanation")
        ANSWERED = "answered", _("Explained")
        CLOSED = "closed", _("Closed")

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="explanation_requests", verbose_name=_("unit"))
    assignment = models.ForeignKey(
        Assignment,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="explanation_requests",
        verbose_name=_("assignment"),
    )
    target = models.ForeignKey(
        Target, models.PROTECT, null=True, blank=True, related_name="explanation_requests", verbose_name=_("target")
    )
    reason = models.TextField(_("what to explain"))
    due_date = models.DateField(_("explain by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("asked by"))
    # The unit the request came from: the standing body (the secretariat) or a district. It says
    # who may close it and whom an unanswered request is escalated to; empty for a superuser.
    asked_by_unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("asked by unit")
    )
    asked_at = models.DateTimeField(_("asked at"), default=clock.now)
    answer = models.TextField(_("explanation"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("answered by")
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("closed by")
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_note = models.TextField(_("closing note"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    # Set on a request carried over by a structure transition: when its first origin was asked
    # (``asked_at`` is the transition's effective date, so the pages as at a date before it do not
    # show it on the successor), and where it came from, in words as they were that day.
    first_asked_at = models.DateTimeField(_("first asked at"), null=True, blank=True)
    carried_note = models.TextField(_("carried-over note"), blank=True)

    class Meta:
        verbose_name = _("explanation request")
        verbose_name_plural = _("explanation requests")
        ordering = ["-asked_at", "-pk"]
        indexes = [
            models.Index(fields=["unit", "status"], name="explanation_unit_status"),
            models.Index(fields=["status", "due_date"], name="explanation_status_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(assignment__isnull=True) | Q(target__isnull=True),
                name="explanation_about_one_subject",
                violation_error_message=_("An explanation request is about one assignment or one target at most."),
            ),
            models.CheckConstraint(
                condition=~Q(status="answered") | (Q(answered_at__isnull=False) & ~Q(answer="")),
                name="answered_explanation_has_answer",
                violation_error_message=_("An explained request has its explanation."),
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="closed_explanation_has_date",
                violation_error_message=_("A closed request has its closing date."),
            ),
            # One open request per unit and subject (the work in general is a subject too): a
            # double click, or two people asking at once, make one request.
            models.UniqueConstraint(
                "unit",
                Coalesce("assignment", Value(0)),
                Coalesce("target", Value(0)),
                condition=Q(status="open"),
                name="one_open_explanation_per_subject",
                violation_error_message=_("This unit already has an open explanation request about this."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.reason[:60]}"

    def status_on(self, moment: datetime.datetime | None) -> str:
        """The status as it stood at ``moment`` (None: now), for the pages read as at a past date."""
        if moment is None:
            return self.status
        if self.closed_at is not None and self.closed_at < moment:
            return self.Status.CLOSED
        if self.answered_at is not None and self.answered_at < moment:
            return self.Status.ANSWERED
        return self.Status.OPEN

    @property
    def asked_first(self) -> datetime.datetime:
        """When the matter was first asked: the origin's date for a request carried over."""
        return self.first_asked_at or self.asked_at

    @property
    def reason_line(self) -> str:
        """The reason on one line, for a list in a text mail."""
        return " ".join(self.reason.split())

    @property
    def answer_line(self) -> str:
        return " ".join(self.answer.split())

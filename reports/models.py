"""What the reports app keeps: the scorecard's configuration and snapshots, and the outbox.

A snapshot stores each unit's score and rank as they were when it was taken, so that a year's
ranking, once frozen (the final snapshot), no longer follows later edits of the data. The
scores themselves are computed in ``reports.scorecard``.

Every mail is a row of ``Notification`` written in the transaction that decides it; a job
delivers it. ``ReminderMark`` records which reminder stage each assignment or target has had,
so that reminders are chosen by state: a second run finds nothing to do, a run after an
outage sends what was missed, once.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projectsite import clock
from units.models import Unit

from .periods import Period, period_containing

# Percentages; documented in reports/scorecard.py. On-time completion weighs most: it is what
# the Government Office counts when it reviews task results.
DEFAULT_WEIGHTS = {"on_time": 50, "attainment": 30, "timeliness": 20}

PROVINCES = {"level": Unit.Level.PROVINCE}


class ScoreWeights(models.Model):
    """How much each component weighs in a province's score; a province without a row uses DEFAULT_WEIGHTS."""

    province = models.OneToOneField(
        Unit,
        models.PROTECT,
        related_name="score_weights",
        limit_choices_to=PROVINCES,
        verbose_name=_("province"),
    )
    on_time = models.PositiveSmallIntegerField(_("on-time completion (%)"), default=DEFAULT_WEIGHTS["on_time"])
    attainment = models.PositiveSmallIntegerField(_("indicator attainment (%)"), default=DEFAULT_WEIGHTS["attainment"])
    timeliness = models.PositiveSmallIntegerField(_("regular reporting (%)"), default=DEFAULT_WEIGHTS["timeliness"])
    updated_at = clock.StampField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("scorecard weights")
        verbose_name_plural = _("scorecard weights")
        constraints = [
            models.CheckConstraint(
                condition=Exact(F("on_time") + F("attainment") + F("timeliness"), 100),
                name="score_weights_add_up_to_100",
                violation_error_message=_("The weights must add up to 100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province}: {self.on_time}/{self.attainment}/{self.timeliness}"

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in DEFAULT_WEIGHTS}


class ScorecardSnapshot(models.Model):
    """A province's ranking for a year as it stood on ``as_of``. The final one freezes the year."""

    province = models.ForeignKey(
        Unit,
        models.PROTECT,
        related_name="scorecard_snapshots",
        limit_choices_to=PROVINCES,
        verbose_name=_("province"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    taken_at = models.DateTimeField(_("taken at"), default=clock.now)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("taken by"))
    as_of = models.DateField(_("as of"))
    # The weights the scores were computed with: the configuration may change afterwards.
    weights = models.JSONField(_("weights"), default=dict)
    is_final = models.BooleanField(
        _("final"), default=False, help_text=_("The year's official ranking; later edits no longer change it.")
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("scorecard snapshot")
        verbose_name_plural = _("scorecard snapshots")
        ordering = ["-taken_at", "-pk"]
        indexes = [models.Index(fields=["province", "year", "-taken_at"], name="snapshot_latest")]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "year"],
                condition=Q(is_final=True),
                name="one_final_snapshot_per_year",
                violation_error_message=_("This year's ranking is already frozen."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province} {self.year} – {self.as_of:%d/%m/%Y}"


class ScoreEntry(models.Model):
    """One unit's line in a snapshot."""

    snapshot = models.ForeignKey(
        ScorecardSnapshot, models.PROTECT, related_name="entries", verbose_name=_("scorecard snapshot")
    )
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="score_entries", verbose_name=_("unit"))
    # The unit's level when the snapshot was taken; ranks are within a level.
    level = models.PositiveSmallIntegerField(_("level"), choices=Unit.Level.choices)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    on_time_rate = models.DecimalField(
        _("on-time completion rate"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    attainment = models.DecimalField(_("indicator attainment"), max_digits=5, decimal_places=4, null=True, blank=True)
    timeliness = models.DecimalField(_("regular reporting"), max_digits=5, decimal_places=4, null=True, blank=True)
    # Shown beside the score, not weighed in it (docs/DECISIONS.md, "Reporting rates").
    reporting_rate = models.DecimalField(
        _("periodic reports on time"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    rank = models.PositiveIntegerField(_("rank"))

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["snapshot", "level", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "unit"],
                name="one_score_per_unit_in_snapshot",
                violation_error_message=_("This unit already has a score in this snapshot."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit}: {self.score}"


def default_offsets() -> list[int]:
    return [7, 3, 1, 0]


class ReminderSettings(models.Model):
    """When a province reminds its units; edited by the secretariat."""

    province = models.OneToOneField(
        Unit,
        models.PROTECT,
        related_name="reminder_settings",
        limit_choices_to={"level": Unit.Level.PROVINCE},
        verbose_name=_("province"),
    )
    offsets = models.JSONField(
        _("days before the due date"),
        default=default_offsets,
        help_text=_("A reminder when an assignment is this many days from its due date, e.g. [7, 3, 1, 0]."),
    )
    overdue_repeat_days = models.PositiveSmallIntegerField(
        _("repeat while overdue (days)"), default=3, validators=[MinValueValidator(1)]
    )
    escalation_days = models.PositiveSmallIntegerField(
        _("escalate when overdue by more than (days)"), default=7, validators=[MinValueValidator(1)]
    )
    updated_at = clock.StampField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")

    def __str__(self) -> str:
        return str(self.province)

    def clean(self):
        offsets = self.offsets
        if not (isinstance(offsets, list) and offsets and all(isinstance(o, int) and 0 <= o <= 60 for o in offsets)):
            raise ValidationError(
                {"offsets": _("A list of whole numbers of days between 0 and 60, e.g. [7, 3, 1, 0].")}
            )
        self.offsets = sorted(set(offsets), reverse=True)


class Notification(models.Model):
    """One mail to one recipient: the outbox. Written in the same transaction as the decision to send it."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        ESCALATION = "escalation", _("Escalation")
        STATUS = "status", _("Decision on an assignment")
        EXTENSION = "extension", _("Decision on an extension request")
        OBSTACLE = "obstacle", _("Answer to an obstacle")
        EXPLANATION = "explanation", _("Explanation request")
        DIGEST_UNIT = "digest_unit", _("Weekly digest of a unit")
        DIGEST_SECRETARIAT = "digest_secretariat", _("Weekly digest of the secretariat")
        DIGEST_LEADER = "digest_leader", _("Weekly digest of the leaders")
        OFFICIAL_REPORT = "official_report", _("Official report")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Unique: deciding twice (two beat processes, a rerun, a retry) cannot make a second mail.
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    run = models.UUIDField(_("decided by run"), null=True, blank=True, editable=False)
    recipient = models.EmailField(_("recipient"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("account")
    )
    unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="notifications", verbose_name=_("unit")
    )
    # The official report whose files the mail carries (attached when it is delivered).
    report = models.ForeignKey(
        "OfficialReport",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("official report"),
    )
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
            models.Index(fields=["unit", "kind", "-created_at"], name="notification_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.subject}"


class OfficialReport(models.Model):
    """A province's official report of a period that has ended, drafted once by the beat job
    (``reports.official_mails``) and mailed to the leaders and the secretariat with its files.

    The files are kept as they were mailed: the report is a record of what was sent, while a
    report drafted on demand from the dashboard is made afresh and not kept. In the database, so
    that every worker and web server reads the same bytes (about 50 kB a report).
    """

    class Kind(models.TextChoices):
        MONTH = "month", _("Monthly")
        QUARTER = "quarter", _("Quarterly")
        YEAR = "year", _("Yearly")

    province = models.ForeignKey(
        Unit, models.PROTECT, related_name="official_reports", limit_choices_to=PROVINCES, verbose_name=_("province")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    docx = models.BinaryField(_("report (.docx)"))
    xlsx = models.BinaryField(_("appendix (.xlsx)"))
    drafted_at = models.DateTimeField(_("drafted at"), default=clock.now)

    class Meta:
        verbose_name = _("official report")
        verbose_name_plural = _("official reports")
        ordering = ["-end", "kind", "province"]
        constraints = [
            # The beat job drafts each period's report once, whoever runs it and however often.
            models.UniqueConstraint(fields=["province", "kind", "start"], name="one_official_report_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.province}: {self.period.label()}"

    @property
    def period(self) -> Period:
        return period_containing(self.kind, self.start)


class ReminderMark(models.Model):
    """An assignment, a target, an explanation request or a periodic report was reminded at this stage
    ("due-7", "overdue-2", "escalated"; an explanation request "reminded" and "escalated", once each)."""

    assignment = models.ForeignKey(
        "tasks.Assignment", models.PROTECT, null=True, blank=True, related_name="reminder_marks"
    )
    target = models.ForeignKey("tasks.Target", models.PROTECT, null=True, blank=True, related_name="reminder_marks")
    explanation = models.ForeignKey(
        "tasks.ExplanationRequest", models.PROTECT, null=True, blank=True, related_name="reminder_marks"
    )
    slot = models.ForeignKey("tasks.ReportSlot", models.PROTECT, null=True, blank=True, related_name="reminder_marks")
    stage = models.CharField(max_length=20)
    notification = models.ForeignKey(Notification, models.PROTECT, related_name="marks")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "stage"], name="one_mark_per_assignment_stage"),
            models.UniqueConstraint(fields=["target", "stage"], name="one_mark_per_target_stage"),
            models.UniqueConstraint(fields=["explanation", "stage"], name="one_mark_per_explanation_stage"),
            models.UniqueConstraint(fields=["slot", "stage"], name="one_mark_per_slot_stage"),
            models.CheckConstraint(
                condition=Q(assignment__isnull=False, target__isnull=True, explanation__isnull=True, slot__isnull=True)
                | Q(assignment__isnull=True, target__isnull=False, explanation__isnull=True, slot__isnull=True)
                | Q(assignment__isnull=True, target__isnull=True, explanation__isnull=False, slot__isnull=True)
                | Q(assignment__isnull=True, target__isnull=True, explanation__isnull=True, slot__isnull=False),
                name="mark_about_one_object",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id or self.target_id or self.explanation_id or self.slot_id}: {self.stage}"


class ReportingWeek(models.Model):
    """A summary for the scorecard's regular reporting: in this week (Monday) of this year, the
    unit's head or staff recorded a change. Kept by ``reports.activity`` for completed weeks only."""

    province = models.ForeignKey(Unit, models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()  # the year of the entries' days (a week can span two)
    week = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "week"], name="one_reporting_week_per_unit"),
        ]
        indexes = [models.Index(fields=["province", "year", "week"], name="reporting_week_province")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.week:%d/%m/%Y}"


class ReportingWeeksState(models.Model):
    """How far ``ReportingWeek`` is filled for a province, and the day of its first history entry."""

    province = models.OneToOneField(Unit, models.CASCADE, primary_key=True, related_name="+")
    first_day = models.DateField(null=True)
    through = models.DateField(null=True)  # weeks before this Monday are summarised

    def __str__(self) -> str:
        return f"{self.province_id}: {self.through}"

"""Reminders and escalations: which unit is reminded of what today, queued in the outbox once.

Reminders are chosen by state: ``ReminderMark`` records the stage each assignment, target or
explanation request has been reminded at, so a second run finds nothing to do and a run after an outage sends what was
missed, once. A process owns the marks only for the mails it inserted itself (the ``run``
column says which).
"""

import datetime
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from projectsite import clock
from tasks.cycles import period_label
from tasks.deadlines import counted_q
from tasks.indicators import TargetProgress, progress_nodes
from tasks.models import Assignment, ExplanationRequest, ReportSlot
from tasks.slots import open_slots_q, slots_ensure
from tasks.workflow import REMINDABLE
from units.models import Unit

from .models import Notification, ReminderMark, ReminderSettings
from .outbox import (
    DecisionSummary,
    Mail,
    link,
    outbox_add,
    provinces,
    render_mail,
    secretariat_recipients,
    unit_recipients,
    with_heads,
)


def reminder_stage(days_left: int, config: ReminderSettings) -> str | None:
    """The reminder an open assignment is due for: "due-7", "due-3" … or "overdue-0", "overdue-1" ….

    "due-N" covers the days from N down to the next offset; "overdue-k" the k-th window of
    ``overdue_repeat_days`` days after the due date.
    """
    if days_left >= 0:
        reached = [offset for offset in config.offsets if offset >= days_left]
        return f"due-{min(reached)}" if reached else None
    return f"overdue-{(-days_left - 1) // config.overdue_repeat_days}"


@dataclass
class UnitReminder:
    unit: Unit
    due: list[tuple[dict, int, str]] = field(default_factory=list)  # (assignment, days left, stage)
    overdue: list[tuple[dict, int, str]] = field(default_factory=list)  # (assignment, days overdue, stage)
    targets: list[tuple[TargetProgress, str]] = field(default_factory=list)
    # Periodic reports (tasks.models.ReportSlot) not submitted, as assignments: (report, days, stage).
    reports_due: list[tuple[dict, int, str]] = field(default_factory=list)
    reports_overdue: list[tuple[dict, int, str]] = field(default_factory=list)

    def marks(self) -> list[tuple[str, int, str]]:
        items = self.due + self.overdue + self.reports_due + self.reports_overdue
        return [(item["kind"], item["id"], stage) for item, _days, stage in items] + [
            ("target", node.target.pk, stage) for node, stage in self.targets
        ]


def settings_for(province: Unit) -> ReminderSettings:
    return ReminderSettings.objects.filter(province=province).first() or ReminderSettings(province=province)


def reminders_decide(*, today: datetime.date | None = None, province: Unit | None = None) -> DecisionSummary:
    """Decide and queue today's reminders and escalations of every unit (or of one province),
    after opening the periodic reports the periods that started owe (``tasks.slots.slots_ensure``)."""
    today = today or clock.today()
    summary = DecisionSummary()
    for root in provinces(province):
        # The periodic reports of the periods that started, in case the nightly job did not run
        # (a server driven by cron runs only this command): idempotent, nothing new otherwise.
        slots_ensure(today=today, province=root)
        summary += _reminders_for_province(root, today)
        summary += _explanations_for_province(root, today)
    return summary


@dataclass
class ReminderPlan:
    """The decision for one province, before any mail is written: who is reminded of what."""

    config: ReminderSettings
    plans: dict[int, UnitReminder]  # unit id -> what it is reminded of
    escalations: dict[int, list[tuple[dict, int]]]  # parent unit id -> (assignment or report, days overdue)
    units: dict[int, Unit]  # every unit named above, with its heads


def reminders_plan(province: Unit, today: datetime.date) -> ReminderPlan:
    """Decide today's reminders and escalations of one province (reads only; 7 queries).

    A periodic report not submitted (``ReportSlot``) is reminded and escalated as an open
    assignment is, by the same stages before and after its due date, once each."""
    config = settings_for(province)
    horizon = today + datetime.timedelta(days=max(config.offsets, default=0))
    candidates = list(
        Assignment.objects.filter(
            counted_q(),
            unit__province=province,
            due_date__isnull=False,
            due_date__lte=horizon,
            work_status__in=REMINDABLE,
        ).values(
            "id",
            "unit_id",
            "unit__name",
            "unit__parent_id",
            "due_date",
            "task__ref",
            "task__title",
            "task__document__number",
        )
    )
    marked = set(
        ReminderMark.objects.filter(assignment_id__in=[a["id"] for a in candidates]).values_list(
            "assignment_id", "stage"
        )
    )
    for assignment in candidates:
        assignment["kind"] = "assignment"
        assignment["url"] = link(reverse("tasks:assignment", args=[assignment["id"]]))
    reports = _reports_to_remind(province, horizon)
    marked |= {
        ("slot", pk, stage)
        for pk, stage in ReminderMark.objects.filter(slot_id__in=[r["id"] for r in reports]).values_list(
            "slot_id", "stage"
        )
    }
    plans: dict[int, UnitReminder] = {}
    escalations: dict[int, list[tuple[dict, int]]] = defaultdict(list)
    for item in candidates + reports:
        days_left = (item["due_date"] - today).days
        stage = reminder_stage(days_left, config)
        key = (item["id"],) if item["kind"] == "assignment" else ("slot", item["id"])
        if stage and (*key, stage) not in marked:
            plan = plans.setdefault(item["unit_id"], UnitReminder(unit=None))
            if item["kind"] == "assignment":
                (plan.due if days_left >= 0 else plan.overdue).append((item, abs(days_left), stage))
            else:
                (plan.reports_due if days_left >= 0 else plan.reports_overdue).append((item, abs(days_left), stage))
        if -days_left > config.escalation_days and (*key, "escalated") not in marked:
            escalations[item["unit__parent_id"]].append((item, -days_left))

    for node, stage in _targets_to_remind(province, today, config):
        plans.setdefault(node.target.unit_id, UnitReminder(unit=None)).targets.append((node, stage))

    units = {
        unit.pk: unit
        for unit in with_heads(Unit.objects.filter(pk__in=set(plans) | set(escalations)).select_related("parent"))
    }
    return ReminderPlan(config=config, plans=plans, escalations=escalations, units=units)


@transaction.atomic
def _reminders_for_province(province: Unit, today: datetime.date) -> DecisionSummary:
    decided = reminders_plan(province, today)
    config, plans, escalations, units = decided.config, decided.plans, decided.escalations, decided.units
    run = uuid.uuid4()
    summary = DecisionSummary(units=len(plans))
    mails: list[Mail] = []
    owners: dict[str, list] = {}  # dedupe key -> the marks its mail carries
    for unit_id, plan in plans.items():
        plan.unit = units[unit_id]
        recipients = unit_recipients(plan.unit)
        if not recipients:
            summary.skipped_without_address += 1
            continue
        subject, text, html = render_mail("reminder", {"plan": plan, "today": today, "config": config})
        for email, user in recipients:
            key = f"reminder:{today.isoformat()}:{unit_id}:{email}"
            mails.append(Mail(Notification.Kind.REMINDER, key, email, subject, text, html, unit=plan.unit, user=user))
            owners[key] = plan.marks()
    for parent_id, items in escalations.items():
        parent = units.get(parent_id)
        if parent is None:
            continue
        recipients = (
            secretariat_recipients(province) if parent.level == Unit.Level.PROVINCE else unit_recipients(parent)
        )
        reports = sum(1 for item, _days in items if item["kind"] == "slot")
        subject, text, html = render_mail(
            "escalation", {"parent": parent, "items": items, "reports": reports, "today": today, "config": config}
        )
        for email, user in recipients:
            key = f"escalation:{today.isoformat()}:{parent_id}:{email}"
            mails.append(Mail(Notification.Kind.ESCALATION, key, email, subject, text, html, unit=parent, user=user))
            owners[key] = [(item["kind"], item["id"], "escalated") for item, _days in items]

    inserted = outbox_add(mails, run=run)
    summary.already_decided = len(mails) - len(inserted)
    summary.mails = sum(1 for key in inserted if key.startswith("reminder:"))
    summary.escalations = sum(1 for key in inserted if key.startswith("escalation:"))
    _mark(inserted, owners, run)
    return summary


def _reports_to_remind(province: Unit, horizon: datetime.date) -> list[dict]:
    """The province's periodic reports not submitted whose due date is at most ``horizon``, as the
    reminder and escalation mails list them (one query)."""
    rows = ReportSlot.objects.filter(open_slots_q(), unit__province=province, due_date__lte=horizon).values(
        "id",
        "unit_id",
        "unit__name",
        "unit__parent_id",
        "due_date",
        "period",
        "period_start",
        "assignment__task__ref",
        "assignment__task__title",
        "assignment__task__document__number",
        "target__indicator__name",
    )
    reports = []
    for row in rows:
        if row["assignment__task__ref"] is not None:
            about = (
                f"{row['assignment__task__document__number']} – {row['assignment__task__ref']}. "
                f"{row['assignment__task__title']}"
            )
        else:
            about = row["target__indicator__name"]
        row.update(
            kind="slot",
            about=about,
            period_label=period_label(row["period"], row["period_start"]),
            url=link(reverse("tasks:slot", args=[row["id"]])),
        )
        reports.append(row)
    return reports


def _targets_to_remind(province: Unit, today: datetime.date, config: ReminderSettings):
    """Indicator targets behind expected-to-date within the reminder window of their due date."""
    nodes = progress_nodes(unit=province, today=today)
    due_soon = [
        (node, reminder_stage((node.target.due_date - today).days, config))
        for node in nodes
        if node.reports_itself and node.behind and (node.target.due_date - today).days >= 0
    ]
    due_soon = [(node, f"target-{stage}") for node, stage in due_soon if stage]
    marked = set(
        ReminderMark.objects.filter(target_id__in=[node.target.pk for node, _ in due_soon]).values_list(
            "target_id", "stage"
        )
    )
    return [(node, stage) for node, stage in due_soon if (node.target.pk, stage) not in marked]


def _mark(inserted: set[str], owners: dict[str, list], run: uuid.UUID) -> None:
    """Record the stages of the mails this run owns (one notification per unit is enough to point at)."""
    notification_ids = dict(
        Notification.objects.filter(dedupe_key__in=inserted, run=run).values_list("dedupe_key", "pk")
    )
    marks: dict[tuple[str, int, str], int] = {}
    for key in inserted:
        for kind, pk, stage in owners[key]:
            marks.setdefault((kind, pk, stage), notification_ids[key])
    ReminderMark.objects.bulk_create(
        [
            ReminderMark(
                assignment_id=pk if kind == "assignment" else None,
                target_id=pk if kind == "target" else None,
                explanation_id=pk if kind == "explanation" else None,
                slot_id=pk if kind == "slot" else None,
                stage=stage,
                notification_id=notification_id,
            )
            for (kind, pk, stage), notification_id in marks.items()
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )


# An unanswered explanation request is reminded once, from this many days before its date (not on
# the day it was asked: the unit has just been mailed the request), and escalated once, the day
# after its date. A run after an outage sends what was missed, once: a request already late gets
# its reminder and its escalation in the same run.
EXPLANATION_REMIND_DAYS = 2


@dataclass
class ExplanationPlan:
    """Today's decision about one province's unanswered explanation requests."""

    reminders: dict[int, list[tuple[ExplanationRequest, int]]]  # unit id -> (request, days left; < 0: late)
    escalations: list[tuple[ExplanationRequest, int]]  # (request, days late)
    units: dict[int, Unit]  # the reminded units and the districts that asked, with their heads


def explanations_plan(province: Unit, today: datetime.date) -> ExplanationPlan:
    """Decide today's explanation reminders and escalations of one province (reads only; 4 queries)."""
    candidates = list(
        ExplanationRequest.objects.filter(
            unit__province=province,
            unit__is_active=True,
            status=ExplanationRequest.Status.OPEN,
            due_date__lte=today + datetime.timedelta(days=EXPLANATION_REMIND_DAYS),
        )
        .select_related("unit", "asked_by", "asked_by_unit", "assignment__task__document", "target__indicator")
        .order_by("due_date", "pk")
    )
    marked = set(
        ReminderMark.objects.filter(explanation_id__in=[r.pk for r in candidates]).values_list(
            "explanation_id", "stage"
        )
    )
    reminders: dict[int, list[tuple[ExplanationRequest, int]]] = defaultdict(list)
    escalations: list[tuple[ExplanationRequest, int]] = []
    for request in candidates:
        days_left = (request.due_date - today).days
        request.days_left, request.days_late = days_left, max(-days_left, 0)
        request.url = link(reverse("tasks:explanation", args=[request.pk]))
        if (request.pk, "reminded") not in marked and timezone.localdate(request.asked_at) < today:
            reminders[request.unit_id].append((request, days_left))
        if days_left < 0 and (request.pk, "escalated") not in marked:
            escalations.append((request, -days_left))
    districts = {r.asked_by_unit_id for r, _days in escalations if _asked_by_district(r)}
    units = {unit.pk: unit for unit in with_heads(Unit.objects.filter(pk__in=set(reminders) | districts))}
    return ExplanationPlan(reminders=dict(reminders), escalations=escalations, units=units)


def _asked_by_district(request: ExplanationRequest) -> bool:
    return request.asked_by_unit is not None and request.asked_by_unit.level == Unit.Level.DISTRICT


@transaction.atomic
def _explanations_for_province(province: Unit, today: datetime.date) -> DecisionSummary:
    """Queue the day's explanation reminders (one mail per unit and address) and escalations (one mail
    per address): a request the secretariat asked goes to the secretariat and the leaders, one a
    district asked to the district and the secretariat. Marked "reminded" and "escalated" once."""
    decided = explanations_plan(province, today)
    run = uuid.uuid4()
    summary = DecisionSummary(units=len(decided.reminders))
    mails, owners, summary.skipped_without_address = explanation_mails(province, decided, today)
    inserted = outbox_add(mails, run=run)
    summary.already_decided = len(mails) - len(inserted)
    summary.mails = sum(1 for key in inserted if key.startswith("explanation-reminder:"))
    summary.escalations = sum(1 for key in inserted if key.startswith("explanation-escalation:"))
    _mark(inserted, owners, run)
    return summary


def explanation_mails(
    province: Unit, decided: ExplanationPlan, today: datetime.date
) -> tuple[list[Mail], dict[str, list], int]:
    """The mails of ``decided``: one reminder per reminded unit and address, one escalation per
    address; with, per mail key, the marks it owns (kind, request id, stage), and the number of
    units skipped for want of an address."""
    mails: list[Mail] = []
    owners: dict[str, list] = {}
    skipped = 0
    for unit_id, items in decided.reminders.items():
        unit = decided.units[unit_id]
        recipients = unit_recipients(unit)
        if not recipients:
            skipped += 1
            continue
        subject, text, html = render_mail("explanation-reminder", {"unit": unit, "items": items, "today": today})
        for email, user in recipients:
            key = f"explanation-reminder:{today.isoformat()}:{unit_id}:{email}"
            mails.append(Mail(Notification.Kind.REMINDER, key, email, subject, text, html, unit=unit, user=user))
            owners[key] = [("explanation", request.pk, "reminded") for request, _days in items]
    if decided.escalations:
        province_staff = secretariat_recipients(province, leaders=True)
        secretariat = secretariat_recipients(province)
        by_address: dict[str, tuple] = {}
        for request, days_late in decided.escalations:
            if _asked_by_district(request):
                district = decided.units[request.asked_by_unit_id]
                # A district that has ended (a structure transition) is told nothing: the
                # secretariat closes its requests now.
                recipients = [
                    (email, user, district) for email, user in unit_recipients(district) if district.is_active
                ]
                recipients += [(email, user, province) for email, user in secretariat]
            else:
                recipients = [(email, user, province) for email, user in province_staff]
            for email, user, unit in recipients:
                by_address.setdefault(email, (user, unit, []))[2].append((request, days_late))
        for email, (user, unit, items) in by_address.items():
            subject, text, html = render_mail(
                "explanation-escalation", {"province": province, "items": items, "today": today}
            )
            key = f"explanation-escalation:{today.isoformat()}:{province.pk}:{email}"
            mails.append(Mail(Notification.Kind.ESCALATION, key, email, subject, text, html, unit=unit, user=user))
            owners[key] = [("explanation", request.pk, "escalated") for request, _days in items]
    return mails, owners, skipped


def explanation_marks_carry(*, pairs: list[tuple[int, int]], **kwargs) -> None:
    """A request a structure transition carried to a successor (answers
    ``tasks.signals.explanations_carried``) keeps its escalation, so whoever was told is not told
    again about the same matter. It is reminded afresh: the successor may never have heard of it."""
    carried_to: dict[int, list[int]] = defaultdict(list)
    for old, new in pairs:
        carried_to[old].append(new)
    if not carried_to:
        return
    escalated = ReminderMark.objects.filter(explanation_id__in=list(carried_to), stage="escalated").values_list(
        "explanation_id", "notification_id"
    )
    ReminderMark.objects.bulk_create(
        [
            ReminderMark(explanation_id=new, stage="escalated", notification_id=notification_id)
            for old, notification_id in escalated
            for new in carried_to[old]
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )


def last_reminder_at(*, unit: Unit, **kwargs) -> datetime.datetime | None:
    """When ``unit`` was last sent a reminder (answers ``tasks.signals.unit_last_reminder``)."""
    row = Notification.objects.filter(unit=unit, kind=Notification.Kind.REMINDER).order_by("-created_at").first()
    return row.created_at if row else None

"""Reminders, escalations, weekly digests and the outbox that delivers them exactly once.

Deciding and delivering are separate:

- A decision (``reminders_decide``, ``digests_decide``, a status change) writes one
  ``Notification`` row per recipient, in the transaction that decides it, with a unique
  ``dedupe_key``; two processes deciding the same thing at once collide on that key and only
  one row exists. Reminders are chosen by state: ``ReminderMark`` records the stage each
  assignment or target has been reminded at, so a second run finds nothing to do and a run
  after an outage sends what was missed, once. A process owns the marks only for the mails it
  inserted itself (the ``run`` column says which).
- Decisions on a unit's requests (a status change, an extension approved or refused, an
  obstacle answered or closed) are mailed to the unit from the service that decides them.
- Delivery (``notification_deliver``) takes a row that is queued and due, sends it, and marks it
  sent. On PostgreSQL the row stays locked (``FOR UPDATE SKIP LOCKED``) from the claim to the
  commit of "sent", so nobody else can take it meanwhile and a worker that dies mid-send leaves
  it queued (its transaction rolls back); elsewhere a committed claim (queued → sending) is
  taken back after ``STALE_SENDING``. SMTP and network errors put it back in the queue with a
  growing wait, and after ``OUTBOX_MAX_ATTEMPTS`` it is failed and shown to the secretariat.
  ``outbox_flush`` (every minute) delivers whatever is due, including rows whose job was never
  enqueued (the broker was down) and rows whose worker died while sending.

A worker (or the database) dying after the SMTP server accepted a mail but before "sent" was
committed leaves the row queued, and the mail is sent again: SMTP offers no way to ask whether a
message was already delivered, so that window (one UPDATE and a commit, milliseconds) is
accepted and documented. ``tests/faults/test_worker_killed.py`` kills real workers mid-send.
"""

import datetime
import hashlib
import logging
import smtplib
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Count, F, Prefetch, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from projectsite import clock
from tasks.deadlines import DeadlineStatus, counted_q, deadline_conditions
from tasks.indicators import TargetProgress, progress_nodes
from tasks.models import Assignment, ExtensionRequest, HistoryEntry, Obstacle
from units.models import Unit, User

from .models import Notification, ReminderMark, ReminderSettings

log = logging.getLogger(__name__)

S = Assignment.WorkStatus
# Reported assignments wait for the secretariat, not for the unit.
REMINDABLE = (S.NOT_STARTED, S.IN_PROGRESS, S.RETURNED)
# A row left in "sending" this long belongs to a worker that died; it is tried again (only
# databases without SKIP LOCKED leave rows "sending": see notification_deliver).
STALE_SENDING = datetime.timedelta(minutes=15)
DELIVERY_ERRORS = (smtplib.SMTPException, OSError, TimeoutError)


# Rendering ---------------------------------------------------------------------------


def link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def render_mail(name: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML of ``templates/emails/<name>-{subject,body-text,body-html}.html``, in Vietnamese."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {"site_url": settings.SITE_URL, **context}
        subject = " ".join(render_to_string(f"emails/{name}-subject.html", context).split())
        text = render_to_string(f"emails/{name}-body-text.html", context).strip() + "\n"
        html = render_to_string(f"emails/{name}-body-html.html", context)
    return subject, text, html


# Outbox --------------------------------------------------------------------------------


@dataclass
class Mail:
    kind: str
    key: str
    recipient: str
    subject: str
    text: str
    html: str
    unit: Unit | None = None
    user: User | None = None


def outbox_add(mails: Iterable[Mail], *, run: uuid.UUID) -> set[str]:
    """Queue ``mails``; return the keys this run inserted (the others were decided already).

    Must run inside a transaction: the jobs that deliver them are enqueued when it commits.
    """
    rows = [
        Notification(
            kind=mail.kind,
            dedupe_key=mail.key,
            run=run,
            recipient=mail.recipient,
            user=mail.user,
            unit=mail.unit,
            subject=mail.subject[:300],
            body_text=mail.text,
            body_html=mail.html,
        )
        for mail in mails
    ]
    if not rows:
        return set()
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    mine = dict(
        Notification.objects.filter(dedupe_key__in=[row.dedupe_key for row in rows], run=run).values_list(
            "dedupe_key", "pk"
        )
    )
    ids = list(mine.values())
    transaction.on_commit(lambda: enqueue_delivery(ids))
    return set(mine)


def enqueue_delivery(ids: list[int]) -> None:
    """Hand the rows to the worker. If the broker is down the rows stay queued for ``outbox_flush``.

    Runs after a commit, often in a web request, and never raises: the change is saved and must
    not answer an error. A broker that is down or hung costs at most about two seconds (the
    socket timeouts and the publish retry policy in settings), once, not once per mail.
    """
    from .jobs import deliver_notification

    for done, pk in enumerate(ids):
        try:
            deliver_notification.delay(pk)
        except Exception as error:  # the broker is unreachable: the periodic flush will deliver
            log.warning("could not enqueue %d mail(s); the outbox flush will send them: %s", len(ids) - done, error)
            return


def notification_deliver(pk: int, *, now: datetime.datetime | None = None) -> str:
    """Send one queued notification; return "sent", "retry", "failed" or "skipped" (sent, not due, or in hand).

    Call it outside a transaction (a job does): the row's new state is committed right after the send.

    On PostgreSQL the row is locked (``SELECT … FOR UPDATE SKIP LOCKED``) for the whole send and
    marked in the same transaction: a second worker, a re-delivered job or the flush skips a row
    that is in hand, and if the worker dies mid-send its connection closes, the transaction rolls
    back and the row is queued again at once, with nothing to wait for. Databases without
    SKIP LOCKED (SQLite, which would lock the whole file for the length of an SMTP
    conversation) claim the row with a committed conditional UPDATE (queued → sending); a row a
    dead worker left "sending" there is taken again after ``STALE_SENDING``.
    """
    now = now or timezone.now()
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            locked = Notification.objects.select_for_update(skip_locked=True).filter(_claimable(now), pk=pk)
            notification = locked.first()
            if notification is None:
                return "skipped"
            notification.attempts += 1
            return _send(notification, now)
    claimed = Notification.objects.filter(_claimable(now), pk=pk).update(
        status=Notification.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"
    return _send(Notification.objects.get(pk=pk), now)


def _claimable(now: datetime.datetime) -> Q:
    """Queued and due, or left "sending" by a worker that died (claims of the SQLite path)."""
    return Q(status=Notification.Status.QUEUED, next_attempt_at__lte=now) | Q(
        status=Notification.Status.SENDING, claimed_at__lt=now - STALE_SENDING
    )


def _send(notification: Notification, now: datetime.datetime) -> str:
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient],
        headers={"X-De-An-06-Key": notification.dedupe_key},
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    try:
        message.send()
    except DELIVERY_ERRORS as error:
        return _delivery_failed(notification, error, now)
    # From here until this UPDATE is committed, a crash (of the worker or the database) leaves
    # a sent mail queued: the one duplicate the outbox cannot rule out (docs/DECISIONS.md).
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.SENT,
        attempts=notification.attempts,
        claimed_at=now,
        sent_at=clock.now(),  # what the mail log shows: the application's clock (``now`` is the retry timer's)
        last_error="",
    )
    return "sent"


def _delivery_failed(notification: Notification, error: Exception, now: datetime.datetime) -> str:
    text = f"{type(error).__name__}: {error}"[:2000]
    if notification.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        Notification.objects.filter(pk=notification.pk).update(
            status=Notification.Status.FAILED, attempts=notification.attempts, last_error=text
        )
        log.error("notification %s failed for good: %s", notification.pk, text)
        return "failed"
    wait = retry_delay(notification.attempts)
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.QUEUED, attempts=notification.attempts, last_error=text, next_attempt_at=now + wait
    )
    return "retry"


def retry_delay(attempts: int) -> datetime.timedelta:
    """60 s, 120 s, 240 s …, never beyond half the broker's visibility timeout."""
    ceiling = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600) // 2
    return datetime.timedelta(seconds=min(settings.OUTBOX_RETRY_SECONDS * 2 ** (attempts - 1), ceiling))


def outbox_flush(*, now: datetime.datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Deliver what is due: queued rows whose wait is over, and rows a dead worker left sending."""
    now = now or timezone.now()
    due = Notification.objects.filter(_claimable(now)).order_by("next_attempt_at", "pk")
    outcomes: dict[str, int] = defaultdict(int)
    for pk in due.values_list("pk", flat=True)[:limit]:
        outcomes[notification_deliver(pk, now=now)] += 1
    return dict(outcomes)


@transaction.atomic
def notification_requeue(*, notification: Notification, user: User) -> None:
    """The secretariat sends a failed mail again."""
    updated = Notification.objects.filter(pk=notification.pk, status=Notification.Status.FAILED).update(
        status=Notification.Status.QUEUED, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
    if updated:
        log.info("notification %s re-queued by %s", notification.pk, user)
        transaction.on_commit(lambda: enqueue_delivery([notification.pk]))


# Who receives a unit's mail ------------------------------------------------------------------


def with_heads(units):
    heads = User.objects.filter(role=User.Role.UNIT_HEAD, is_active=True)
    return units.prefetch_related(Prefetch("users", queryset=heads, to_attr="head_list"))


def unit_recipients(unit: Unit) -> list[tuple[str, User | None]]:
    """The head's address and the unit's contact addresses, each once."""
    seen: dict[str, User | None] = {}
    for head in getattr(unit, "head_list", []):
        if head.email:
            seen.setdefault(head.email.lower(), head)
    for email in unit.emails:
        seen.setdefault(email.lower(), None)
    return list(seen.items())


def secretariat_recipients(province: Unit) -> list[tuple[str, User]]:
    users = User.objects.filter(role=User.Role.SECRETARIAT, unit__province=province, is_active=True).exclude(email="")
    return [(user.email.lower(), user) for user in users]


# Reminders -----------------------------------------------------------------------------------


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

    def marks(self) -> list[tuple[str, int, str]]:
        return [("assignment", a["id"], stage) for a, _days, stage in self.due + self.overdue] + [
            ("target", node.target.pk, stage) for node, stage in self.targets
        ]


@dataclass
class DecisionSummary:
    units: int = 0
    mails: int = 0
    escalations: int = 0
    skipped_without_address: int = 0
    already_decided: int = 0

    def __iadd__(self, other: "DecisionSummary"):
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


def settings_for(province: Unit) -> ReminderSettings:
    return ReminderSettings.objects.filter(province=province).first() or ReminderSettings(province=province)


def provinces(province: Unit | None) -> list[Unit]:
    if province is not None:
        return [province]
    return list(Unit.objects.filter(level=Unit.Level.PROVINCE, is_active=True).order_by("code"))


def reminders_decide(*, today: datetime.date | None = None, province: Unit | None = None) -> DecisionSummary:
    """Decide and queue today's reminders and escalations of every unit (or of one province)."""
    today = today or clock.today()
    summary = DecisionSummary()
    for root in provinces(province):
        summary += _reminders_for_province(root, today)
    return summary


@dataclass
class ReminderPlan:
    """The decision for one province, before any mail is written: who is reminded of what."""

    config: ReminderSettings
    plans: dict[int, UnitReminder]  # unit id -> what it is reminded of
    escalations: dict[int, list[tuple[dict, int]]]  # parent unit id -> (assignment, days overdue)
    units: dict[int, Unit]  # every unit named above, with its heads


def reminders_plan(province: Unit, today: datetime.date) -> ReminderPlan:
    """Decide today's reminders and escalations of one province (reads only; 5 queries)."""
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
    plans: dict[int, UnitReminder] = {}
    escalations: dict[int, list[tuple[dict, int]]] = defaultdict(list)
    for assignment in candidates:
        days_left = (assignment["due_date"] - today).days
        stage = reminder_stage(days_left, config)
        assignment["url"] = link(reverse("tasks:assignment", args=[assignment["id"]]))
        if stage and (assignment["id"], stage) not in marked:
            plan = plans.setdefault(assignment["unit_id"], UnitReminder(unit=None))
            if days_left >= 0:
                plan.due.append((assignment, days_left, stage))
            else:
                plan.overdue.append((assignment, -days_left, stage))
        if -days_left > config.escalation_days and (assignment["id"], "escalated") not in marked:
            escalations[assignment["unit__parent_id"]].append((assignment, -days_left))

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
        subject, text, html = render_mail(
            "escalation", {"parent": parent, "items": items, "today": today, "config": config}
        )
        for email, user in recipients:
            key = f"escalation:{today.isoformat()}:{parent_id}:{email}"
            mails.append(Mail(Notification.Kind.ESCALATION, key, email, subject, text, html, unit=parent, user=user))
            owners[key] = [("assignment", a["id"], "escalated") for a, _days in items]

    inserted = outbox_add(mails, run=run)
    summary.already_decided = len(mails) - len(inserted)
    summary.mails = sum(1 for key in inserted if key.startswith("reminder:"))
    summary.escalations = sum(1 for key in inserted if key.startswith("escalation:"))
    _mark(inserted, owners, run)
    return summary


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
                stage=stage,
                notification_id=notification_id,
            )
            for (kind, pk, stage), notification_id in marks.items()
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )


# Status changes --------------------------------------------------------------------------------


def status_change_notify(*, assignment: Assignment, entry: HistoryEntry) -> None:
    """Tell the unit that the secretariat confirmed or sent back its report (in the caller's transaction)."""
    unit = with_heads(Unit.objects.filter(pk=assignment.unit_id)).get()
    subject, text, html = render_mail(
        "status",
        {
            "assignment": assignment,
            "entry": entry,
            "url": link(reverse("tasks:assignment", args=[assignment.pk])),
        },
    )
    mails = [
        Mail(Notification.Kind.STATUS, f"status:{entry.pk}:{email}", email, subject, text, html, unit=unit, user=user)
        for email, user in unit_recipients(unit)
    ]
    outbox_add(mails, run=uuid.uuid4())


def _unit_decision_notify(*, unit_id: int, kind: str, key: str, template: str, context: dict) -> int:
    """One mail per address of the unit about one decision, once: ``key`` names the decision."""
    unit = with_heads(Unit.objects.filter(pk=unit_id)).get()
    subject, text, html = render_mail(template, {"unit": unit, **context})
    mails = [
        Mail(kind, f"{key}:{email}", email, subject, text, html, unit=unit, user=user)
        for email, user in unit_recipients(unit)
    ]
    return len(outbox_add(mails, run=uuid.uuid4()))


def extension_decision_notify(*, request: ExtensionRequest, user: User) -> int:
    """Tell the unit that ``user`` approved or refused its extension request (in the caller's transaction).

    A request is decided once (``extension_decide`` claims it), so its key is the request.
    """
    assignment = Assignment.objects.select_related("task__document", "unit").get(pk=request.assignment_id)
    return _unit_decision_notify(
        unit_id=assignment.unit_id,
        kind=Notification.Kind.EXTENSION,
        key=f"extension:{request.pk}",
        template="extension",
        context={
            "request": request,
            "assignment": assignment,
            "who": user,
            "url": link(reverse("tasks:assignment", args=[assignment.pk])),
        },
    )


def obstacle_decision_notify(*, obstacle: Obstacle, user: User) -> int:
    """Tell the unit that its obstacle was answered or closed (in the caller's transaction).

    The same answer given twice (a double click, a retried request) is one decision and one mail;
    a different answer is news and is mailed.
    """
    if obstacle.status == Obstacle.Status.CLOSED:
        decision = "closed"
    else:
        decision = "answer-" + hashlib.sha256(obstacle.answer.encode()).hexdigest()[:16]
    return _unit_decision_notify(
        unit_id=obstacle.unit_id,
        kind=Notification.Kind.OBSTACLE,
        key=f"obstacle:{obstacle.pk}:{decision}",
        template="obstacle",
        context={
            "obstacle": obstacle,
            "who": user,
            "url": link(reverse("tasks:obstacle", args=[obstacle.pk])),
        },
    )


# Weekly digests ---------------------------------------------------------------------------------


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def digests_decide(*, today: datetime.date | None = None, province: Unit | None = None) -> DecisionSummary:
    """Queue this week's digests: unit heads, the secretariat, the leaders (each account once a week)."""
    today = today or clock.today()
    summary = DecisionSummary()
    for root in provinces(province):
        summary += _digests_for_province(root, today)
    return summary


@transaction.atomic
def _digests_for_province(province: Unit, today: datetime.date) -> DecisionSummary:
    from . import selectors  # the dashboard's reads; imported here to keep module loading light

    week = week_start(today)
    since = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=7), datetime.time()), timezone.get_default_timezone()
    )
    users = list(
        # A deactivated unit's accounts get no digest: its work counts nowhere (``counted_q``).
        User.objects.filter(unit__province=province, unit__is_active=True, is_active=True, wants_digest=True)
        .exclude(email="")
        .exclude(role="")
        .select_related("unit")
    )
    heads = [u for u in users if u.role == User.Role.UNIT_HEAD]
    horizon = today + datetime.timedelta(days=14)
    open_assignments = defaultdict(list)
    for a in (
        Assignment.objects.filter(
            counted_q(),
            unit__in=[u.unit_id for u in heads],
            due_date__isnull=False,
            due_date__lte=horizon,
            work_status__in=REMINDABLE,
        )
        .select_related("task__document")
        .order_by("due_date", "pk")
    ):
        a.days_left = (a.due_date - today).days
        a.url = link(reverse("tasks:assignment", args=[a.pk]))
        open_assignments[a.unit_id].append(a)
    changes = dict(
        HistoryEntry.objects.filter(unit__province=province, at__gte=since)
        .values_list("unit_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    obstacles = dict(
        Obstacle.objects.filter(unit__province=province, status=Obstacle.Status.OPEN)
        .values_list("unit_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    progress: dict[int, list[TargetProgress]] = defaultdict(list)
    for node in progress_nodes(unit=province, today=today):
        progress[node.target.unit_id].append(node)
    roots = progress.get(province.pk, [])

    mails: list[Mail] = []
    for user in heads:
        items = open_assignments.get(user.unit_id, [])
        context = {
            "user": user,
            "unit": user.unit,
            "today": today,
            "overdue": [a for a in items if a.days_left < 0],
            "due_soon": [a for a in items if a.days_left >= 0],
            "changes": changes.get(user.unit_id, 0),
            "open_obstacles": obstacles.get(user.unit_id, 0),
            "progress": progress.get(user.unit_id, []),
            "url": link(reverse("tasks:my_unit")),
        }
        context["nothing"] = not (
            context["overdue"] or context["due_soon"] or context["changes"] or context["progress"]
        )
        mails.append(_digest_mail(Notification.Kind.DIGEST_UNIT, "digest-unit", user, week, context))

    staff = [u for u in users if u.role in (User.Role.SECRETARIAT, User.Role.LEADER)]
    if staff:
        counts = selectors.province_status_counts(province=province, today=today)
        overdue_q = deadline_conditions(today)[DeadlineStatus.OVERDUE]
        new_overdue = (
            Assignment.objects.filter(
                overdue_q, unit__province=province, due_date__gte=today - datetime.timedelta(days=7)
            )
            .values("unit__code", "unit__name")
            .annotate(n=Count("pk"))
            .order_by("-n", "unit__name")[:20]
        )
        queue = {
            "confirmations": selectors.confirmations_pending(province=province).count(),
            "extensions": selectors.extensions_pending(province=province).count(),
            "obstacles": selectors.obstacles_unresolved(province=province).count(),
        }
        base = {
            "province": province,
            "today": today,
            "counts": counts,
            "on_time_rate": selectors.on_time_rate(counts),
            "indicators": roots,
            "new_overdue": list(new_overdue),
            "queue": queue,
            "url": link(reverse("reports:overview")),
        }
        movers = _ranking_movers(province, today) if any(u.role == User.Role.LEADER for u in staff) else []
        for user in staff:
            if user.role == User.Role.SECRETARIAT:
                mails.append(_digest_mail(Notification.Kind.DIGEST_SECRETARIAT, "digest-secretariat", user, week, base))
            else:
                mails.append(
                    _digest_mail(
                        Notification.Kind.DIGEST_LEADER, "digest-leader", user, week, {**base, "movers": movers}
                    )
                )
    inserted = outbox_add(mails, run=uuid.uuid4())
    return DecisionSummary(units=len(heads), mails=len(inserted), already_decided=len(mails) - len(inserted))


def _digest_mail(kind: str, template: str, user: User, week: datetime.date, context: dict) -> Mail:
    subject, text, html = render_mail(template, {**context, "user": user})
    return Mail(
        kind, f"digest:{week.isoformat()}:{user.pk}", user.email, subject, text, html, unit=user.unit, user=user
    )


def _ranking_movers(province: Unit, today: datetime.date) -> list:
    from .scorecard import scorecard

    rows = [row for row in scorecard(province=province, year=today.year, today=today).rows if row.movement]
    return sorted(rows, key=lambda row: -abs(row.movement))[:10]

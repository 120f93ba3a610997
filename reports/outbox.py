"""The outbox: every mail is a ``Notification`` row, queued once and delivered exactly once.

Deciding and delivering are separate. A decision (``reports.reminders``, ``reports.digests``,
``reports.decision_mails``) renders its mails with ``render_mail`` and queues them with
``outbox_add``, in the transaction that decides it, each with a unique ``dedupe_key``; two
processes deciding the same thing at once collide on that key and only one row exists.

Delivery (``notification_deliver``) takes a row that is queued and due, sends it, and marks it
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

The delivery job (``reports.jobs.deliver_notification``) is looked up by its name in Celery's
registry, not imported: the jobs call the outbox, so the outbox importing the jobs would be a
circle (the acyclic contract in pyproject.toml). ``ReportsConfig.ready`` imports the jobs, so the
job is registered in every process, the web's included.
"""

import datetime
import logging
import smtplib
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import F, Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from projectsite import clock
from projectsite.downloads import DOCX_CONTENT_TYPE, XLSX_CONTENT_TYPE
from units.models import Unit, User

from . import official
from .models import Notification, OfficialReport

log = logging.getLogger(__name__)

DELIVER_JOB = "reports.deliver_notification"
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
    report: OfficialReport | None = None  # its .docx and .xlsx are attached when the mail is sent


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
            report=mail.report,
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
    deliver_notification = current_app.tasks[DELIVER_JOB]  # by name: reports.jobs sits above the outbox
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
    if notification.report_id is not None:
        for name, content, mimetype in report_attachments(notification.report):
            message.attach(name, content, mimetype)
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


def report_attachments(report: OfficialReport) -> list[tuple[str, bytes, str]]:
    """The files of an official report's mail: the report and its appendix, named as the
    dashboard's downloads name them."""
    return [
        (official.file_name(report.period, "docx"), bytes(report.docx), DOCX_CONTENT_TYPE),
        (official.file_name(report.period, "xlsx"), bytes(report.xlsx), XLSX_CONTENT_TYPE),
    ]


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


def secretariat_recipients(province: Unit, *, leaders: bool = False) -> list[tuple[str, User]]:
    """The secretariat's addresses (and with ``leaders``, the province's leaders')."""
    roles = [User.Role.SECRETARIAT, User.Role.LEADER] if leaders else [User.Role.SECRETARIAT]
    users = User.objects.filter(role__in=roles, unit__province=province, is_active=True).exclude(email="")
    return [(user.email.lower(), user) for user in users.order_by("role", "pk")]


# What a decision run queued -------------------------------------------------------------------


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


def provinces(province: Unit | None) -> list[Unit]:
    if province is not None:
        return [province]
    return list(Unit.objects.filter(level=Unit.Level.PROVINCE, is_active=True).order_by("code"))

"""Mails to a unit about a decision on its work: a status change, an extension decided, an obstacle
answered or closed, an explanation requested or closed; and to whoever asked, the unit's explanation.

The services of ``tasks`` decide and send a signal (``tasks.signals``); the receivers here, connected
in ``ReportsConfig.ready``, queue the mails in the outbox in the deciding transaction, so a
rolled-back decision sends nothing.
"""

import hashlib
import uuid

from django.urls import reverse

from tasks import signals
from tasks.models import Assignment, ExplanationRequest, ExtensionRequest, HistoryEntry, Obstacle
from units.models import Unit, User

from .models import Notification
from .outbox import Mail, link, outbox_add, render_mail, secretariat_recipients, unit_recipients, with_heads


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


def explanation_notify(*, request: ExplanationRequest, event: str, user: User) -> int:
    """Mail an explanation request's news (in the caller's transaction): to the unit when it is asked
    and when it is closed, to whoever asked when the unit explains (a corrected explanation is news
    again; the same one twice is one mail). Whoever asked has left (a handover): the unit that asked,
    or the secretariat."""
    context = {
        "request": request,
        "event": event,
        "who": user,
        "url": link(reverse("tasks:explanation", args=[request.pk])),
    }
    if event != "answered":
        return _unit_decision_notify(
            unit_id=request.unit_id,
            kind=Notification.Kind.EXPLANATION,
            key=f"explanation:{request.pk}:{event}",
            template="explanation",
            context=context,
        )
    asker = request.asked_by
    if asker.is_active and asker.email:
        recipients = [(asker.email.lower(), asker)]
    elif request.asked_by_unit_id and request.asked_by_unit.level == Unit.Level.DISTRICT:
        recipients = unit_recipients(with_heads(Unit.objects.filter(pk=request.asked_by_unit_id)).get())
    else:
        recipients = secretariat_recipients(request.unit.province)
    decision = "answer-" + hashlib.sha256(request.answer.encode()).hexdigest()[:16]
    subject, text, html = render_mail("explanation", {"unit": request.unit, **context})
    mails = [
        Mail(
            Notification.Kind.EXPLANATION,
            f"explanation:{request.pk}:{decision}:{email}",
            email,
            subject,
            text,
            html,
            unit=request.unit,
            user=recipient,
        )
        for email, recipient in recipients
    ]
    return len(outbox_add(mails, run=uuid.uuid4()))


def _status_changed(*, assignment: Assignment, entry: HistoryEntry, **kwargs) -> None:
    status_change_notify(assignment=assignment, entry=entry)


def _extension_decided(*, request: ExtensionRequest, user: User, **kwargs) -> None:
    extension_decision_notify(request=request, user=user)


def _obstacle_decided(*, obstacle: Obstacle, user: User, **kwargs) -> None:
    obstacle_decision_notify(obstacle=obstacle, user=user)


def _explanation_changed(*, request: ExplanationRequest, event: str, user: User, **kwargs) -> None:
    explanation_notify(request=request, event=event, user=user)


def connect() -> None:
    """Receive what tasks announces (called once, from ``ReportsConfig.ready``)."""
    signals.assignment_status_changed.connect(_status_changed, dispatch_uid="reports-status-mail")
    signals.extension_decided.connect(_extension_decided, dispatch_uid="reports-extension-mail")
    signals.obstacle_decided.connect(_obstacle_decided, dispatch_uid="reports-obstacle-mail")
    signals.explanation_changed.connect(_explanation_changed, dispatch_uid="reports-explanation-mail")

"""Celery jobs of the reports app: thin, they call the services in reports.outbox, reminders, digests
and official_mails.

Sender jobs are acknowledged late and rejected if the worker is lost (settings), so a mail
whose worker died is delivered again from the outbox; the outbox row's conditional claim makes
a second delivery attempt of a sent row do nothing. The outbox enqueues ``deliver_notification``
by its name (``outbox.DELIVER_JOB``): it may not import this module, which imports it.
"""

from celery import shared_task

from projectsite import clock

from . import digests, official_mails, outbox, reminders
from .models import Notification


@shared_task(name=outbox.DELIVER_JOB)
def deliver_notification(notification_id: int) -> str:
    outcome = outbox.notification_deliver(notification_id)
    if outcome == "retry":
        wait = outbox.retry_delay(Notification.objects.get(pk=notification_id).attempts)
        deliver_notification.apply_async((notification_id,), countdown=wait.total_seconds())
    return outcome


@shared_task(name="reports.flush_outbox")
def flush_outbox() -> dict:
    """Every minute: whatever is due and was not delivered by its own job (broker down, worker killed)."""
    return outbox.outbox_flush()


@shared_task(name="reports.send_reminders")
def send_reminders() -> dict:
    return reminders.reminders_decide(today=clock.today()).__dict__


@shared_task(name="reports.send_digests")
def send_digests() -> dict:
    return digests.digests_decide(today=clock.today()).__dict__


@shared_task(name="reports.send_official_reports")
def send_official_reports() -> dict:
    """Daily: the official reports of the month, quarter and year that ended, drafted and mailed once."""
    return official_mails.official_reports_decide(today=clock.today()).__dict__

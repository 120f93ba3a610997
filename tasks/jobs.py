"""Celery jobs of the tasks app: thin, they call the services."""

from celery import shared_task

from projectsite import clock

from . import slots


@shared_task(name="tasks.open_report_slots")
def open_report_slots() -> int:
    """Nightly (beat, 00:15): the periodic reports of the periods that started, for every unit that
    owes one (``tasks.slots.slots_ensure``, idempotent)."""
    return slots.slots_ensure(today=clock.today())

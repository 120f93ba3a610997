"""Celery jobs of the units app."""

from celery import shared_task

from . import services


@shared_task(name="units.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Housekeeping scheduled nightly by beat: sessions are stored in the database."""
    return services.sessions_clear_expired()

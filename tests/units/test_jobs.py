"""A job goes through the real broker to a real worker: Redis in CI, the file-system broker otherwise."""

import datetime
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.sessions.models import Session
from django.utils import timezone

from projectsite.celery_app import app
from units.jobs import clear_expired_sessions


@pytest.fixture
def broker():
    """The configured broker (Redis with REDIS_URL, else the file-system one) on a queue of this test's own."""
    saved = app.conf.task_default_queue
    app.conf.task_default_queue = f"test-{uuid.uuid4().hex}"
    yield app.conf.broker_url
    app.conf.task_default_queue = saved


@pytest.mark.django_db(transaction=True)
def test_the_nightly_job_clears_expired_sessions_through_the_broker(broker, settings):
    assert broker == (settings.REDIS_URL or "filesystem://")
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="", expire_date=now - datetime.timedelta(days=1))
    Session.objects.create(session_key="live", session_data="", expire_date=now + datetime.timedelta(days=1))

    clear_expired_sessions.delay()
    assert Session.objects.count() == 2  # nothing happens until a worker takes the message

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING"):
        deadline = time.monotonic() + 20
        while Session.objects.filter(session_key="old").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


@pytest.mark.django_db
def test_beat_runs_it_every_night_from_the_database_schedule():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="units.clear_expired_sessions")
    assert task.enabled
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == ("2", "30", "Asia/Ho_Chi_Minh")

"""A job goes through the real broker to a real worker: Redis in CI, the file-system broker otherwise."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from projectsite.celery_app import app
from tests.worker import running_worker, wait_until
from units.jobs import clear_expired_sessions


@pytest.mark.django_db(transaction=True)
def test_the_nightly_job_clears_expired_sessions_through_the_broker(settings):
    assert app.conf.broker_url == (settings.REDIS_URL or "filesystem://")
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="", expire_date=now - datetime.timedelta(days=1))
    Session.objects.create(session_key="live", session_data="", expire_date=now + datetime.timedelta(days=1))

    with running_worker():
        clear_expired_sessions.delay()
        wait_until(lambda: not Session.objects.filter(session_key="old").exists())
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


@pytest.mark.django_db
def test_beat_runs_it_every_night_from_the_database_schedule():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="units.clear_expired_sessions")
    assert task.enabled
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == ("2", "30", "Asia/Ho_Chi_Minh")

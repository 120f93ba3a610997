"""Exactly once with real processes and a real worker: what two beats or two workers would do."""

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.db import connection
from django_celery_beat.models import PeriodicTask

from projectsite.celery_app import app
from reports.models import Notification, ReminderMark
from tests.conftest import TODAY
from tests.factories import Tree, bulk_assignments, bulk_communes, make_task
from tests.worker import running_worker, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

DRIVER = """
import sys, django
django.setup()
from django.conf import settings
settings.EMAIL_BACKEND = "projectsite.mail.EmlFileBackend"
settings.EMAIL_FILE_PATH = sys.argv[2]
from reports import outbox, reminders
if sys.argv[1] == "decide":
    import datetime
    print(reminders.reminders_decide(today=datetime.date(2023, 6, 20)))
else:
    print(outbox.outbox_flush())
"""


def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("two processes need a shared database server: runs in the PostgreSQL run of CI")


def run_two(step: str, mail_dir: Path) -> list[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "projectsite.settings.test"}
    db = settings.DATABASES["default"]
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", DRIVER, step, str(mail_dir)],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
    return [out for out, _err in outputs]


@pytest.fixture
def province_with_reminders():
    tree = Tree()
    communes = bulk_communes(tree.area, 150, prefix="R")
    for commune in communes:
        commune.contact_emails = f"xa-{commune.code}@example.org"
    type(communes[0]).objects.bulk_update(communes, ["contact_emails"])
    bulk_assignments(communes, make_task(), due_date=TODAY + datetime.timedelta(days=1))
    bulk_assignments(communes, make_task(), due_date=TODAY - datetime.timedelta(days=2))
    return communes


def test_two_processes_deciding_and_sending_at_once_send_every_reminder_once(province_with_reminders, tmp_path):
    postgres_only()
    run_two("decide", tmp_path)
    reminders = Notification.objects.filter(kind="reminder")
    assert reminders.count() == 150
    assert reminders.values("dedupe_key").distinct().count() == 150
    assert ReminderMark.objects.count() == 300  # two stages per commune, each once
    assert ReminderMark.objects.values("assignment", "stage").distinct().count() == 300

    run_two("send", tmp_path)
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert len(list(tmp_path.glob("*.eml"))) == 150  # each mail delivered once, not twice


def beat_schedules():
    """The schedules the migration created (a transactional test may have flushed them)."""
    import importlib

    migration = importlib.import_module("reports.migrations.0003_notification_schedules")
    migration.create(apps, None)
    return PeriodicTask.objects.get(task="reports.send_reminders")


def test_a_reminder_decided_by_the_beat_schedule_ends_up_sent_by_the_worker():
    tree = Tree()
    tree.head_commune.email = "head@example.org"
    tree.head_commune.save()
    bulk_assignments([tree.commune], make_task(title="Kích hoạt định danh"), due_date=TODAY)
    schedule = beat_schedules()
    with running_worker():
        app.send_task(schedule.task, kwargs=json.loads(schedule.kwargs or "{}"))  # what beat does at 07:00
        wait_until(lambda: Notification.objects.filter(kind="reminder", status="sent").exists())
    sent = Notification.objects.get(kind="reminder")
    assert sent.status == "sent" and sent.recipient == "head@example.org"
    assert [m.to for m in mail.outbox] == [["head@example.org"]]
    assert "Kích hoạt định danh" in mail.outbox[0].body

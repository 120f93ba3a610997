"""What reports connects when Django starts, in a process that imported nothing else.

tasks may not import reports (tests/projectsite/test_layers.py), and the outbox may not import the
jobs that call it: ``ReportsConfig.ready`` wires both. A fresh process is used because the test
process has imported every module long before.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import django
django.setup()
from celery import current_app
from reports.outbox import DELIVER_JOB
from tasks import signals
print(current_app.tasks[DELIVER_JOB].name)
for name in ("assignment_status_changed", "extension_decided", "obstacle_decided", "unit_last_reminder"):
    print(name, getattr(signals, name).has_listeners())
"""


def test_a_fresh_process_has_the_delivery_job_and_the_receivers_of_tasks_signals():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "projectsite.settings.test"}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n") == [
        "reports.deliver_notification",
        "assignment_status_changed True",
        "extension_decided True",
        "obstacle_decided True",
        "unit_last_reminder True",
        "",
    ]

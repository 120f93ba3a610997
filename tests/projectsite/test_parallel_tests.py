"""`make test` runs the suite in parallel processes, which never take each other's Celery jobs."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "from projectsite.celery_app import app; "
    "print(json.dumps([app.amqp.default_queue.name, s.CACHES['default'].get('KEY_PREFIX', '')]))"
)


def test_make_test_runs_the_suite_in_parallel_keeping_groups_together():
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text(encoding="utf-8")
    [command] = re.findall(r"^test:.*\n\t(.*)$", makefile, re.MULTILINE)
    assert command == "$(PY) -m pytest -n auto --dist loadgroup $(PYTEST_ARGS)"


def test_each_parallel_process_has_its_own_queue_and_cache_keys():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "projectsite.settings.test",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "PYTEST_XDIST_WORKER": "gw3",
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["celery-gw3", "gw3"]

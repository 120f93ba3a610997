"""With no environment the app runs on SQLite and the file-system broker; the URLs switch it."""

import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], s.CELERY_BROKER_URL, "
    "s.CACHES['default']['BACKEND'], s.APP_TODAY and s.APP_TODAY.isoformat()]))"
)


def probe(**env) -> list:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "APP_TODAY")}
    clean.update(DJANGO_SETTINGS_MODULE="projectsite.settings.local", **env)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_it_runs_on_sqlite_and_the_file_system_broker_by_default():
    engine, name, broker, cache, today = probe()
    assert engine == "django.db.backends.sqlite3"
    assert name.endswith("var/db.sqlite3")
    assert broker == "filesystem://"
    assert cache.endswith("LocMemCache")
    assert today == "2023-06-20"  # the demo's date


def test_database_url_and_redis_url_switch_to_postgresql_and_redis():
    engine, name, broker, cache, today = probe(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/de_an_06",
        REDIS_URL="redis://127.0.0.1:6379/0",
        APP_TODAY="off",
    )
    assert engine == "django.db.backends.postgresql"
    assert name == "de_an_06"
    assert broker == "redis://127.0.0.1:6379/0"
    assert cache.endswith("RedisCache")
    assert today is None

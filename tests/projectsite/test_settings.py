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
    assert today is None  # the demo shows today's world: the calendar's date


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


DEVTOOLS_COMMANDS = {"seed_demo", "generate_load", "bench", "loadtest"}


def commands(settings_module: str, **env) -> set[str]:
    """The command names ``manage.py help`` lists under ``settings_module``."""
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "APP_TODAY")}
    clean.update(DJANGO_SETTINGS_MODULE=settings_module, **env)
    out = subprocess.run(
        [sys.executable, "manage.py", "help"],
        env=clean,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    # Commands are listed indented under their app's name in brackets.
    return {line.strip() for line in out.stdout.splitlines() if line.startswith("    ")}


def test_production_settings_have_none_of_the_developer_tools():
    # The environment make check-deploy gives them: production refuses to start without it.
    listed = commands("projectsite.settings.production", DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="example.org")
    assert listed & DEVTOOLS_COMMANDS == set()
    assert {"seed_reference", "send_reminders", "migrate"} <= listed  # what a real server needs is there


def test_local_settings_have_the_developer_tools_that_make_run_needs():
    assert commands("projectsite.settings.local") >= DEVTOOLS_COMMANDS

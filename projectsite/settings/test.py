"""The test suite. Runs on SQLite unless DATABASE_URL is set (CI sets it for PostgreSQL)."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, INSTALLED_APPS, REDIS_URL, celery_queues, filesystem_broker_options

DEBUG = False
SECRET_KEY = "test-key-not-secret"
# The developer tools are tested too (production does not install them: projectsite/settings/production.py).
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]
# Hashing with the real hasher costs ~0.3 s a user; tests create hundreds.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if not REDIS_URL:
    # The embedded default, the file-system broker, in a folder of this test run's own, removed
    # when the process that made it ends (a test run used to leave one folder per process in /tmp).
    _BROKER_DIR = tempfile.mkdtemp(prefix="de-an-06-broker-")
    atexit.register(shutil.rmtree, _BROKER_DIR, ignore_errors=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(Path(_BROKER_DIR))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not Django's in-memory default: tests that run a real worker or a live server in
    # another thread need SQLite's normal locking (WAL, busy timeout) rather than the shared-cache
    # table locks of an in-memory database, which fail at once under concurrent access.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"de-an-06-test-{os.getpid()}.sqlite3")}

# `make test` runs the suite in several pytest-xdist processes. Each has its own database (pytest-django)
# and broker folder (above); with a shared Redis each also gets its own Celery queue and cache keys, so
# that a real worker started by one process never takes a job another process published.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER:
    CELERY_TASK_DEFAULT_QUEUE, CELERY_TASK_ROUTES, CELERY_TASK_QUEUES = celery_queues(f"-{XDIST_WORKER}")
    CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": XDIST_WORKER}}

LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

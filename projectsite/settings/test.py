"""The test suite. Runs on SQLite unless DATABASE_URL is set (CI sets it for PostgreSQL)."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import REDIS_URL, filesystem_broker_options

DEBUG = False
SECRET_KEY = "test-key-not-secret"
# Hashing with the real hasher costs ~0.3 s a user; tests create hundreds.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if not REDIS_URL:
    # The embedded default, the file-system broker, in a folder of this test run's own.
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(Path(tempfile.mkdtemp(prefix="de-an-06-broker-")))
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

"""The test suite. Runs on SQLite unless DATABASE_URL is set (CI sets it for PostgreSQL)."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import REDIS_URL

DEBUG = False
SECRET_KEY = "test-key-not-secret"
# Hashing with the real hasher costs ~0.3 s a user; tests create hundreds.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if not REDIS_URL:
    # The embedded default, the file-system broker, in a folder of this test run's own.
    _broker_dir = Path(tempfile.mkdtemp(prefix="de-an-06-broker-"))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # kombu's default is ./control
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir()
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

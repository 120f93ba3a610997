"""Settings of the processes the fault tests start: production's, with two test-only changes.

- Mail goes to ``tests.faults.sink.SlowSinkBackend`` (files in ``FAULT_SINK_DIR``, each send
  taking ``FAULT_SINK_DELAY`` seconds), standing in for an SMTP server.
- Static files are served without whitenoise's manifest, so no ``collectstatic`` is needed.

Everything else (the database pool and its health checks, the Celery and broker options,
DEBUG off) is what production runs.
"""

from projectsite.settings.production import *  # noqa: F403
from projectsite.settings.production import STORAGES

EMAIL_BACKEND = "tests.faults.sink.SlowSinkBackend"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# The scenarios create accounts; the real hasher costs ~0.3 s each.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

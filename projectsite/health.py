"""``/healthz``: can this web process reach its database and the Celery broker?

For a load balancer or a monitor: no login, no session, plain HTTP allowed (exempt from the
HTTPS redirect), and nothing in the answer but "ok" or "error" per dependency; the reason of an
error goes to the server's log.
"""

import logging
import os

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu import Connection

log = logging.getLogger(__name__)

# Seconds a broker check may take; the monitor's own timeout is usually a few seconds.
BROKER_TIMEOUT = 2


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        log.warning("health check: database unreachable: %r", error)
        return False
    return True


def broker_ok() -> bool:
    url = settings.CELERY_BROKER_URL
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS or {}
    try:
        if url.startswith("filesystem://"):
            # The local broker is a folder: it works when the web process can write there.
            folder = options.get("data_folder_in", "")
            if not (folder and os.path.isdir(folder) and os.access(folder, os.W_OK)):
                raise OSError(f"broker folder {folder!r} is not writable")
            return True
        limits = {"socket_timeout": BROKER_TIMEOUT, "socket_connect_timeout": BROKER_TIMEOUT}
        with Connection(url, connect_timeout=BROKER_TIMEOUT, transport_options={**options, **limits}) as broker:
            # One try, no retry loop: an unreachable broker answers "error" within the timeout.
            broker.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT)
    except Exception as error:
        log.warning("health check: broker unreachable: %r", error)
        return False
    return True


@never_cache
@require_safe
def healthz(request):
    checks = {"database": database_ok(), "broker": broker_ok()}
    body = {name: "ok" if ok else "error" for name, ok in checks.items()}
    return JsonResponse(body, status=200 if all(checks.values()) else 503)

"""Production: PostgreSQL and Redis, HTTPS behind nginx. Every secret comes from the environment.

The developer tools (``devtools``: seed_demo, generate_load, bench, loadtest) are not installed:
base.py leaves them out, only local.py and test.py add them.
"""

import copy

from .base import *  # noqa: F403
from .base import DATABASES, LOGGING, MIDDLEWARE, STORAGES, env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")  # no default: refuse to start without one
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

for _alias in DATABASES:  # "default" and, when configured, "replica"
    if DATABASES[_alias]["ENGINE"] != "django.db.backends.postgresql":
        continue
    # psycopg 3's pool (Django >= 5.1) keeps connections open between requests.
    DATABASES[_alias]["CONN_MAX_AGE"] = 0
    DATABASES[_alias].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN", default=1),
        "max_size": env.int("DB_POOL_MAX", default=2),  # a sync worker uses one at a time
        # How long a request waits for a connection; while PostgreSQL is down it then gets the
        # 503 page (projectsite/middleware.py). Each process uses one connection at a time.
        "timeout": env.float("DB_POOL_TIMEOUT", default=5),
        # The pool retries a lost server with a doubling wait (1 s, 2 s, 4 s …); after this many
        # seconds it gives up and the next request tries at once, so a restarted PostgreSQL
        # is used again within seconds, however long it was down. Dead connections are
        # dropped by the check that CONN_HEALTH_CHECKS (base.py) turns on.
        "reconnect_timeout": 5,
    }

# whitenoise serves the collected static files (gunicorn behind nginx needs no other server).
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# nginx terminates TLS and sets X-Forwarded-Proto; it sets (or appends) the client's address in
# X-Forwarded-For, which login throttling and the audit log read (projectsite/throttling.py).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=1)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# A monitor or load balancer on the host may ask over plain HTTP (projectsite/health.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600  # one working day
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The audit log also goes to a file when DJANGO_AUDIT_LOG_FILE is set (reopened after logrotate
# moves it).
AUDIT_LOG_FILE = env.str("DJANGO_AUDIT_LOG_FILE", default="")
if AUDIT_LOG_FILE:
    LOGGING = copy.deepcopy(LOGGING)
    LOGGING["handlers"]["audit_file"] = {
        "class": "logging.handlers.WatchedFileHandler",
        "filename": AUDIT_LOG_FILE,
        "formatter": "audit",
    }
    LOGGING["loggers"]["audit"]["handlers"].append("audit_file")

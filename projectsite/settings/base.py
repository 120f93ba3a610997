"""Settings shared by every environment, read from the environment (django-environ).

With no environment at all the app runs on a SQLite file under ``var/`` and Celery uses the
file-system broker, so a new user needs nothing but Python. ``DATABASE_URL`` and
``REDIS_URL`` switch to PostgreSQL and Redis.
"""

import datetime
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from projectsite.clock import parse_setting as parse_app_today

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

# Local state (the SQLite file, the file-system broker's queue, uploads) lives in var/, which
# git ignores; a fresh clone creates it on first start.
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
# A .env file beside manage.py is read when present; the real environment wins.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # Django's widget templates, for FORM_RENDERER below
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "axes",
    "rules.apps.AutodiscoverRulesConfig",  # the one policy: units/rules.py, tasks/rules.py, reports/rules.py
    "units",
    "tasks",
    "reports",
    "projectsite",  # wires the audit log (projectsite/apps.py)
    # "devtools" (demo, load generation, benchmark, load test): added by local.py and test.py only.
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Near the top: a database outage anywhere below answers 503, not 500 (projectsite/middleware.py).
    "projectsite.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A NUL in the query string answers 400; an empty admin _to_field is dropped (projectsite/bounds.py).
    "projectsite.bounds.QueryBoundsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks the read-only pages that may read a replica; remembers each user's last write.
    "projectsite.db_router.ReplicaReadsMiddleware",
    "projectsite.audit.AccessDeniedAuditMiddleware",
    "projectsite.throttling.LoginSerializationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A superuser's or national account's province page without ?province=: the picker (units/choosing.py).
    "units.choosing.ProvincePickerMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "projectsite.urls"
WSGI_APPLICATION = "projectsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "units.context_processors.navigation",
                "projectsite.db_router.replica_as_of",
            ],
        },
    },
]

# Database ------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one file: WAL lets readers go on while one
    # writes, IMMEDIATE transactions avoid "database is locked" on lock upgrades.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: the pages' aggregations run in milliseconds, but a subquery's pessimistic
    # cost estimate made PostgreSQL spend ~0,5 s compiling the lagging list (docs/PERFORMANCE.md).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# A connection kept between requests (production's pool) is tested before it is handed out, so
# the first requests after PostgreSQL restarts do not fail on connections it closed.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A PostgreSQL streaming replica (docs/DEPLOY.md "A read replica"): the province's read-only pages
# and exports read it, everything else the primary (projectsite/db_router.py, DECISIONS "Reads on
# a replica"). Without it every query goes to "default", as before.
if DATABASE_REPLICA_URL := env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["projectsite.db_router.ReplicaRouter"]
# The pages (view names) whose GET may read the replica: read-only pages and their exports.
REPLICA_READ_VIEWS = frozenset(
    {
        "reports:overview",
        "reports:overview_excel",
        "reports:lagging",
        "reports:lagging_excel",
        "reports:scorecard",
        "reports:scorecard_excel",
        "reports:assignments",
        "reports:document",
        "reports:national",
        "reports:national_excel",
    }
)
# After a user's write (any POST), their pages read the primary for this many seconds.
REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=30)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts --------------------------------------------------------------------
AUTH_USER_MODEL = "units.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Axes first: it refuses a locked-out client before any password is checked.
# Axes first (it refuses a locked-out login before any password is checked); the policy's object
# permissions (units/rules.py ...) before ModelBackend, so that an allowed action costs no query.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes): see projectsite/throttling.py and docs/DECISIONS.md.
# Reverse proxies in front of the app that append the client's address to X-Forwarded-For
# (nginx: 1 in production); 0 trusts no header and takes the connection's address.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
AXES_HANDLER = "projectsite.throttling.LoginThrottleHandler"
AXES_CLIENT_IP_CALLABLE = "projectsite.throttling.client_ip"
# Failures of one account from one address, then of one address over all accounts (this order:
# LoginThrottleHandler reads them so), within the cool-off period.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
# Attempts while locked out are refused without being counted: the lock ends 30 minutes after
# the fifth failure, and a locked-out user retrying cannot push the whole address over its limit.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "projectsite.throttling.lockout_response"
# Only failures are stored (and deleted after the cool-off); logins are in the audit log.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False

# Locale ----------------------------------------------------------------------
LANGUAGE_CODE = "vi"
# The product speaks Vietnamese whatever the browser asks for (offices' machines are often
# set to English); English exists only as the source language of the catalogue.
LANGUAGES = [("vi", _("Vietnamese"))]
# locale/ is this project's catalogue (`make messages`); locale_packages/ translates packages
# that ship no Vietnamese (django-celery-beat's admin), kept apart so `make messages` keeps it.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_packages"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Our own format module: dd/mm/yyyy in and out, 1.269.779, weeks start on Monday.
FORMAT_MODULE_PATH = ["projectsite.formats"]
USE_THOUSAND_SEPARATOR = True

# Static and uploaded files -----------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# Evidence files are private: stored outside every static folder, served by a view that
# checks who may see them.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Forms -----------------------------------------------------------------------
# Widgets are drawn with the project's templates first: templates/django/forms/widgets/select_option.html
# names an empty choice in Vietnamese instead of Django's "---------".
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Cache and Celery ------------------------------------------------------------


def filesystem_broker_options(folder: Path) -> dict:
    """Options of kombu's file-system transport, every folder under ``folder`` (created here)."""
    for name in ("queue", "processed", "control"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),  # kombu's default is ./control
        "store_processed": False,
        # kombu polls the folder once a second by default: one mail a second is too slow for a demo.
        "polling_interval": 0.1,
    }


REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A message not acknowledged within this time is delivered again; no countdown or ETA
        # may be longer than this.
        "visibility_timeout": 3600,
        # A Redis that is down or hung fails a command after a second instead of never: a web
        # request that enqueues a mail after its commit must not hang (the outbox flush sends it).
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(VAR_DIR / "celery")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Publishing tries twice, not four times: with the socket timeouts above, a web request whose
# commit enqueues a job waits at most about 2 s for a Redis that is down or hung.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"


# Queues per kind of work, so that workers on several machines can take different queues
# (docs/DEPLOY.md "More workers"): a worker started without -Q (`make run`, the systemd unit)
# consumes every queue of CELERY_TASK_QUEUES; beat publishes each job to its queue by name.
# Exports and structure transitions run inside their web request today (no job), so they have
# no queue yet (DECISIONS "Celery queues per kind of work").
def celery_queues(suffix: str = "") -> tuple[str, dict, tuple]:
    """(the default queue, the routes by job name, every queue), each queue's name + suffix."""
    from kombu import Queue

    routes = {
        "reports.send_reminders": "reminders",
        "reports.send_digests": "digests",
        # The official reports are periodic summaries too: drafted by the workers of the digests.
        "reports.send_official_reports": "digests",
        "reports.deliver_notification": "outbox",
        "reports.flush_outbox": "outbox",
    }
    # The default queue keeps Celery's own name, so jobs queued before an upgrade are still taken.
    default = f"celery{suffix}"
    names = [default, *dict.fromkeys(f"{queue}{suffix}" for queue in routes.values())]
    return (
        default,
        {job: {"queue": f"{queue}{suffix}"} for job, queue in routes.items()},
        tuple(Queue(name, routing_key=name) for name in names),
    )


CELERY_TASK_DEFAULT_QUEUE, CELERY_TASK_ROUTES, CELERY_TASK_QUEUES = celery_queues()

# Email -----------------------------------------------------------------------
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))  # smtp+tls://user:password@host:587
else:
    # No SMTP configured: every mail is written as an .eml file under var/mail.
    EMAIL_BACKEND = "projectsite.mail.EmlFileBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Đề án 06 <de-an-06@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute links in mails (reminders, digests) start with this.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# How many times the outbox tries a mail before marking it failed, and the first wait between
# tries (doubled each time; never longer than the broker's visibility timeout).
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=5)
OUTBOX_RETRY_SECONDS = env.int("OUTBOX_RETRY_SECONDS", default=60)

# Domain settings -------------------------------------------------------------
# Fixes "today" for a demo or a training session (dd/mm/yyyy); empty in production.
APP_TODAY = parse_app_today(env.str("APP_TODAY", default=""))
# An open assignment due within this many days counts as "sắp đến hạn".
DEADLINE_DUE_SOON_DAYS = env.int("DEADLINE_DUE_SOON_DAYS", default=7)
# A unit is behind on an indicator when its attainment is below the expected-to-date share by
# more than this (0.05 = 5 percentage points).
INDICATOR_BEHIND_TOLERANCE = env.float("INDICATOR_BEHIND_TOLERANCE", default=0.05)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # One line per event: time, then key=value pairs (projectsite/audit.py).
        "audit": {"format": "%(asctime)s audit %(message)s", "datefmt": "%Y-%m-%dT%H:%M:%S%z"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "audit": {"class": "logging.StreamHandler", "formatter": "audit"},  # stderr
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # kombu warns "No hostname was supplied" for the file-system broker, which needs none.
        "kombu.connection": {"level": "ERROR"},
        # Logins, refusals and changes of data, whatever LOG_LEVEL says.
        "audit": {"handlers": ["audit"], "level": "INFO", "propagate": False},
    },
}

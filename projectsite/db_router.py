"""Reads of read-only pages on a PostgreSQL streaming replica, when one is configured.

The rule (DECISIONS "Reads on a replica"): a request reads the replica only when all of these hold:
``DATABASE_REPLICA_URL`` is set (the "replica" alias exists); the request is a GET or HEAD; its
view is one of ``REPLICA_READ_VIEWS`` (the province's read-only pages and their exports, named in
the settings); and the user has not written anything (any other method) in the last
``REPLICA_STICKY_SECONDS``, so that the page after a save shows the save. Inside such a request
``ReplicaRouter.db_for_read`` answers "replica" for the domain's models (units, tasks, reports),
never for accounts and sessions (a password just changed, a session just started must be seen).
Writes always go to the primary; without a replica nothing changes.

A page that read the replica says how fresh its figures are: ``replica_as_of`` (a context
processor) gives the replica's last replayed transaction time for ``templates/base.html``.
"""

import datetime
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

REPLICA = "replica"
# Set by ReplicaReadsMiddleware for the view of a replica-safe request; read by the router.
_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)
# The session key holding the time until which the user's reads stay on the primary.
PRIMARY_UNTIL = "_db_primary_until"
REPLICA_APPS = {"units", "tasks", "reports"}
PRIMARY_MODELS = {"units.user"}


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def reading_replica() -> bool:
    return _replica_reads.get()


class ReplicaRouter:
    """Only reads inside a replica-safe request leave the primary; migrations run on the primary only."""

    def db_for_read(self, model, **hints):
        meta = model._meta
        if _replica_reads.get() and meta.app_label in REPLICA_APPS and meta.label_lower not in PRIMARY_MODELS:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA


class ReplicaReadsMiddleware:
    """Marks a request replica-safe (see the module's rule); remembers each user's last write."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.replica_reads = False
        try:
            response = self.get_response(request)
        finally:
            token = getattr(request, "_replica_token", None)
            if token is not None:
                _replica_reads.reset(token)
        user = getattr(request, "user", None)
        if replica_configured() and request.method not in ("GET", "HEAD", "OPTIONS") and user and user.is_authenticated:
            # Read-after-write: this user's next pages read the primary for a while.
            request.session[PRIMARY_UNTIL] = time.time() + settings.REPLICA_STICKY_SECONDS
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            replica_configured()
            and request.method in ("GET", "HEAD")
            and request.resolver_match.view_name in settings.REPLICA_READ_VIEWS
            and request.session.get(PRIMARY_UNTIL, 0) <= time.time()
        ):
            request.replica_reads = True
            request._replica_token = _replica_reads.set(True)
        return None


def replica_replay_time() -> datetime.datetime | None:
    """The commit time of the last transaction the replica has replayed (None: nothing replayed yet)."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_last_xact_replay_timestamp()")
        (stamp,) = cursor.fetchone()
    return stamp


def replica_as_of(request) -> dict:
    """Context processor: ``replica_as_of``, the replica's replay time as "hh:mm:ss" (and the date
    when it is not today), only on a page that read the replica; the query runs only if shown."""
    if not getattr(request, "replica_reads", False):
        return {}

    def as_of() -> str:
        stamp = replica_replay_time()
        if stamp is None:
            return ""
        local = timezone.localtime(stamp)
        if local.date() == timezone.localdate():
            return local.strftime("%H:%M:%S")
        return local.strftime("%H:%M:%S %d/%m/%Y")

    return {"replica_as_of": SimpleLazyObject(as_of)}

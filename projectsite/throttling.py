"""Login throttling with django-axes: who the client is, when it is locked out, what it is told.

- A (username, address) pair is locked after ``AXES_FAILURE_LIMIT`` (5) failures within
  ``AXES_COOLOFF_TIME`` (30 minutes): the owner of an account mistyping does not lock their
  colleagues behind the same office NAT, and nobody can lock an account from elsewhere.
- An address is locked for everyone after ``LOGIN_ADDRESS_FAILURE_LIMIT`` (30) failures over
  any usernames: usernames here are predictable (head-<unit code>), so trying one password on
  many accounts from one address must stop too. The limit is higher because offices share
  addresses.
- The client's address is ``REMOTE_ADDR``, or behind ``TRUSTED_PROXY_COUNT`` reverse proxies the
  address the outermost of them appended to X-Forwarded-For. What the client wrote in that
  header itself is never read, so a forged value cannot reset its counters.
- Axes checks the counters before the password and records a failure after it, in two
  statements; two attempts at the same moment would both pass the check (jazzband/django-axes
  #592). ``LoginSerializationMiddleware`` makes attempts from one address take turns.
"""

import hashlib
import ipaddress
import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Sum
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_noop

# django-axes ships no Vietnamese; its admin (where the secretariat unlocks accounts) is
# translated in our catalogue, which takes precedence (LOCALE_PATHS).
AXES_ADMIN_STRINGS = [
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Attempt Time"),
    gettext_noop("IP Address"),
    gettext_noop("User Agent"),
    gettext_noop("Path"),
    gettext_noop("Failed Logins"),
    gettext_noop("Locked Out"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Clean up expired attempts"),
]


def client_ip(request) -> str | None:
    """The client's address: behind N trusted proxies, the N-th address from the right of
    X-Forwarded-For (nginx appends the address it saw); otherwise ``REMOTE_ADDR``.

    A request without enough addresses in the header did not come through the proxies (a
    monitor calling the server directly), and its ``REMOTE_ADDR`` is the truth.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-hops]))
    except ValueError:
        return remote


class LoginThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit of its own for the address-wide count, and a reset on
    success that forgives the account's failures from that address only, not its neighbours'.

    ``AXES_LOCKOUT_PARAMETERS`` lists the account-and-address count first, then the address.
    """

    def get_failures(self, request, credentials=None) -> int:
        counts = [
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        per_account, per_address = counts[0], max(counts[1:], default=0)
        address_limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
        if address_limit and per_address >= address_limit:
            # The address is locked whatever the account: report at least the account limit.
            return max(per_account, get_failure_limit(request, credentials))
        return per_account

    def reset_user_attempts(self, request, credentials=None) -> int:
        own = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials), ip_address=request.axes_ip_address
        )
        deleted, _details = own.delete()
        return deleted


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out client gets instead of the login form: HTTP 429, in Vietnamese."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    response = render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


# How long a login attempt waits for the one before it from the same address (PostgreSQL).
LOGIN_LOCK_WAIT_SECONDS = 10
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's error when lock_timeout runs out


def _advisory_key(text: str) -> int:
    """A signed 64-bit number for PostgreSQL's advisory locks."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


class LoginSerializationMiddleware:
    """Login attempts from one client address run one after another, in one transaction.

    On PostgreSQL a transaction-scoped advisory lock on the address makes them wait for each
    other (released at commit, when the failure is recorded); on SQLite the transaction alone
    does it (``BEGIN IMMEDIATE`` takes the database's write lock). Every counter axes keeps here
    includes the address, so no two attempts that share a counter overlap.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._paths = None

    def login_paths(self) -> set[str]:
        if self._paths is None:
            self._paths = {reverse("login"), reverse("admin:login")}
        return self._paths

    def __call__(self, request):
        if not (settings.AXES_ENABLED and request.method == "POST" and request.path_info in self.login_paths()):
            return self.get_response(request)
        with transaction.atomic():
            if connection.vendor == "postgresql" and not self.wait_for_turn(request):
                return lockout_response(request)
            return self.get_response(request)

    @staticmethod
    def wait_for_turn(request) -> bool:
        """Take the address's lock for the rest of the transaction; False if it is not free
        within ``LOGIN_LOCK_WAIT_SECONDS`` (a flood from one address must not hold every worker)."""
        try:
            # In a savepoint, so that a timeout leaves the transaction usable.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{LOGIN_LOCK_WAIT_SECONDS * 1000:.0f}"])
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_advisory_key(f"login:{client_ip(request)}")])
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise  # the database itself is in trouble: not a matter of turns
            return False
        return True

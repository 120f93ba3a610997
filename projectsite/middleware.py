"""Middleware of the project."""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers

log = logging.getLogger(__name__)

# What Django raises when the database is down, restarting or unreachable (psycopg's pool
# timing out included: PoolTimeout is an OperationalError).
DATABASE_ERRORS = (OperationalError, InterfaceError)
# Seconds a browser or a monitor is told to wait before trying again.
RETRY_AFTER = 30


class DatabaseUnavailableMiddleware:
    """While the database cannot be reached, answer 503 with a short page rather than a 500.

    A view's error reaches ``process_exception``. One raised in another middleware (a session
    saved on the way out, the login serialisation's transaction) has already been turned into
    a 500 by Django when it gets here; the ``got_request_exception`` receiver below marks the
    request, and ``__call__`` replaces that 500. Hence this middleware goes near the top of
    ``MIDDLEWARE``. The page is rendered without the request (no context processor, no query).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        error = getattr(request, "_database_error", None)
        if response.status_code == 500 and error is not None:
            return database_unavailable(request, error)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return database_unavailable(request, exception)
        return None


def _note_database_error(sender, request=None, **kwargs):
    """Django sends this while handling an uncaught exception: remember it if the database failed."""
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_ERRORS):
        request._database_error = error


got_request_exception.connect(_note_database_error, dispatch_uid="projectsite.middleware.database_error")


def database_unavailable(request, error: Exception) -> HttpResponse:
    log.warning("database unavailable, answered 503 to %s %s: %s", request.method, request.path, error)
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    add_never_cache_headers(response)
    return response

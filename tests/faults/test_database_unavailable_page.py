"""The 503 page of projectsite.middleware, without a database server to stop: errors are simulated.

The real outage (PostgreSQL stopped under gunicorn) is in test_postgres_restart.py.
"""

from unittest import mock

from django.db import OperationalError
from django.test import Client

SESSION_LOAD = "django.contrib.sessions.backends.db.SessionStore.load"


class BrokenDatabaseMiddleware:
    """A middleware whose own query fails, as the login serialisation's transaction would."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/login/":
            raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')
        return self.get_response(request)


class BrokenCodeMiddleware(BrokenDatabaseMiddleware):
    def __call__(self, request):
        raise ValueError("a bug, not an outage")


def assert_unavailable_page(response):
    assert response.status_code == 503
    text = response.content.decode()
    assert 'id="service-unavailable"' in text and '<html lang="vi">' in text
    assert "Đề án 06" in text  # rendered in Vietnamese, whatever the request asked for
    assert response["Retry-After"] == "30" and "no-cache" in response["Cache-Control"]


def test_a_page_whose_database_is_unreachable_answers_503_without_a_query(client):
    """No database access is allowed here (no ``db`` fixture): a query would fail the test."""
    client.cookies["sessionid"] = "a" * 32  # a logged-in browser: the view needs the session
    with mock.patch(SESSION_LOAD, side_effect=OperationalError("server closed the connection unexpectedly")):
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US")
    assert_unavailable_page(response)


def test_an_outage_met_in_a_middleware_answers_503_too(db, settings):
    """Django turns a middleware's exception into a 500 before ours sees it; ours replaces it."""
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.faults.test_database_unavailable_page.BrokenDatabaseMiddleware"]
    client = Client(raise_request_exception=False)
    response = client.post("/login/", {"username": "head-1", "password": "not-checked"})
    assert_unavailable_page(response)


def test_other_errors_stay_errors(db, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.faults.test_database_unavailable_page.BrokenCodeMiddleware"]
    response = Client(raise_request_exception=False).get("/login/")
    assert response.status_code == 500

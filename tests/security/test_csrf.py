"""Every URL that accepts a POST refuses one without a CSRF token, and one with a valid token sent
from a foreign site (the Origin header), with 403; nothing changes and the session survives.

The URLs come from the URL configuration (tests/security/urlconf.py); whether one accepts POST
is found by trying, with a valid token, as a role its declared policy lets in.
"""

import logging
import re

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from tests.security.urlconf import SCOPES, object_kinds, routes, snapshot, world_for_module, writes_recorded
from units import permissions as p

EVIL = "https://evil.example"
# Who may send each policy's POSTs (the matrix checks they are let in); "own" objects.
ALLOWED = {
    p.PUBLIC: "head_commune",  # logging out is the POST worth forging
    p.ANY_ACCOUNT: "head_commune",
    p.ANY_ROLE: "head_commune",
    p.PROVINCE_VIEWER: "leader",
    p.SECRETARIAT: "secretariat",
    p.UNIT_MEMBER: "head_commune",
    p.UNIT_SCOPED_READ: "head_commune",
    p.UNIT_SCOPED_WRITE: "head_commune",
    p.IMPORTER: "head_district",
}
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _testable(route) -> bool:
    try:
        object_kinds(route)
    except LookupError:
        return False
    return route.policy in ALLOWED


ROUTES = [route for route in routes() if _testable(route)]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with world_for_module(django_db_blocker, tmp_path_factory.mktemp("media")) as world:
        yield world


@pytest.fixture
def browser(world, db):
    """A client that checks CSRF as the site does, logged in as ``role`` by ``log_in``."""
    return Client(enforce_csrf_checks=True)


def csrf_token(client) -> str:
    """The token a form of the site carries for this client, as a browser would find it."""
    page = client.get(reverse("account") if "_auth_user_id" in client.session else reverse("login"))
    assert page.status_code == 200
    return _TOKEN.search(page.content.decode()).group(1)


def csrf_refusals(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "django.security.csrf"]


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_post_endpoint_refuses_a_forged_post(route, world, browser, caplog):
    role = ALLOWED[route.policy]
    world.log_in(browser, role)
    url, _owners = world.url(route, SCOPES[role].get("own", "commune"))
    session_key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    token = csrf_token(browser)
    caplog.set_level(logging.WARNING, logger="django.security.csrf")

    for forged in ({}, {"csrfmiddlewaretoken": token, "headers": {"Origin": EVIL}}):
        headers = forged.pop("headers", {})
        before = snapshot()
        caplog.clear()
        with writes_recorded() as statements:
            response = browser.post(url, forged, headers=headers)
        refusal = "without a token" if not forged else f"from {EVIL}"
        assert response.status_code == 403, f"POST {url} {refusal} answered {response.status_code}"
        assert csrf_refusals(caplog), f"POST {url} {refusal}: the 403 did not come from the CSRF check"
        assert statements == [] and snapshot() == before, f"POST {url} {refusal} changed data: {statements}"
        assert SessionStore().exists(session_key), f"POST {url} {refusal} ended the session"

    # The same POST with the token, from the site itself, gets past the check: it was the check.
    caplog.clear()
    response = browser.post(url, {"csrfmiddlewaretoken": token}, headers={"Origin": "http://testserver"})
    if response.status_code == 405:
        pytest.skip(f"{route} does not accept POST")
    assert not csrf_refusals(caplog), f"POST {url} with a valid token was refused: {csrf_refusals(caplog)}"


def test_the_login_form_refuses_a_post_without_a_token(world, browser, caplog):
    caplog.set_level(logging.WARNING, logger="django.security.csrf")
    response = browser.post(reverse("login"), {"username": "head-commune40", "password": "pw-for-tests-1"})
    assert response.status_code == 403
    assert csrf_refusals(caplog)
    assert "_auth_user_id" not in browser.session


def test_the_same_login_with_a_token_logs_in(world, browser):
    """The control of the test above: the password is right, only the token was missing."""
    token = csrf_token(browser)
    response = browser.post(
        reverse("login"), {"username": "head-commune40", "password": "pw-for-tests-1", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == str(world.home.head_commune.pk)

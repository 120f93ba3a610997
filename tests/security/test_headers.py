"""With the production settings: HTTPS only, the security headers on every page, cookies the
browser keeps to this site over HTTPS, and no page that loads anything from another site (the
government networks are often offline, and a CDN would see who works when)."""

import datetime
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import override_settings
from django.urls import reverse

from tasks import services
from tests.conftest import TODAY
from tests.factories import make_assignment, make_eid_targets, make_task

SECURITY_SETTINGS = [
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_AGE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
]
PROBE = (
    "import json; from django.conf import global_settings as g; import projectsite.settings.production as s; "
    f"print(json.dumps({{n: getattr(s, n, getattr(g, n)) for n in {SECURITY_SETTINGS!r}}}))"
)
HTTPS = {"headers": {"X-Forwarded-Proto": "https"}}  # what nginx sets in front of the app


@pytest.fixture(scope="module")
def production() -> dict:
    """The security settings of projectsite.settings.production, read in a process of its own."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="de-an-06.example")
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )
    values = json.loads(out.stdout.strip().splitlines()[-1])
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.fixture
def as_in_production(production):
    with override_settings(**production):
        yield production


def test_the_production_settings_ask_for_https_and_cookies_kept_to_it(production):
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert production["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    assert production["SESSION_COOKIE_HTTPONLY"]
    assert production["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert production["CSRF_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert production["SESSION_COOKIE_AGE"] <= 12 * 3600  # a working day, not Django's two weeks
    assert production["X_FRAME_OPTIONS"] == "DENY"
    assert production["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert production["SECURE_REFERRER_POLICY"] in ("same-origin", "strict-origin", "no-referrer")


def test_plain_http_is_sent_to_https(client, db, as_in_production):
    response = client.get(reverse("login"))
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/login/"


@pytest.mark.parametrize("role", [None, "head_commune", "secretariat"])
def test_every_answer_carries_the_security_headers(client, tree, as_in_production, role):
    if role:
        client.force_login(getattr(tree, role))
    for url in [reverse("login"), reverse("home"), reverse("account"), reverse("reports:overview")]:
        response = client.get(url, **HTTPS)
        assert response["X-Frame-Options"] == "DENY", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == as_in_production["SECURE_REFERRER_POLICY"], url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload", url


def test_the_login_cookies_are_secure_httponly_and_same_site(client, tree, as_in_production):
    client.get(reverse("login"), **HTTPS)
    response = client.post(
        reverse("login"), {"username": tree.head_commune.username, "password": "pw-for-tests-1"}, **HTTPS
    )
    assert response.status_code == 302

    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == as_in_production["SESSION_COOKIE_SAMESITE"]
    assert int(session["max-age"]) == as_in_production["SESSION_COOKIE_AGE"]
    csrf = client.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"]
    assert csrf["samesite"] == as_in_production["CSRF_COOKIE_SAMESITE"]
    assert bool(csrf["httponly"]) == as_in_production["CSRF_COOKIE_HTTPONLY"]


# No CDN ------------------------------------------------------------------------------------

URL_ATTRIBUTES = {"src", "href", "action", "formaction", "data", "poster", "srcset", "background", "manifest"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)""")


class _Addresses(HTMLParser):
    """Every address a page names in an attribute or in CSS, with where it was."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self._in_style = tag == "style"
        for name, value in attrs:
            if value and name in URL_ATTRIBUTES:
                for part in value.split(",") if name == "srcset" else [value]:
                    self.found.append((f"<{tag} {name}>", part.strip().split(" ")[0]))
            if value and name == "style":
                self.found.extend((f"<{tag} style>", url) for url in css_urls(value))

    def handle_data(self, data):
        if self._in_style:
            self.found.extend(("<style>", url) for url in css_urls(data))

    def handle_endtag(self, tag):
        self._in_style = False


def css_urls(text: str) -> list[str]:
    return [a or b for a, b in CSS_URL.findall(text)]


def foreign(address: str) -> bool:
    """Does loading ``address`` reach another site than this one?"""
    if address.startswith(("data:", "#", "mailto:", "tel:", "javascript:")):
        return False
    parts = urlsplit(address)
    if not (parts.scheme or address.startswith("//")):
        return False
    return parts.hostname not in {"testserver", urlsplit(settings.SITE_URL).hostname}


@pytest.fixture
def pages(client, tree, fixed_today):
    """The main pages of each role, with something on them."""
    assignment = make_assignment(tree.commune, make_task(), due_date=TODAY + datetime.timedelta(days=3))
    indicator = make_eid_targets({tree.commune: 1000})
    services.obstacle_raise(user=tree.head_commune, category="data", text="Thiếu máy quét")
    return {
        None: [reverse("login")],
        tree.head_commune: [
            reverse("tasks:my_unit"),
            reverse("tasks:assignment", args=[assignment.pk]),
            reverse("tasks:target", args=[indicator.targets.get().pk]),
            reverse("tasks:obstacles"),
            reverse("account"),
            reverse("password_change"),
            reverse("reports:search") + "?q=dien",
        ],
        tree.head_district: [reverse("tasks:unit", args=[tree.commune.code]), reverse("tasks:import_start")],
        tree.secretariat: [
            reverse("reports:overview"),
            reverse("reports:assignments"),
            reverse("reports:lagging"),
            reverse("reports:work_queue"),
            reverse("reports:scorecard"),
            reverse("reports:notifications"),
            reverse("reports:document", args=[assignment.task.document.pk]),
            reverse("tasks:plan"),
            reverse("unit_handover", args=[tree.commune.code]),
        ],
    }


def test_no_page_loads_anything_from_another_site(client, pages):
    seen_static: set[str] = set()
    for user, urls in pages.items():
        if user is not None:
            client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            parser = _Addresses()
            parser.feed(response.content.decode())
            assert parser.found, url
            assert [found for found in parser.found if foreign(found[1])] == [], url
            seen_static.update(a for _where, a in parser.found if a.startswith(settings.STATIC_URL))
        client.logout()

    # The style sheets those pages load do not fetch fonts or images from elsewhere either.
    style_sheets = [a for a in seen_static if a.split("?")[0].endswith(".css")]
    assert style_sheets
    for address in style_sheets:
        path = finders.find(address.split("?")[0].removeprefix(settings.STATIC_URL))
        assert path, address
        with open(path, encoding="utf-8") as css:
            assert [url for url in css_urls(css.read()) if foreign(url)] == [], address


def test_the_check_for_other_sites_would_see_one():
    parser = _Addresses()
    parser.feed(
        '<link href="https://cdn.jsdelivr.net/npm/bootstrap.css"><script src="//unpkg.com/htmx.org"></script>'
        '<div style="background: url(https://fonts.example/x.png)"></div><img src="/static/logo.png">'
    )
    assert [address for _where, address in parser.found if foreign(address)] == [
        "https://cdn.jsdelivr.net/npm/bootstrap.css",
        "//unpkg.com/htmx.org",
        "https://fonts.example/x.png",
    ]

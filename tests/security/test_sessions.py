"""Login sessions: a new key at login, and no session outlives a password change, a deactivation
or a logout (the next request of that browser goes to the login page)."""

from html.parser import HTMLParser

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from tests.factories import make_user

PASSWORD = "pw-for-tests-1"
NEW_PASSWORD = "Dien-Chau-de-an-06-2023"


def log_in(client, user, password=PASSWORD):
    """Log in through the login form, as a browser does."""
    response = client.post(reverse("login"), {"username": user.username, "password": password})
    assert response.status_code == 302 and response.url == reverse("home"), "the login was refused"
    return client.cookies[settings.SESSION_COOKIE_NAME].value


class _FormFields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and (attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs):
            self.fields[name] = attrs.get("value") or ("on" if attrs.get("type") == "checkbox" else "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def form_fields(html: str) -> dict[str, str]:
    """What a browser would send back from the page's form, unchanged."""
    parser = _FormFields()
    parser.feed(html)
    return parser.fields


def logged_out(client) -> bool:
    response = client.get(reverse("account"))
    return response.status_code == 302 and response.url.startswith(reverse("login"))


def test_it_gives_a_new_session_key_at_login(client, tree):
    planted = client.session  # a visitor's session, or one an attacker made and planted
    planted["seen"] = True
    planted.save()
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    assert log_in(client, tree.head_commune) != key
    assert not SessionStore().exists(key)
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = key
    assert logged_out(attacker)
    assert not logged_out(client)


def test_changing_the_password_on_its_page_ends_the_users_other_sessions(tree):
    office, phone, colleague = Client(), Client(), Client()
    log_in(office, tree.head_commune)
    log_in(phone, tree.head_commune)
    log_in(colleague, tree.head_district)

    response = office.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert not logged_out(office)  # the browser that changed it stays logged in
    assert logged_out(phone)
    assert not logged_out(colleague)


def test_a_password_set_elsewhere_ends_every_session_of_the_user(tree):
    """``manage.py changepassword``, a script or a service: set_password and save."""
    office, phone = Client(), Client()
    log_in(office, tree.head_commune)
    log_in(phone, tree.head_commune)

    tree.head_commune.set_password(NEW_PASSWORD)
    tree.head_commune.save()

    assert logged_out(office)
    assert logged_out(phone)
    log_in(office, tree.head_commune, NEW_PASSWORD)


def test_a_password_set_in_the_admin_ends_every_session_of_the_user(tree):
    admin = Client()
    log_in(admin, make_user(None, username="root", is_superuser=True, is_staff=True))
    office = Client()
    log_in(office, tree.head_commune)

    response = admin.post(
        reverse("admin:auth_user_password_change", args=[tree.head_commune.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    assert logged_out(office)
    assert not logged_out(admin)


def test_a_deactivated_account_is_logged_out_at_its_next_request(tree):
    office = Client()
    log_in(office, tree.head_commune)

    tree.head_commune.is_active = False
    tree.head_commune.save()

    assert logged_out(office)
    response = office.post(reverse("login"), {"username": tree.head_commune.username, "password": PASSWORD})
    assert response.status_code == 200 and logged_out(office)


def test_a_session_of_a_deactivated_account_stays_dead_when_it_is_reactivated(tree):
    office = Client()
    log_in(office, tree.head_commune)
    admin = Client()
    admin.force_login(make_user(None, username="root", is_superuser=True, is_staff=True))
    url = reverse("admin:units_user_change", args=[tree.head_commune.pk])
    data = form_fields(admin.get(url).content.decode())

    del data["is_active"]  # the secretariat unticks "active" and saves
    response = admin.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    tree.head_commune.refresh_from_db()
    assert not tree.head_commune.is_active and logged_out(office)
    tree.head_commune.is_active = True  # and later, another day, ticks it again
    tree.head_commune.save()

    assert logged_out(office)


def test_logging_out_deletes_the_session_on_the_server(tree):
    office = Client()
    key = log_in(office, tree.head_commune)
    stolen = Client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = key
    assert not logged_out(stolen)

    response = office.post(reverse("logout"))

    assert response.status_code == 302 and response.url == reverse("login")
    assert not SessionStore().exists(key)
    assert logged_out(stolen)  # a copied cookie is worth nothing any more
    assert logged_out(office)


def test_logging_out_needs_a_post(tree):
    """A link or an image on another site (GET) cannot log anyone out."""
    office = Client()
    key = log_in(office, tree.head_commune)
    assert office.get(reverse("logout")).status_code == 405
    assert SessionStore().exists(key)

"""No input ends in a server error: every URL of the URL configuration, the admin's included, for
every role, with hostile path ids (huge, negative, zero, not a number) and hostile query and form
values (huge, negative, not a number, empty, very long, odd unicode, a NUL).

The walk is the one of the authorization matrix (tests/security/urlconf.py); the admin's URLs are
walked from ``admin.site``. A cell is a URL pattern and a role. The role the page is made for
(the staff secretariat in the admin) sends every hostile path id, the hostile query values, and
the page's forms posted with hostile values in every field; every other role sends one value of
each kind, rotating with the role and the URL, so that the sample covers every value in every
role without taking minutes. Any 500 (or exception) fails the cell, naming the requests. One
small world is built once for the module (tests/security/urlconf.World).
"""

import re
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.forms import BaseForm, BaseFormSet
from django.test import Client
from django.urls import reverse

from tests.security.urlconf import ROLES, Route, World, routes, world_for_module
from units.services import secretariat_group_ensure

HUGE = str(10**30)
# Values for a path id: beyond every integer column, one past bigint, negative, zero, not a number.
PATH_VALUES = {
    "huge": HUGE,
    "bigint+1": str(2**63),
    "negative": "-1",
    "zero": "0",
    "text": "abc",
    "unicode": "Đ²١",
}
# Values for a query or form field.
QUERY_VALUES = {
    "huge": HUGE,
    "bigint+1": str(2**63),
    "negative": "-5",
    "zero": "0",
    "text": "abc",
    "empty": "",
    "long": "9" * 400,
    "very long": "x" * 5000,
    "superscript digit": "²",
    "arabic digits": "١٢٣",
    "nul": "a\x00b",
    "float": "1e400",
    "nan": "NaN",
    "odd unicode": "\u202eĐ😀\u0301",
    "date": "31/02/2023",
    "huge year": "99999-01-01",
}
# What the role a page is made for sends (every path value too); the others send one, rotating.
WIDE_QUERY_VALUES = ("huge", "text", "empty", "very long", "superscript digit", "nul")
WIDE_FORM_VALUES = ("huge", "superscript digit")
GENERIC_FIELDS = ("version", "year", "value", "as_of", "progress", "unit", "districts", "action")
# The query parameters the views read (read in reports/views/, reports/filters.py, tasks/views.py,
# tasks/planning_views.py, the admin), and a few more a user could type.
QUERY_PARAMS = (
    "page",
    "q",
    "area",
    "document",
    "kind",
    "unit",
    "status",
    "level",
    "year",
    "as_of",
    "sort",
    "task",
    "assignment",
    "age",
    "p",
    "o",
)
# Whom each page is made for: they reach the view's own code, the others mostly a refusal.
MEANT_FOR = {
    "public": "anonymous",
    "any_account": "head_commune",
    "any_role": "head_commune",
    "province_viewer": "secretariat",
    "secretariat": "secretariat",
    "unit_member": "head_commune",
    "unit_scoped_read": "head_district",
    "unit_scoped_write": "head_commune",
    "importer": "head_district",
}
FUZZ_ROLES = ("staff_admin", *ROLES)  # the secretariat with its admin account, and the matrix's roles

# 500s that belong to other items of issue 12: known, fixed on their own branches.
OTHERS: dict[str, str] = {}


@dataclass(frozen=True)
class Target:
    """A URL pattern to fuzz: an app route or an admin URL."""

    name: str
    # Builds the URL from a value for its path parameters (None: the valid object).
    build: object
    has_params: bool
    policy: str

    def __str__(self) -> str:
        return self.name


_PARAM = re.compile(r"<(?:([^>:]+):)?([^>]+)>")


def _app_target(route: Route) -> Target:
    def build(world: World, value: str | None) -> str:
        if value is None:
            url, _owners = world.url(route, "commune")
            return url
        return "/" + _PARAM.sub(lambda m: quote(value), route.route)

    return Target(str(route), build, bool(route.params), route.policy or "")


def _admin_targets() -> list[Target]:
    targets = [
        Target("admin:index", lambda world, value: reverse("admin:index"), False, "admin"),
        Target("admin:autocomplete", lambda world, value: reverse("admin:autocomplete"), False, "admin"),
    ]
    for model in admin.site._registry:
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        targets.append(Target(f"admin:{info}_changelist", _admin_url(f"admin:{info}_changelist"), False, "admin"))
        if model._meta.app_label in ("units", "tasks", "reports"):  # the project's own forms
            targets.append(Target(f"admin:{info}_add", _admin_url(f"admin:{info}_add"), False, "admin"))
        targets.append(Target(f"admin:{info}_change", _admin_object_url(model, "change"), True, "admin"))
    return targets


def _admin_url(name):
    return lambda world, value: reverse(name)


def _admin_object_url(model, action):
    def build(world: World, value: str | None) -> str:
        obj_id = (
            value
            if value is not None
            else str(model._default_manager.order_by("pk").values_list("pk", flat=True).first() or 1)
        )
        base = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        return f"{base}{quote(obj_id)}/{action}/"

    return build


TARGETS = [_app_target(route) for route in routes()] + _admin_targets()


def _admin_params(url: str) -> tuple[str, ...]:
    """The query parameters an admin page reads: its list filters, date hierarchy, autocomplete's."""
    for model, model_admin in admin.site._registry.items():
        base = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        if url == base:
            names = ["q", "p", "o", "e", "all", "_to_field", "_popup"]
            for spec in model_admin.list_filter:
                if isinstance(spec, str | tuple):
                    field = spec if isinstance(spec, str) else spec[0]
                    names += [f"{field}__exact", f"{field}__id__exact", f"{field}__isnull", field]
                elif getattr(spec, "parameter_name", None):
                    names.append(spec.parameter_name)
            if model_admin.date_hierarchy:
                names += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
            return tuple(names)
    if url == reverse("admin:autocomplete"):
        return ("app_label", "model_name", "field_name", "term", "page")
    return ("_changelist_filters", "_to_field", "_popup")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with world_for_module(django_db_blocker, tmp_path_factory.mktemp("media")) as world:
        staff = world.home.secretariat.__class__.objects.create_user(
            username="secretariat-admin", role="secretariat", unit=world.home.police, is_staff=True
        )
        secretariat_group_ensure(users=[staff])
        login = Client()
        login.force_login(staff)
        world.sessions["staff_admin"] = login.cookies[settings.SESSION_COOKIE_NAME].value
        world.staff_admin = staff
        yield world


def _log_in(world: World, client: Client, role: str) -> None:
    if role == "staff_admin":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    else:
        world.log_in(client, role)


def _rotating(values: dict, role: str, target: Target, salt: int) -> list[str]:
    """One of the values, rotating with the role, the URL and the kind of request."""
    names = list(values)
    return [names[(FUZZ_ROLES.index(role) * 7 + sum(map(ord, target.name)) + salt * 3) % len(names)]]


def _forms(response) -> list[BaseForm]:
    found = []
    for context in response.context or []:
        for value in context.flatten().values() if hasattr(context, "flatten") else []:
            if isinstance(value, BaseForm) and value not in found:
                found.append(value)
            elif isinstance(value, BaseFormSet):
                found.extend(form for form in [value.management_form, *value.forms] if form not in found)
    return found


def _fields(response) -> list[str]:
    names = []
    for form in _forms(response):
        for name in form.fields:
            key = form.add_prefix(name)
            if key not in names:
                names.append(key)
    return names


def _request(client, method, url, data=None, query=""):
    """One request; a 500 or an exception is returned as a failure line, else None."""
    full = f"{url}?{query}" if query else url
    try:
        with transaction.atomic():
            response = getattr(client, method)(full, data or {})
            if response.streaming:
                b"".join(response.streaming_content)
            transaction.set_rollback(True)
    except Exception as error:  # every crash is a finding
        sent = {key: value[:30] for key, value in (data or {}).items()}
        return f"{method.upper()} {full[:200]!r} {sent}: {type(error).__name__}: {str(error)[:200]}"
    if response.status_code >= 500:
        return f"{method.upper()} {full[:200]!r}: {response.status_code}"
    return None


def _query(params, value: str) -> str:
    return "&".join(f"{name}={quote(value)}" for name in params)


CELLS = [
    pytest.param(
        target,
        role,
        id=f"{target}-{role}",
        marks=[pytest.mark.xfail(strict=False, reason=OTHERS[target.name])] if target.name in OTHERS else [],
    )
    for target in TARGETS
    for role in (("staff_admin", "superuser", "anonymous") if target.policy == "admin" else ROLES)
]


@pytest.mark.parametrize(("target", "role"), CELLS)
def test_no_input_ends_in_a_server_error(target: Target, role: str, world: World, db):
    client = Client()
    _log_in(world, client, role)
    wide = role == ("staff_admin" if target.policy == "admin" else MEANT_FOR.get(target.policy))
    url = target.build(world, None)
    params = _admin_params(url) if target.policy == "admin" else QUERY_PARAMS
    requests = []  # (method, url, data, query)

    # The valid object with hostile query values, every parameter at once.
    for name in WIDE_QUERY_VALUES if wide else _rotating(QUERY_VALUES, role, target, 0):
        requests.append(("get", url, None, _query(params, QUERY_VALUES[name])))
    # Hostile path ids, and a change posted to one.
    if target.has_params:
        for name in PATH_VALUES if wide else _rotating(PATH_VALUES, role, target, 1):
            requests.append(("get", target.build(world, PATH_VALUES[name]), None, ""))
        requests.append(("post", target.build(world, HUGE), {"version": HUGE}, ""))
    # The page's forms posted with hostile values in every field (the generic names otherwise).
    fields = _page_fields(client, url) if wide else []
    for name in WIDE_FORM_VALUES if wide else _rotating(QUERY_VALUES, role, target, 2):
        requests.append(("post", url, dict.fromkeys(fields or GENERIC_FIELDS, QUERY_VALUES[name]), ""))

    failures = [failure for request in requests if (failure := _request(client, *request))]
    assert not failures, f"{target} as {role}: {len(failures)} server errors:\n" + "\n".join(failures)


def _page_fields(client, url) -> list[str]:
    try:
        with transaction.atomic():
            page = client.get(url)
            transaction.set_rollback(True)
    except Exception:
        return []
    return _fields(page) if page.status_code == 200 else []

"""Every URL of the URL configuration, for every role, on an object of the user's own unit and of
another: the answer its view's declared access policy promises.

The expectation comes from what the view declares (units/permissions.py): the permission it asks
(``user.has_perm(permission, obj)``, one of the rules of units/rules.py, tasks/rules.py,
reports/rules.py) and the scoped selector its object comes through. Per cell the answer is
computed from the policy, and the policy is checked against the rules as the docs state them
(restated below), so that neither can drift; nothing here lists pages. A refused request changes
nothing.
"""

from dataclasses import dataclass

import pytest
import rules
from django.conf import settings
from django.http import Http404
from django.shortcuts import resolve_url

from tasks.models import ExplanationRequest
from tests.security.urlconf import (
    ROLES,
    SCOPES,
    ProvinceBound,
    Route,
    Upload,
    World,
    is_unit_bound,
    object_kinds,
    routes,
    snapshot,
    world_for_module,
    writes_recorded,
)
from units import permissions as p
from units.models import Unit, User
from units.selectors import user_province

LOGIN = "302 to the login page"
# A superuser and a national account choose the province a page shows (?province=, units.choosing):
# the matrix looks at the home province, as its secretariat does.
CHOOSERS = ("superuser", "national")
CHOSEN = "40"
ELSEWHERE = "302 elsewhere"
REFUSALS = {LOGIN, 403, 404, 405}


def _classified(route: Route) -> bool:
    try:
        object_kinds(route)
    except LookupError:
        return False
    return route.policy in p.POLICIES


ROUTES = routes()


@dataclass(frozen=True)
class Cell:
    route: Route
    method: str
    role: str
    scope: str
    anchor: str

    def __str__(self) -> str:
        return f"{self.route} {self.method} as {self.role} on {self.scope}"


def _cells() -> list[Cell]:
    cells = []
    for route in filter(_classified, ROUTES):
        for method in ("GET", "POST"):
            for role in ROLES:
                scopes = SCOPES[role] if is_unit_bound(route) else {"-": "commune"}
                cells.extend(Cell(route, method, role, scope, anchor) for scope, anchor in scopes.items())
    return cells


CELLS = _cells()


# The policies, as the docs state them (ARCHITECTURE §4, DECISIONS "403 or 404") ---------------


def reads(user: User, owner) -> bool:
    """May ``user`` see the object? The one access rule, restated."""
    chosen = CHOSEN if user.is_superuser or user.is_national else None
    if isinstance(owner, Upload):
        return (
            owner.uploaded_by == user
            or user.is_superuser
            or (user.is_secretariat and user_province(user) == owner.province)
        )
    if isinstance(owner, ProvinceBound):
        return user_province(user, chosen) == owner.province
    if user.is_superuser or user.is_national:  # the national level reads every province
        return True
    if not (user.role and user.unit_id):
        return False
    if user.sees_whole_province:
        return owner.province_id == user.unit.province_id
    return user.unit_id in (owner.pk, owner.parent_id)


def writes(user: User, owner) -> bool:
    """May ``user`` change the objects of the unit? The secretariat in its province, members in their unit."""
    if user.is_superuser:
        return True
    if user.is_secretariat:
        return owner.province_id == user.unit.province_id
    return user.is_unit_member and owner.pk == user.unit_id


def asks_explanation(user: User, owner, kwargs: dict) -> bool:
    """Who asks a unit to explain: the secretariat of its province, the head of the district it is
    directly under (DECISIONS, "Explanation requests")."""
    if user.is_superuser:
        return True
    if user.is_secretariat:
        return owner.province_id == user.unit.province_id
    district_head = user.role == User.Role.UNIT_HEAD and user.unit.level == Unit.Level.DISTRICT
    return district_head and owner.parent_id == user.unit_id


def closes_explanation(user: User, owner, kwargs: dict) -> bool:
    """Who closes an explanation request: the secretariat of the unit's province, the district that asked."""
    if user.is_superuser:
        return True
    if user.is_secretariat:
        return owner.province_id == user.unit.province_id
    asked_by = ExplanationRequest.objects.get(pk=kwargs["pk"]).asked_by_unit
    district_head = user.role == User.Role.UNIT_HEAD and user.unit.level == Unit.Level.DISTRICT
    return district_head and asked_by == user.unit


# The write permissions that are not "a writer's" (units.write_for_unit or narrower), restated.
RESTATED_WRITES = {"tasks.ask_explanation": asks_explanation, "tasks.close_explanation": closes_explanation}


def may_import(user: User) -> bool:
    """The secretariat imports everything, a district head its communes' figures (DECISIONS, Excel import)."""
    return (
        user.is_superuser
        or user.is_secretariat
        or (user.role == User.Role.UNIT_HEAD and user.unit.level == Unit.Level.DISTRICT)
    )


def role_allowed(policy: str, user: User, owners: list) -> bool:
    return {
        p.ANY_ACCOUNT: True,
        p.ANY_ROLE: user.is_superuser or bool(user.role),
        p.PROVINCE_VIEWER: user.is_superuser or user.is_national or user.sees_whole_province,
        # The province viewers, and a district's head and staff (their district's overview pages).
        p.AREA_VIEWER: user.is_superuser
        or user.is_national
        or user.sees_whole_province
        or (user.is_unit_member and user.unit.level == Unit.Level.DISTRICT),
        p.SECRETARIAT: user.is_superuser or user.is_secretariat,
        p.UNIT_MEMBER: user.is_unit_member,
        p.UNIT_SCOPED_READ: True,
        p.UNIT_SCOPED_WRITE: True,
        # An import is opened by its visibility (404), the pages without one by the right to import.
        # The national dashboard: the national level and superusers.
        p.NATIONAL_VIEWER: user.is_superuser or user.is_national,
        # The audit trail: the province viewers, the national level, superusers and unit heads
        # (not their staff); the entries are scoped by the one access rule.
        p.AUDIT_VIEWER: user.is_superuser
        or user.is_national
        or user.sees_whole_province
        or user.role == User.Role.UNIT_HEAD,
        p.IMPORTER: any(isinstance(owner, Upload) for owner in owners) or may_import(user),
    }[policy]


# Policies that name no permission: the page is about the user's own things, or anyone's.
WITHOUT_PERMISSION = (p.PUBLIC, p.ANY_ACCOUNT, p.ANY_ROLE)


@dataclass(frozen=True)
class Asked:
    """What the view's declared permissions answer for a user (None: the view asks none)."""

    found: bool  # the scoped selector found the object (always True without one)
    opens: bool | None  # user.has_perm(route.permission, obj)
    changes: bool | None  # user.has_perm(route.write_permission, obj)


def ask_policy(route: Route, user: User, kwargs: dict) -> Asked:
    obj = None
    if route.fetch is not None:
        try:
            obj = route.fetch(user=user, **kwargs)
        except Http404:
            return Asked(False, None, None)
    opens = user.has_perm(route.permission, obj) if route.permission else None
    changes = user.has_perm(route.write_permission, obj) if route.write_permission else None
    return Asked(True, opens, changes)


def answer(route: Route, method: str, user: User | None, owners: list, kwargs: dict) -> set:
    """What the policy answers: 403 for the wrong role, 404 for an object out of scope.

    The answer is the declared permission's (``user.has_perm``); each step is checked against the
    rule restated above, so the policy and the docs cannot drift apart."""
    policy = route.policy
    if policy == p.PUBLIC:
        return {200, ELSEWHERE, LOGIN}
    if user is None:
        return {LOGIN}
    role_ok = role_allowed(policy, user, owners)
    in_scope = all(reads(user, owner) for owner in owners)
    if route.permission is None:
        assert policy in WITHOUT_PERMISSION, f"{route}: {policy!r} must name the permission it asks"
        if not role_ok:
            return {403}
        if not in_scope:
            return {404}
    else:
        asked = ask_policy(route, user, kwargs)
        if route.fetch is not None:  # the object first (404), then the permission on it (403)
            assert asked.found == in_scope, f"{route}: its selector and the scope rule disagree for {user}"
            if not asked.found:
                return {404}
            assert asked.opens == role_ok, f"{route}: {route.permission} and the rule disagree for {user}"
            if not asked.opens:
                return {403}
        else:  # the page's permission (403), then the view's own scoping (404)
            assert asked.opens == role_ok, f"{route}: {route.permission} and the rule disagree for {user}"
            if not asked.opens:
                return {403}
            if not in_scope:
                return {404}
    if method == "GET":
        return {ELSEWHERE} if policy == p.ANY_ROLE else {200}
    if policy == p.UNIT_SCOPED_WRITE:
        changes = asked.changes
        writer = all(writes(user, owner) for owner in owners)
        if route.write_permission == "units.write_for_unit":
            assert changes == writer, f"{route}: units.write_for_unit and the rule disagree for {user}"
        elif route.write_permission in RESTATED_WRITES:  # a district asks its communes, not a writer's
            restated = RESTATED_WRITES[route.write_permission]
            assert changes == all(restated(user, owner, kwargs) for owner in owners), (
                f"{route}: {route.write_permission} and the rule disagree for {user}"
            )
        else:  # a narrower action (a figure, an extension, an answer): only ever a writer's
            assert writer or not changes, f"{route}: {route.write_permission} lets a reader ({user}) write"
        if not changes:
            return {403}  # they already know it exists
        return {200, ELSEWHERE, 400, 403, 409}  # the workflow decides what this writer may do
    return {200, ELSEWHERE, 400}  # an empty form is refused, a read page is shown again


def expected(cell: Cell, user: User | None, owners: list, kwargs: dict) -> set:
    promised = answer(cell.route, cell.method, user, owners, kwargs)
    if cell.method == "GET" and cell.route.post_only:
        return {405} | (promised & REFUSALS)
    return promised


def observed(response) -> object:
    if response.status_code == 302:
        login = resolve_url(settings.LOGIN_URL)
        return LOGIN if response["Location"].startswith(login) else ELSEWHERE
    return response.status_code


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with world_for_module(django_db_blocker, tmp_path_factory.mktemp("media")) as world:
        yield world


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_url_declares_who_may_open_it(route):
    assert route.policy in p.POLICIES, (
        f"Classify {route} (/{route.route}): decorate its view with one of the decorators of units/permissions.py "
        f"so that it declares an access policy (found {route.policy!r})."
    )


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_url_asks_a_permission_of_the_policy(route):
    """No view decides by itself: past the pages about the user's own things, each asks a named
    permission registered with django-rules (units/rules.py, tasks/rules.py, reports/rules.py)."""
    if route.policy in WITHOUT_PERMISSION:
        return
    for permission in filter(None, (route.permission, route.write_permission)):
        assert rules.perm_exists(permission), f"{route}: {permission!r} is not a rule of the policy"
    assert route.permission, f"{route}: its decorator names no permission of the policy"
    if route.policy in (p.UNIT_SCOPED_READ, p.UNIT_SCOPED_WRITE):
        assert route.fetch is not None, f"{route}: a unit-scoped page fetches its object through a selector"
    if route.policy == p.UNIT_SCOPED_WRITE:
        assert route.write_permission, f"{route}: a page that changes names the permission a POST needs"


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_url_kwarg_has_a_test_object(route):
    object_kinds(route)  # raises, naming the URL and the kwarg


@pytest.mark.parametrize("cell", CELLS, ids=str)
def test_every_url_answers_every_role_as_its_view_declares(cell: Cell, world: World, client, db):
    user = world.log_in(client, cell.role)
    url, owners = world.url(cell.route, cell.anchor)
    if cell.role in CHOOSERS:
        url += f"{'&' if '?' in url else '?'}province={CHOSEN}"
    kwargs, _owners = world.kwargs(cell.route, cell.anchor)
    promised = expected(cell, user, owners, kwargs)
    refused = promised <= REFUSALS
    before = snapshot() if refused and cell.method == "POST" else None

    with writes_recorded() as statements:
        response = getattr(client, cell.method.lower())(url)
        if response.streaming:
            b"".join(response.streaming_content)  # a file download: read and closed

    got = observed(response)
    assert got in promised, (
        f"{cell.method} {url} as {cell.role} on the {cell.scope} unit's object answered {got}; "
        f"the view declares {cell.route.policy!r} ({cell.route.permission}), which promises "
        f"{sorted(promised, key=str)}."
    )
    if refused:
        assert statements == [], f"{cell}: refused, yet wrote {statements}"
        if before is not None:
            assert snapshot() == before, f"{cell}: refused, yet the data changed"


def test_the_matrix_covers_every_classified_url_for_every_role():
    covered = {(str(cell.route), cell.role) for cell in CELLS}
    classified = [route for route in ROUTES if _classified(route)]
    assert covered == {(str(route), role) for route in classified for role in ROLES}
    assert len(classified) >= 40  # the project's pages, not an empty walk

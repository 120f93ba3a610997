"""Who may open a page: every view says it with one of the decorators below, which ask the one
policy (the permissions of units/rules.py, tasks/rules.py, reports/rules.py) and never decide by
themselves.

A decorator that takes an object fetches it through the scoped selector it is given (404 out of
the user's scope) and asks the named permission on it (403), then hands the object to the view:
a view cannot forget the scope. Each decorator records on the view its kind of policy
(``access_policy``) and the permission(s) it asks (``access_permission``, and
``access_write_permission`` for a POST): tests/security/test_authorization_matrix.py walks the
URL configuration and checks every URL, for every role, against them.
"""

from collections.abc import Callable
from functools import wraps

import rules
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .selectors import visible_unit

PUBLIC = "public"
ANY_ACCOUNT = "any_account"
ANY_ROLE = "any_role"
PROVINCE_VIEWER = "province_viewer"
AREA_VIEWER = "area_viewer"
SECRETARIAT = "secretariat"
UNIT_MEMBER = "unit_member"
UNIT_SCOPED_READ = "unit_scoped_read"
UNIT_SCOPED_WRITE = "unit_scoped_write"
IMPORTER = "importer"
NATIONAL_VIEWER = "national_viewer"
AUDIT_VIEWER = "audit_viewer"
POLICIES = (
    PUBLIC,
    ANY_ACCOUNT,
    ANY_ROLE,
    PROVINCE_VIEWER,
    AREA_VIEWER,
    SECRETARIAT,
    UNIT_MEMBER,
    UNIT_SCOPED_READ,
    UNIT_SCOPED_WRITE,
    IMPORTER,
    NATIONAL_VIEWER,
    AUDIT_VIEWER,
)


def _declare(view, policy: str, permission: str | None = None, write_permission: str | None = None):
    view.access_policy = policy
    view.access_permission = permission
    view.access_write_permission = write_permission
    return view


def public(view):
    """Anyone, logged in or not (the login and logout pages)."""
    return _declare(view, PUBLIC)


def any_account(view):
    """Any logged-in account: the page is about the user's own things (anonymous: /login/)."""
    return _declare(login_required(view), ANY_ACCOUNT)


def any_role(view):
    """Any account with a role, and superusers; the view itself answers 403 to an account without one."""
    return _declare(login_required(view), ANY_ROLE)


def permission_required(permission: str, *, policy: str):
    """A page without an object: 403 unless ``user.has_perm(permission)``."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.has_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return _declare(wrapper, policy, permission)

    return decorator


def object_permission_required(permission: str, *, fetch: Callable, policy: str, write_permission: str | None = None):
    """A page about one object: ``fetch(user=user, **url_kwargs)`` reads it through the scoped selector
    (404 out of scope), ``permission`` is asked on it for every request and ``write_permission``
    for a POST (403); the view is called as ``view(request, obj)``."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, **kwargs):
            obj = fetch(user=request.user, **kwargs)
            if not request.user.has_perm(permission, obj):
                raise PermissionDenied
            if write_permission and request.method == "POST" and not request.user.has_perm(write_permission, obj):
                raise PermissionDenied
            return view(request, obj)

        wrapper.access_fetch = fetch
        return _declare(wrapper, policy, permission, write_permission)

    return decorator


def unit_scoped_read(fetch: Callable, *, permission: str = "units.read_unit"):
    """Any account; the object is read through ``fetch`` (404 outside the user's scope)."""
    return object_permission_required(permission, fetch=fetch, policy=UNIT_SCOPED_READ)


def unit_scoped_write(fetch: Callable, *, write: str = "units.write_for_unit", read: str = "units.read_unit"):
    """As unit_scoped_read, and a change (POST) needs ``write`` on the object: 403 for a reader.

    The workflow may refuse more (a unit does not confirm its own report), through the policy too.
    """
    return object_permission_required(read, fetch=fetch, policy=UNIT_SCOPED_WRITE, write_permission=write)


def importer(fetch: Callable | None = None, *, permission: str = "tasks.import_data"):
    """The import pages: the right to import (403) for the pages without an import; an upload is
    fetched through its scope (404: seen by whoever uploaded it and by the secretariat of its
    province) and asked ``permission``."""
    if fetch is None:
        return permission_required(permission, policy=IMPORTER)
    return object_permission_required(permission, fetch=fetch, policy=IMPORTER)


def unit_as_at(request, unit, day):
    """The unit with ``unit``'s code valid on the past date ``day`` (a code names different units at
    different times), read through the same scope and asked the same permission as
    ``unit_scoped_read(visible_unit)`` asked of ``unit``; ``unit`` itself when ``day`` is None."""
    if day is None:
        return unit
    dated = visible_unit(user=request.user, code=unit.code, on=day)
    if not request.user.has_perm("units.read_unit", dated):
        raise PermissionDenied
    return dated


province_viewer_required = permission_required("units.view_province_pages", policy=PROVINCE_VIEWER)
province_viewer_required.__doc__ = "The secretariat, leaders and superusers: the pages about the whole province."
# The national level and superusers: the national dashboard (every province) and its export.
national_viewer_required = permission_required("units.view_national_pages", policy=NATIONAL_VIEWER)
# The province viewers, and a district's head and staff: the overview and the lagging list of the
# area they oversee (the view scopes them with units.selectors.user_area). A commune or an agency: 403.
area_viewer_required = permission_required("units.view_area_pages", policy=AREA_VIEWER)
# Unit heads and staff: the pages about their own unit.
unit_member_required = permission_required("units.open_own_unit", policy=UNIT_MEMBER)


def oversees_area(user) -> bool:
    """Does ``user`` read the overview pages of an area? units.selectors.user_area says which.

    Asked of the rules directly: the menu asks on every page, and a refusal through
    ``user.has_perm`` would cost ModelBackend's permission queries."""
    return rules.has_perm("units.view_area_pages", user)


# The audit trail: the province viewers, national accounts, superusers and unit heads (the view
# scopes the entries with units.selectors.unit_scope_q). Staff and accounts without a role: 403.
audit_viewer_required = permission_required("units.view_audit_trail", policy=AUDIT_VIEWER)

"""Who may open a page, by role. What they may see on it is units.selectors' business.

Every view says who may open it with one of the decorators below. Each records its policy on
the view as ``access_policy``: tests/security/test_authorization_matrix.py walks the URL
configuration and checks every URL, for every role, against the policy its view declares, so a
new page is covered (or the test names it) without anyone editing the test.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .models import Unit

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
)


def _declare(view, policy: str):
    view.access_policy = policy
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


def unit_scoped_read(view):
    """Any account; the view reads its object through units.selectors: 404 outside the user's scope."""
    return _declare(login_required(view), UNIT_SCOPED_READ)


def unit_scoped_write(view):
    """As unit_scoped_read, and a change (POST) needs units.selectors.can_write_for_unit: 403 for a reader.

    The view's own workflow may refuse more (a unit does not answer its own obstacle).
    """
    return _declare(login_required(view), UNIT_SCOPED_WRITE)


def importer(view):
    """The import pages: tasks.imports.may_import decides (403); an upload is seen by whoever
    uploaded it and by the secretariat of its province (404 for everyone else)."""
    return _declare(login_required(view), IMPORTER)


def province_viewer_required(view):
    """The secretariat, leaders and superusers: the pages about the whole province."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_superuser or (user.sees_whole_province and user.unit_id)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return _declare(wrapper, PROVINCE_VIEWER)


def oversees_area(user) -> bool:
    """Does ``user`` read the overview pages of an area: a province viewer their province, a
    district's head or staff their district (its communes)? units.selectors.user_area says which."""
    if user.is_superuser:
        return True
    if not user.unit_id:
        return False
    return user.sees_whole_province or (user.is_unit_member and user.unit.level == Unit.Level.DISTRICT)


def area_viewer_required(view):
    """The province viewers, and a district's head and staff: the overview and the lagging list of
    the area they oversee (the view scopes them with units.selectors.user_area). A commune or an
    agency gets 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not oversees_area(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return _declare(wrapper, AREA_VIEWER)


def unit_member_required(view):
    """Unit heads and staff: the pages about their own unit."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_unit_member and request.user.unit_id):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return _declare(wrapper, UNIT_MEMBER)


def secretariat_required(view):
    """Changes only the secretariat (and superusers) make; leaders read but get 403 here."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_superuser or (user.is_secretariat and user.unit_id)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return _declare(wrapper, SECRETARIAT)

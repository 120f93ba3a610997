"""Who may open a page, by role. What they may see on it is units.selectors' business."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def province_viewer_required(view):
    """The secretariat, leaders and superusers: the pages about the whole province."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_superuser or (user.sees_whole_province and user.unit_id)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def unit_member_required(view):
    """Unit heads and staff: the pages about their own unit."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_unit_member and request.user.unit_id):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def secretariat_required(view):
    """Changes only the secretariat (and superusers) make; leaders read but get 403 here."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_superuser or (user.is_secretariat and user.unit_id)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper

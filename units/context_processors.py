from django.conf import settings

from .permissions import oversees_area


def navigation(request):
    """What the base layout needs: the menu for the user's role, and a fixed demo date if any."""
    context = {"fixed_today": settings.APP_TODAY}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    return {
        **context,
        "nav_sees_province": user.sees_whole_province or user.is_superuser,
        "nav_unit_member": user.is_unit_member,
        "nav_oversees_district": user.is_unit_member and oversees_area(user),
        "nav_is_secretariat": user.is_secretariat or user.is_superuser,
        "nav_imports": user.is_secretariat
        or user.is_superuser
        or (user.role == user.Role.UNIT_HEAD and user.unit is not None and user.unit.level == user.unit.Level.DISTRICT),
    }

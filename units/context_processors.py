def navigation(request):
    """What the base layout needs to draw the menu for the signed-in user's role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_sees_province": user.sees_whole_province or user.is_superuser,
        "nav_unit_member": user.is_unit_member,
        "nav_is_secretariat": user.is_secretariat or user.is_superuser,
    }

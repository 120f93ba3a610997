import rules
from django.conf import settings

from .choosing import province_query
from .permissions import oversees_area


def navigation(request):
    """What the base layout needs: the menu for the user's role (each item asked of the policy), the
    province a superuser or national account is looking at (``province_query``, kept by the menu's
    links, ``units.choosing``), and a fixed demo date if any."""
    context = {"fixed_today": settings.APP_TODAY}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    # Asked of the rules directly, as every page asks: a refusal through ``user.has_perm`` would
    # cost ModelBackend's permission queries (the answers are the same: units/models.User.has_perm).
    unit_member = rules.has_perm("units.open_own_unit", user)
    return {
        **context,
        "nav_sees_nation": rules.has_perm("units.view_national_pages", user),
        "nav_sees_province": rules.has_perm("units.view_province_pages", user),
        "nav_mail_log": rules.has_perm("reports.view_mail_log", user),
        "nav_unit_member": unit_member,
        "nav_oversees_district": unit_member and oversees_area(user),
        "nav_is_secretariat": rules.has_perm("tasks.plan", user),
        "nav_imports": rules.has_perm("tasks.import_data", user),
        "nav_transition": rules.has_perm("tasks.apply_transition", user),
        "province_query": province_query(request),
        "nav_audit_trail": rules.has_perm("units.view_audit_trail", user),
    }

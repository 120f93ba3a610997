from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect


@login_required
def home(request):
    """Send each role to its landing page."""
    user = request.user
    if user.is_superuser or user.sees_whole_province:
        return redirect("reports:overview")
    if user.is_unit_member:
        return redirect("tasks:my_unit")
    raise PermissionDenied

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .models import User


@login_required
def home(request):
    """Send each role to its landing page."""
    user = request.user
    if user.is_superuser or user.sees_whole_province:
        return redirect("reports:overview")
    if user.is_unit_member:
        return redirect("tasks:my_unit")
    raise PermissionDenied


class AccountForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["wants_digest"]


@login_required
def account(request):
    """The user's own settings: the weekly digest on or off (overdue reminders always come)."""
    form = AccountForm(request.POST if request.method == "POST" else None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("account")
    return render(request, "registration/account.html", {"form": form})

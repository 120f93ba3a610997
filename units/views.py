from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from . import services
from .forms import HandoverForm, PasswordChangeForm
from .models import User
from .permissions import SECRETARIAT, any_account, any_role, permission_required
from .selectors import visible_unit, visible_units


@any_role
def home(request):
    """Send each role to its landing page."""
    user = request.user
    if user.must_change_password:
        messages.info(request, _("Your password is temporary: choose your own before you go on."))
        return redirect("password_change")
    if user.is_national:  # the country first; a province is chosen from there
        return redirect("reports:national")
    if user.has_perm("units.view_province_pages"):
        return redirect("reports:overview")
    if user.has_perm("units.open_own_unit"):
        return redirect("tasks:my_unit")
    raise PermissionDenied


class AccountForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["wants_digest"]


@any_account
def account(request):
    """The user's own settings: the weekly digest on or off (overdue reminders always come)."""
    form = AccountForm(request.POST if request.method == "POST" else None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.account_preferences_set(
            user=User.objects.get(pk=request.user.pk), wants_digest=form.cleaned_data["wants_digest"]
        )
        messages.success(request, _("Saved."))
        return redirect("account")
    return render(request, "registration/account.html", {"form": form})


@any_account
def password_change(request):
    """The user chooses their own password (a new head must replace the temporary one)."""
    form = PasswordChangeForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.account_password_set(user=request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)  # stay logged in with the new password
        messages.success(request, _("Your password is changed."))
        return redirect("home")
    return render(request, "units/handover_password_change.html", {"form": form}, status=400 if form.is_bound else 200)


# The temporary password of a new head, kept in the secretariat's session until shown once.
HANDOVER_PASSWORD = "handover_password"


def _handover_unit(request, code: str):
    """A unit of the secretariat's province (the one access rule); any other answers 404."""
    return visible_unit(user=request.user, code=code, queryset=visible_units(request.user).select_related("parent"))


@permission_required("units.hand_over_unit", policy=SECRETARIAT)
def unit_handover(request, code: str):
    """The secretariat hands a unit over to a new head; the former head's account is deactivated."""
    unit = _handover_unit(request, code)
    form = HandoverForm(request.POST if request.method == "POST" else None, unit=unit, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            password = None
            if data["mode"] == HandoverForm.NEW:
                password = services.temporary_password()
                choice = {
                    "new_head_data": services.NewHeadData(
                        username=data["username"], full_name=data["full_name"], email=data["email"], password=password
                    )
                }
            else:
                choice = {"new_head": data["new_head"]}
            try:
                head = services.unit_handover(unit=unit, by=request.user, note=data["note"], **choice)
            except ValidationError as error:
                form.add_error(None, error)
            except IntegrityError:
                # Another handover of this unit, or the same username, committed in the meantime.
                form.add_error(None, _("The unit's accounts changed at the same time; check and send again."))
            else:
                messages.success(
                    request,
                    _("%(unit)s is handed over to %(head)s. The former head's account is deactivated.")
                    % {"unit": unit.name, "head": head},
                )
                if password is None:
                    return redirect("tasks:unit", code=unit.code)
                request.session[HANDOVER_PASSWORD] = {"unit": unit.code, "user": head.pk, "password": password}
                return redirect("unit_handover_done", code=unit.code)
    return render(
        request,
        "units/handover.html",
        {
            "unit": unit,
            "form": form,
            "heads": User.objects.filter(unit=unit, role=User.Role.UNIT_HEAD, is_active=True),
            "handovers": unit.handovers.select_related("old_head", "new_head", "by")[:10],
        },
        status=status,
    )


@never_cache
@permission_required("units.hand_over_unit", policy=SECRETARIAT)
def unit_handover_done(request, code: str):
    """Shows a new head's temporary password, once: it leaves the session as it is shown."""
    unit = _handover_unit(request, code)
    pending = request.session.get(HANDOVER_PASSWORD)
    if pending and pending["unit"] == unit.code:
        del request.session[HANDOVER_PASSWORD]
        head = User.objects.filter(pk=pending["user"]).first()
        password = pending["password"]
    else:
        head = User.objects.filter(unit=unit, role=User.Role.UNIT_HEAD, is_active=True).first()
        password = None
    return render(request, "units/handover_done.html", {"unit": unit, "head": head, "password": password})

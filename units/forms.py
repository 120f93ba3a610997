"""Forms of the account pages: validation only; units.services decides and writes."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.utils.translation import gettext_lazy as _

from .models import Unit, User
from .selectors import scoped
from .services import EMAIL_INVALID, REQUIRED


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class HandoverForm(forms.Form):
    """Who becomes the unit's head: one of its staff, or a new account."""

    STAFF = "staff"
    NEW = "new"

    mode = forms.ChoiceField(
        label=_("The new head is"),
        choices=[(STAFF, _("A staff member of the unit")), (NEW, _("A new account"))],
        widget=forms.RadioSelect,
    )
    new_head = StaffChoiceField(label=_("Staff member"), queryset=User.objects.none(), required=False)
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        required=False,
        help_text=_("Used to log in: letters, digits and @ . + - _, without spaces."),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        error_messages={"invalid": EMAIL_INVALID},
        help_text=_("The unit's reminders and weekly digests go to this address."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E.g. the decision appointing the new head."),
    )
    confirm = forms.BooleanField(
        label=_(
            "I confirm: the current head's account is deactivated and logged out at once; "
            "what it did stays under its name."
        ),
    )

    def __init__(self, *args, unit: Unit, user: User, **kwargs):
        self.staff = list(
            User.objects.filter(unit=unit, role=User.Role.UNIT_STAFF, is_active=True).order_by("first_name", "username")
        )
        kwargs.setdefault("initial", {"mode": self.STAFF if self.staff else self.NEW})
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the template owns <form>, its action and the CSRF token
        self.helper.layout = Layout(
            "mode",
            Fieldset(_("A staff member of the unit"), "new_head"),
            Fieldset(_("A new account"), "username", "full_name", "email"),
            "note",
            "confirm",
        )
        # Any account the user may read is accepted, so that the current head or an account of
        # another unit gets the service's own explanation; only the unit's active staff are offered.
        field = self.fields["new_head"]
        field.queryset = scoped(User.objects.all(), user)
        field.widget.choices = [
            ("", _("— choose a staff member —")),
            *((staff.pk, field.label_from_instance(staff)) for staff in self.staff),
        ]

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        if mode == self.STAFF and not data.get("new_head") and "new_head" not in self.errors:
            self.add_error("new_head", _("Choose the staff member who becomes the head."))
        if mode == self.NEW:
            for name in ("username", "full_name", "email"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, REQUIRED)
        return data


class PasswordChangeForm(DjangoPasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

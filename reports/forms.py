"""Forms of the secretariat's decisions: validation only; tasks.services decides and writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from units.models import Unit


class ConfirmForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class SendBackForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for sending back"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Refuse"))])
    due_date = forms.DateField(label=_("New due date"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the extension is refused."))
        return data


class ObstacleDecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[("answer", _("Answer")), ("forward", _("Forward")), ("close", _("Close"))])
    answer = forms.CharField(label=_("Answer"), required=False, max_length=4000)
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Unit.objects.none(), required=False)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies

    def clean(self):
        data = super().clean()
        if data.get("action") == "answer" and not (data.get("answer") or "").strip():
            self.add_error("answer", _("Write the answer."))
        if data.get("action") == "forward" and not data.get("agency"):
            self.add_error("agency", _("Choose the agency to forward to."))
        return data

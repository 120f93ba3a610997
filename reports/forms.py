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


class WeightsForm(forms.Form):
    on_time = forms.IntegerField(label=_("On-time completion (%)"), min_value=0, max_value=100)
    attainment = forms.IntegerField(label=_("Indicator attainment (%)"), min_value=0, max_value=100)
    timeliness = forms.IntegerField(label=_("Regular reporting (%)"), min_value=0, max_value=100)

    def clean(self):
        data = super().clean()
        values = [data.get(name) for name in ("on_time", "attainment", "timeliness")]
        if None not in values and sum(values) != 100:
            raise forms.ValidationError(_("The weights must add up to 100."))
        return data


class SnapshotForm(forms.Form):
    year = forms.IntegerField(min_value=2020, max_value=2100, widget=forms.HiddenInput)
    final = forms.BooleanField(label=_("Freeze the year's ranking (final)"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

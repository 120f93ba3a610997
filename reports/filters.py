"""The filters of the secretariat's lists, shared by the pages and their Excel exports."""

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tasks.deadlines import DeadlineStatus, deadline_conditions
from tasks.models import Assignment, Document, Task
from tasks.selectors import province_documents
from units.models import Unit
from units.text import search_key

ASSIGNMENT_SORTS = {
    "due": ("due_date", "pk"),
    "-due": ("-due_date", "-pk"),
    "unit": ("unit__name", "pk"),
    "-unit": ("-unit__name", "-pk"),
    "progress": ("progress", "pk"),
    "-progress": ("-progress", "-pk"),
    "updated": ("updated_at", "pk"),
    "-updated": ("-updated_at", "-pk"),
}


ALL = _("— All —")


class FilterForm(forms.Form):
    """Bootstrap classes on every widget: filters are drawn by hand, not by crispy."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
            # An empty filter is "all", not Django's "---------".
            if isinstance(field, forms.ModelChoiceField):
                field.empty_label = ALL
            elif isinstance(field, forms.ChoiceField):
                field.choices = [("", ALL) if value == "" else (value, name) for value, name in field.choices]


class AssignmentFilter(FilterForm):
    """?status=overdue&level=4&district=<id>&document=<id>&task=<id>&unit=<id>&q=...&sort=due"""

    status = forms.ChoiceField(
        label=_("Deadline status"), required=False, choices=[("", _("All")), *DeadlineStatus.choices]
    )
    level = forms.TypedChoiceField(
        label=_("Level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All")), *[(v, name) for v, name in Unit.Level.choices if v != Unit.Level.PROVINCE]],
    )
    district = forms.ModelChoiceField(label=_("District"), required=False, queryset=Unit.objects.none())
    document = forms.ModelChoiceField(label=_("Document"), required=False, queryset=Document.objects.all())
    task = forms.ModelChoiceField(
        label=_("Task"), required=False, queryset=Task.objects.all(), widget=forms.HiddenInput
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), required=False, queryset=Unit.objects.none(), widget=forms.HiddenInput
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=[(key, key) for key in ASSIGNMENT_SORTS])

    def __init__(self, *args, province: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.province = province
        self.fields["district"].queryset = Unit.objects.filter(province=province, level=Unit.Level.DISTRICT)
        self.fields["unit"].queryset = Unit.objects.filter(province=province)
        self.fields["document"].queryset = province_documents(province)
        self.fields["task"].queryset = Task.objects.filter(document__in=province_documents(province))

    def apply(self, queryset: QuerySet[Assignment], today) -> QuerySet[Assignment]:
        data = self.cleaned_data
        if data.get("status"):
            queryset = queryset.filter(deadline_conditions(today)[DeadlineStatus(data["status"])])
        if data.get("level"):
            queryset = queryset.filter(unit__level=data["level"])
        if data.get("district"):
            queryset = queryset.filter(unit__district=data["district"])
        for field in ("document", "task", "unit"):
            if data.get(field):
                queryset = queryset.filter(**{("task__document" if field == "document" else field): data[field]})
        if data.get("q"):
            key = search_key(data["q"])
            queryset = queryset.filter(
                Q(unit__search_key__contains=key)
                | Q(task__search_key__contains=key)
                | Q(task__document__search_key__contains=key)
            )
        return queryset.order_by(*ASSIGNMENT_SORTS.get(data.get("sort") or "due", ASSIGNMENT_SORTS["due"]))

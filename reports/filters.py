"""The filters of the secretariat's lists, shared by the pages and their Excel exports."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from projectsite.bounds import parse_id
from tasks.deadlines import DeadlineStatus, deadline_conditions
from tasks.models import Assignment, Document, Task
from tasks.selectors import ABOUT_TYPES, TrailFilter, province_documents
from units.models import AuditEntry, Unit, User
from units.selectors import visible_units
from units.text import search_key


def document_label(document: Document) -> str:
    """A filter's choice: the number, and its province where two provinces' may share it."""
    return document.label


def units_on(queryset: QuerySet[Unit], as_at: datetime.date | None) -> QuerySet[Unit]:
    """The units of ``queryset`` in force today (``as_at`` None) or valid on the past date ``as_at``."""
    return queryset.filter(is_active=True) if as_at is None else queryset.valid_on(as_at)


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


class UnitField(forms.ModelChoiceField):
    """A unit given by its official code (``?area=425``), or by its id as older links have it;
    the code wins when a value could be both. The options carry codes.

    A refused value says why: not a number (``numeric``: district and commune codes are numbers),
    no such unit, or a unit outside ``queryset`` (another district, another province).
    """

    default_error_messages = {
        "not_a_number": _("“%(value)s” is not a unit code: a code is a number, such as 425."),
        "unknown": _("No unit has the code %(value)s."),
        "out_of_scope": _("Unit %(value)s is outside the area you follow."),
    }

    def __init__(self, queryset, *, numeric: bool = False, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        super().__init__(queryset, **kwargs)
        self.numeric = numeric

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        shown = value[:20]
        if self.numeric and not (value.isascii() and value.isdigit()):
            raise ValidationError(self.error_messages["not_a_number"], code="not_a_number", params={"value": shown})
        match = Q(code=value)
        if (pk := parse_id(value)) is not None:
            match |= Q(pk=pk)
        # The code wins over an id; among units that had the code, the one in force, else the latest.
        found = sorted(
            self.queryset.filter(match),
            key=lambda u: (u.code != value, not u.is_active, -(u.valid_from or datetime.date.min).toordinal()),
        )
        if found:
            return found[0]
        if Unit.objects.filter(match).exists():
            raise ValidationError(self.error_messages["out_of_scope"], code="out_of_scope", params={"value": shown})
        raise ValidationError(self.error_messages["unknown"], code="unknown", params={"value": shown})


def area_units(area: Unit) -> QuerySet[Unit]:
    """The units a filter of ``area``'s pages may name: the province's, or the district and its communes."""
    if area.level == Unit.Level.PROVINCE:
        return Unit.objects.filter(province=area)
    return Unit.objects.filter(area=area)


def area_choices(area: Unit, as_at: datetime.date | None = None) -> QuerySet[Unit]:
    """The areas (districts, or communes directly under the province) a filter offers: those
    in force today, or valid on the past date ``as_at``."""
    return units_on(area_units(area).filter(area_id=F("pk")), as_at).order_by("code")


class AssignmentFilter(FilterForm):
    """?status=overdue&level=4&area=<code>&document=<id>&task=<id>&unit=<code>&q=...&sort=due (ids of units too)"""

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
    area = UnitField(label=_("Area"), required=False, queryset=Unit.objects.none(), numeric=True)
    document = forms.ModelChoiceField(label=_("Document"), required=False, queryset=Document.objects.all())
    task = forms.ModelChoiceField(
        label=_("Task"), required=False, queryset=Task.objects.all(), widget=forms.HiddenInput
    )
    unit = UnitField(label=_("Unit"), required=False, queryset=Unit.objects.none(), widget=forms.HiddenInput)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=[(key, key) for key in ASSIGNMENT_SORTS])

    def __init__(self, *args, province: Unit, area: Unit | None = None, as_at: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.province = province
        self.as_at = as_at
        units = area_units(area or province)
        self.fields["area"].queryset = area_choices(area or province, as_at)
        # A unit named by a link (a code): the one valid on the page's date, else any (older links).
        self.fields["unit"].queryset = units if as_at is None else units.valid_on(as_at)
        # The documents the province carried on the page's date: before a merger, its own.
        documents = province_documents(province, on=as_at)
        self.fields["document"].queryset = documents
        self.fields["document"].label_from_instance = document_label
        self.fields["task"].queryset = Task.objects.filter(document__in=documents)

    def apply(self, queryset: QuerySet[Assignment], today) -> QuerySet[Assignment]:
        data = self.cleaned_data
        if data.get("status"):
            conditions = deadline_conditions(today, as_at=self.as_at)
            queryset = queryset.filter(conditions[DeadlineStatus(data["status"])])
        if data.get("level"):
            queryset = queryset.filter(unit__level=data["level"])
        if data.get("area"):
            queryset = queryset.filter(unit__area=data["area"])
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


QUEUE_KINDS = {
    # kind: (its label, the path to the unit, to the task, the moment it started waiting)
    "confirmations": (_("Completions to confirm"), "unit", "task", "reported_at"),
    "extensions": (_("Extension requests"), "assignment__unit", "assignment__task", "requested_at"),
    "obstacles": (_("Obstacles"), "unit", "assignment__task", "raised_at"),
}
# How long an item has waited: (days at least, days at most), from the clock's today.
QUEUE_AGES = {
    "new": (_("New (since yesterday)"), None, 1),
    "week": (_("Up to 7 days"), None, 7),
    "older": (_("More than 7 days"), 8, None),
    "month": (_("More than 30 days"), 31, None),
}


class QueueFilter(FilterForm):
    """?kind=confirmations&area=425&document=<id>&age=older&q=... for the work queue."""

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *[(k, v[0]) for k, v in QUEUE_KINDS.items()]]
    )
    area = UnitField(label=_("Area"), required=False, queryset=Unit.objects.none(), numeric=True)
    document = forms.ModelChoiceField(label=_("Document"), required=False, queryset=Document.objects.none())
    age = forms.ChoiceField(
        label=_("Waiting"), required=False, choices=[("", _("All")), *[(k, v[0]) for k, v in QUEUE_AGES.items()]]
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args, province: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = area_choices(province)
        self.fields["document"].queryset = province_documents(province)
        self.fields["document"].label_from_instance = document_label

    def apply(self, kind: str, queryset: QuerySet, today: datetime.date) -> QuerySet:
        """``queryset`` (the items of ``kind``) narrowed by the valid filters."""
        _label, unit, task, at = QUEUE_KINDS[kind]
        data = self.cleaned_data
        if data.get("area"):
            queryset = queryset.filter(**{f"{unit}__area": data["area"]})
        if data.get("document"):
            queryset = queryset.filter(**{f"{task}__document": data["document"]})
        if data.get("age"):
            _label, at_least, at_most = QUEUE_AGES[data["age"]]
            if at_least is not None:
                queryset = queryset.filter(**{f"{at}__date__lte": today - datetime.timedelta(days=at_least)})
            if at_most is not None:
                queryset = queryset.filter(**{f"{at}__date__gte": today - datetime.timedelta(days=at_most)})
        if data.get("q"):
            key = search_key(data["q"])
            found = (
                Q(**{f"{unit}__search_key__contains": key})
                | Q(**{f"{task}__search_key__contains": key})
                | Q(**{f"{task}__document__search_key__contains": key})
            )
            if kind == "obstacles":
                found |= Q(text__icontains=data["q"])
            queryset = queryset.filter(found)
        return queryset


# The dates the trail's period may name: the programme's years, with room on both sides.
AUDIT_FIRST_DAY = datetime.date(2000, 1, 1)
AUDIT_LAST_DAY = datetime.date(2100, 12, 31)


class AuditFilter(FilterForm):
    """?unit=425&user=secretariat40&kind=assignment&since=01/06/2023&until=30/06/2023&about=tasks.task:17

    Every value that names nothing the user may read is refused with the reason (the page answers
    400 and lists nothing): a unit outside the user's scope, an account that does not exist, a
    period that ends before it starts, a malformed ``about``.
    """

    unit = UnitField(
        label=_("Unit (with the units under it)"),
        required=False,
        queryset=Unit.objects.none(),
        widget=forms.TextInput(attrs={"placeholder": _("Unit code, e.g. 425")}),
    )
    user = forms.CharField(
        label=_("Account"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"placeholder": _("Username")}),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *AuditEntry.Kind.choices])
    since = forms.DateField(label=_("From"), required=False)
    until = forms.DateField(label=_("To"), required=False)
    about = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = visible_units(user)

    def clean_user(self):
        username = self.cleaned_data["user"].strip()
        if not username:
            return None
        account = User.objects.filter(username=username).first()
        if account is None:
            raise ValidationError(
                _("No account has the username “%(name)s”."), code="unknown", params={"name": username[:150]}
            )
        return account

    def clean_about(self):
        value = self.cleaned_data["about"].strip()
        if not value:
            return None
        object_type, _sep, key = value.rpartition(":")
        pk = parse_id(key)
        if object_type not in ABOUT_TYPES or pk is None:
            raise ValidationError(_("“%(value)s” names no object whose history can be shown."), params={"value": value})
        return object_type, pk

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        for name in ("since", "until"):
            day = data.get(name)
            if day is not None and not AUDIT_FIRST_DAY <= day <= AUDIT_LAST_DAY:
                self.add_error(
                    name,
                    _("Give a date between %(first)s and %(last)s.")
                    % {"first": f"{AUDIT_FIRST_DAY:%d/%m/%Y}", "last": f"{AUDIT_LAST_DAY:%d/%m/%Y}"},
                )
                since = until = None
        if since and until and since > until:
            self.add_error("until", _("The end of the period must not come before its start."))
        return data

    def filters(self) -> TrailFilter:
        """The valid filters (empty ones for an unbound form)."""
        if not self.is_bound:
            return TrailFilter()
        data = self.cleaned_data
        return TrailFilter(
            unit=data.get("unit"),
            actor=data.get("user"),
            kind=data.get("kind") or None,
            since=data.get("since"),
            until=data.get("until"),
            about=data.get("about"),
        )

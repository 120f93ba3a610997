"""Forms of the unit's pages: validation only; the services decide and write."""

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from projectsite import clock
from projectsite.bounds import parse_id
from units.models import Unit

from . import workflow
from .cycles import DueRule, Period, cycle_errors
from .models import Assignment, Document, ImportRecord, Indicator, Obstacle, ReportSlot, Task, validate_figure
from .selectors import province_indicators
from .services import EXPLANATION_MAX_DAYS, explanation_due_errors
from .slots import slot_errors
from .uploads import MAX_EVIDENCE_BYTES, check_csv_file, check_evidence_file

MAX_FILES_PER_REPORT = 5
# A version is a PositiveIntegerField: anything above its column's limit is not one we handed out.
MAX_VERSION = 2**31 - 1


class FigureField(forms.IntegerField):
    """A figure or a target: a whole number from 0 to ``MAX_FIGURE``, typed as 1.269.779 (localize)."""

    default_validators = [validate_figure]

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("localize", True)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric"}))
        super().__init__(**kwargs)


class VersionField(forms.IntegerField):
    """The version of an object the form was opened on (hidden)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_VERSION)
        super().__init__(**kwargs)


class KeyMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Chosen rows by key; a key no database column can hold is an invalid choice, never a query."""

    def _check_values(self, value):
        for key in value if isinstance(value, list | tuple) else ():
            if parse_id(key) is None:  # (Django's own message here is not translated)
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": key}
                )
        return super()._check_values(value)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked for size and type from its content."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_FILES_PER_REPORT:
            raise ValidationError(_("At most %(n)s files at a time.") % {"n": MAX_FILES_PER_REPORT}, code="too_many")
        checked, errors = [], []
        for upload in files:
            upload = super().clean(upload, initial)
            try:
                checked.append((upload, check_evidence_file(upload)))
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return checked


class BaseForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the template owns <form>, its action and the CSRF token


class AssignmentReportForm(BaseForm):
    work_status = forms.ChoiceField(
        label=_("Work status"), help_text=_("Keep the current status unless you mean to change it.")
    )
    progress = forms.IntegerField(
        label=_("Progress (%)"), min_value=0, max_value=100, widget=forms.NumberInput(attrs={"step": 5})
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    files = MultipleFileField(
        label=_("Evidence files"),
        required=False,
        help_text=_("PDF, images, DOCX or XLSX; at most %(mb)s MB each, %(n)s files at a time.")
        % {"mb": MAX_EVIDENCE_BYTES // (1024 * 1024), "n": MAX_FILES_PER_REPORT},
    )
    version = VersionField()

    def __init__(self, *args, assignment: Assignment, statuses: list[str], **kwargs):
        kwargs.setdefault(
            "initial",
            {"work_status": assignment.work_status, "progress": assignment.progress, "version": assignment.version},
        )
        super().__init__(*args, **kwargs)
        # The current status comes first and is the default: a note alone never changes the status.
        labels = dict(Assignment.WorkStatus.choices)
        self.current_status = assignment.work_status
        self.fields["work_status"].choices = [
            (
                status,
                _("Keep: %(status)s") % {"status": labels[status]} if status == self.current_status else labels[status],
            )
            for status in statuses
        ]
        self.fields["files"].widget.attrs["accept"] = ".pdf,.png,.jpg,.jpeg,.webp,.docx,.xlsx"

    def clean(self):
        data = super().clean()
        status, note, files = data.get("work_status"), (data.get("note") or "").strip(), data.get("files")
        changing = status != self.current_status
        if (
            changing
            and status == Assignment.WorkStatus.REPORTED
            and not note
            and not files
            and "files" not in self.errors
        ):
            self.add_error("note", _("To report completion, write a note or attach a file."))
        if changing and status in workflow.NEEDS_NOTE and not note:
            self.add_error("note", _("Say why in the note."))
        return data


class ExtensionRequestForm(BaseForm):
    proposed_due_date = forms.DateField(
        label=_("Proposed due date"),
        help_text=_("dd/mm/yyyy"),
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, assignment: Assignment, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignment = assignment

    def clean_proposed_due_date(self):
        day = self.cleaned_data["proposed_due_date"]
        if self.assignment.due_date and day <= self.assignment.due_date:
            raise ValidationError(_("The proposed due date must be after the current one."))
        if day <= clock.today():
            raise ValidationError(_("The proposed due date must be in the future."))
        return day


class FigureForm(BaseForm):
    as_of = forms.DateField(label=_("As of"), help_text=_("dd/mm/yyyy"))
    # localize: accepts 1.269.779 as typed in Vietnamese.
    value = FigureField(label=_("Cumulative value"))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("Required when the value is lower than the previous one."),
    )
    # Shown only once the service found the value implausibly high (``services.figure_errors``).
    confirmed = forms.BooleanField(label=_("The value is right: save it"), required=False)

    def __init__(self, *args, ask_confirmation: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_confirmation:
            del self.fields["confirmed"]

    def clean_as_of(self):
        day = self.cleaned_data["as_of"]
        if day > clock.today():
            raise ValidationError(_("The date cannot be in the future."))
        return day


class ObstacleForm(BaseForm):
    # No category is chosen for the unit: an empty prompt first, and a choice is required.
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("— choose a category —")), *Obstacle.Category.choices]
    )
    assignment = forms.ModelChoiceField(
        label=_("About the assignment"),
        queryset=Assignment.objects.none(),
        required=False,
        empty_label=_("— the programme in general —"),
    )
    text = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)

    def __init__(self, *args, assignments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignment"].queryset = assignments
        self.fields["assignment"].label_from_instance = lambda a: (
            f"{a.task.document.number} – {a.task.ref}. {a.task.title}"
        )


class ObstacleAnswerForm(BaseForm):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)


class ExplanationRequestForm(BaseForm):
    """Ask a unit to explain: about one of its open assignments, one of its targets, or its work."""

    subject = forms.ChoiceField(label=_("Regarding"), required=False)
    reason = forms.CharField(
        label=_("What to explain"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("For example: why the assignment is overdue, and when it will be done."),
    )
    due_date = forms.DateField(
        label=_("Explain by"),
        help_text=_("dd/mm/yyyy, from today to %(days)s days ahead.") % {"days": EXPLANATION_MAX_DAYS},
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}),
    )

    def __init__(self, *args, assignments, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignments = {f"a{a.pk}": a for a in assignments}
        self.targets = {f"t{t.pk}": t for t in targets}
        choices: list = [("", _("— the unit's work in general —"))]
        if self.assignments:
            choices.append(
                (
                    _("Assignment"),
                    [
                        (key, f"{a.task.document.number} – {a.task.ref}. {a.task.title}"[:150])
                        for key, a in self.assignments.items()
                    ],
                )
            )
        if self.targets:
            choices.append((_("Indicator target"), [(key, t.indicator.name) for key, t in self.targets.items()]))
        self.fields["subject"].choices = choices

    def clean_subject(self) -> tuple:
        key = self.cleaned_data["subject"]
        return self.assignments.get(key), self.targets.get(key)

    def clean_due_date(self):
        day = self.cleaned_data["due_date"]
        if errors := explanation_due_errors(day):
            raise ValidationError(errors)
        return day


class ExplanationAnswerForm(BaseForm):
    answer = forms.CharField(label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 4}), max_length=8000)
    version = VersionField()


class ExplanationCloseForm(BaseForm):
    note = forms.CharField(
        label=_("Closing note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("Required when the unit has not explained."),
    )
    version = VersionField()


class DocumentForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ["number", "kind", "issued_on", "issuer", "title", "implements"]
        widgets = {"title": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, documents=None, province: Unit | None = None, **kwargs):
        """``documents``: those the user may see, the choices of "implements". ``province``: the scope a
        new document goes to (None: national); an existing document keeps its own."""
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.instance.province = province
        self.helper = FormHelper()
        self.helper.form_tag = False
        choices = Document.objects.all() if documents is None else documents
        if self.instance.pk:  # a document cannot implement itself
            choices = choices.exclude(pk=self.instance.pk)
        self.fields["implements"].queryset = choices
        self.fields["implements"].label_from_instance = lambda document: document.label
        # Empty prompts in words, not Django's "---------".
        self.fields["implements"].empty_label = _("— none —")
        self.fields["kind"].choices = [("", _("— choose the kind —")), *Document.Kind.choices]

    def clean_number(self):
        """Numbers are unique within the document's scope (its province, or the nation): the model's
        constraints name the province, which is not a field here, so the form checks it itself with
        the message Django gives for a taken number."""
        number = self.cleaned_data["number"]
        # province=None matches the national documents (IS NULL).
        taken = Document.objects.filter(number=number, province=self.instance.province_id)
        if taken.exclude(pk=self.instance.pk).exists():
            raise ValidationError(self.instance.unique_error_message(Document, ["number"]), code="unique")
        return number


class CycleFormMixin:
    """The reporting cycle's three fields (``tasks.models.ReportingCycle``): named empty choices,
    a bounded day, and the rules of ``tasks.cycles.cycle_errors`` on the fields they concern."""

    CYCLE_FIELDS = ["report_period", "due_rule", "due_day"]

    def cycle_fields_setup(self) -> None:
        self.fields["report_period"].choices = [("", _("— no reporting cycle —")), *Period.choices]
        self.fields["due_rule"].choices = [("", _("— choose when the report is due —")), *DueRule.choices]
        day = self.fields["due_day"]
        day.min_value, day.max_value = 0, 366  # the exact bound depends on the period and rule (cycle_errors)
        day.validators += [MinValueValidator(0), MaxValueValidator(366)]
        day.widget.attrs.update(min=0, max=366)

    def cycle_clean(self, data: dict, *, is_recurring: bool) -> None:
        if any(name in self.errors for name in self.CYCLE_FIELDS):
            return
        errors = cycle_errors(
            period=data.get("report_period") or "",
            rule=data.get("due_rule") or "",
            day=data.get("due_day"),
            is_recurring=is_recurring,
        )
        for name, message in errors.items():
            self.add_error(name, message)


class TaskForm(CycleFormMixin, forms.ModelForm):
    class Meta:
        model = Task
        fields = ["ref", "title", "description", "is_recurring", "default_due_date", *CycleFormMixin.CYCLE_FIELDS]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, document: Document, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.document = document
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.cycle_fields_setup()

    def clean(self):
        data = super().clean()
        if data.get("is_recurring") and data.get("default_due_date"):
            self.add_error("default_due_date", _("A recurring task has no due date."))
        self.cycle_clean(data, is_recurring=bool(data.get("is_recurring")))
        # The (document, ref) constraint is not checked by the ModelForm: document is not a field here.
        ref = data.get("ref")
        taken = Task.objects.filter(document=self.instance.document, ref=ref).exclude(pk=self.instance.pk)
        if ref and taken.exists():
            self.add_error("ref", _("This document already has a task with this item."))
        return data


class AssignForm(BaseForm):
    """Who receives a task, in one step."""

    TARGETS = [
        ("districts", _("All districts")),
        ("communes", _("All communes")),
        ("communes_of", _("The communes of the chosen districts")),
        ("agencies", _("The chosen agencies")),
    ]
    target = forms.ChoiceField(label=_("Assign to"), choices=TARGETS, widget=forms.RadioSelect)
    districts = KeyMultipleChoiceField(
        label=_("Districts"), required=False, queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    agencies = KeyMultipleChoiceField(
        label=_("Agencies"), required=False, queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    role = forms.ChoiceField(label=_("Role"), choices=Assignment.Role.choices, initial=Assignment.Role.LEAD)
    due_date = forms.DateField(
        label=_("Due date"), required=False, help_text=_("dd/mm/yyyy; empty for a recurring task.")
    )

    def __init__(self, *args, province: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.province = province
        active = Unit.objects.filter(province=province, is_active=True)
        self.fields["districts"].queryset = active.filter(level=Unit.Level.DISTRICT).order_by("code")
        self.fields["agencies"].queryset = active.filter(level=Unit.Level.AGENCY).order_by("name")
        if not self.fields["districts"].queryset.exists():
            # The two-level structure (since 01/07/2025): no district to give a task to.
            self.fields["target"].choices = [c for c in self.TARGETS if c[0] not in ("districts", "communes_of")]
            del self.fields["districts"]

    def clean(self):
        data = super().clean()
        target = data.get("target")
        if target == "communes_of" and "districts" in self.fields and not data.get("districts"):
            self.add_error("districts", _("Choose at least one district."))
        if target == "agencies" and not data.get("agencies"):
            self.add_error("agencies", _("Choose at least one agency."))
        return data

    def units(self) -> list[Unit]:
        data = self.cleaned_data
        active = Unit.objects.filter(province=self.province, is_active=True)
        chosen = {
            "districts": lambda: active.filter(level=Unit.Level.DISTRICT),
            "communes": lambda: active.filter(level=Unit.Level.COMMUNE),
            "communes_of": lambda: active.filter(level=Unit.Level.COMMUNE, parent__in=data["districts"]),
            "agencies": lambda: data["agencies"],
        }[data["target"]]()
        return list(chosen.order_by("code"))


class TargetsForm(BaseForm):
    """One whole number per unit under a parent; a total can be split in proportion first."""

    start_date = forms.DateField(label=_("Start date"))
    due_date = forms.DateField(label=_("Due date"))
    total = FigureField(
        label=_("Total to split"),
        required=False,
        help_text=_("Split in proportion to the current targets (equally when there are none)."),
    )

    def __init__(self, *args, units: list[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        self.units = units
        for unit in units:
            self.fields[f"unit_{unit.pk}"] = FigureField(label=unit.name, required=False)

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("due_date") and data["due_date"] <= data["start_date"]:
            self.add_error("due_date", _("The due date must come after the start date."))
        return data

    def unit_values(self) -> dict[Unit, int]:
        return {
            unit: self.cleaned_data[f"unit_{unit.pk}"]
            for unit in self.units
            if self.cleaned_data.get(f"unit_{unit.pk}") is not None
        }


class ImportForm(BaseForm):
    kind = forms.ChoiceField(
        label=_("What the file holds"), choices=ImportRecord.Kind.choices, widget=forms.RadioSelect
    )
    indicator = forms.ModelChoiceField(
        label=_("Indicator"),
        queryset=Indicator.objects.all(),
        required=False,
        empty_label=_("— choose an indicator —"),
    )
    file = forms.FileField(
        label=_("File"), help_text=_(".xlsx or .csv, at most 10 MB and 20.000 rows. Formulas are not calculated.")
    )

    def __init__(self, *args, kinds: list[str], province: Unit | None = None, **kwargs):
        """``province``: the indicators offered are those it follows (its own, those of a province
        merged into it, the national ones: tasks.selectors.province_indicators)."""
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = province_indicators(province)
        self.fields["indicator"].label_from_instance = lambda indicator: indicator.label
        self.fields["kind"].choices = [(k, label) for k, label in ImportRecord.Kind.choices if k in kinds]
        self.fields["kind"].initial = kinds[0]
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"

    def clean(self):
        data = super().clean()
        if data.get("kind") == ImportRecord.Kind.FIGURES and not data.get("indicator"):
            self.add_error("indicator", _("Choose the indicator the figures are for."))
        return data


class TransitionForm(BaseForm):
    """A structure transition's input on the secretariat's page: files or pasted rows."""

    ACCOUNTS = [
        ("follow", _("Accounts follow their unit to its successor")),
        ("deactivate", _("Accounts are deactivated (heads are handed over)")),
    ]
    MAX_TEXT = 2 * 1024 * 1024

    effective_on = forms.DateField(label=_("Effective date"), help_text=_("dd/mm/yyyy, e.g. 01/07/2025."))
    basis = forms.CharField(
        label=_("Legal basis"), max_length=300, help_text=_("The resolution or decision, e.g. 1674/NQ-UBTVQH15.")
    )
    accounts = forms.ChoiceField(label=_("Accounts"), choices=ACCOUNTS, initial="follow", widget=forms.RadioSelect)
    units_file = forms.FileField(
        label=_("New units (CSV file)"),
        required=False,
        help_text=_(
            "The format of data/vn_admin_units_2025-07-01.csv, or code,name,level,kind,parent_code; at most 2 MB."
        ),
    )
    units_text = forms.CharField(
        label=_("New units (rows)"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_TEXT
    )
    mapping_file = forms.FileField(
        label=_("Mapping (CSV file)"),
        required=False,
        help_text=_(
            "old_commune_code,new_commune_code,share (as data/vn_admin_reform_2025-07-01.csv) or "
            "old_code,new_code,share, with an optional fraction column; at most 2 MB."
        ),
    )
    mapping_text = forms.CharField(
        label=_("Mapping (rows)"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_TEXT
    )
    extra_mapping = forms.CharField(
        label=_("Mapping decided on this page"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_TEXT,
        help_text=_("Rows old_code,new_code,share,fraction."),
    )
    closures_text = forms.CharField(
        label=_("Closures"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_TEXT,
        help_text=_("Rows code,reason: the open work of these units is closed instead of carried."),
    )
    end = forms.CharField(
        label=_("Units that end without a successor"),
        required=False,
        max_length=5000,
        help_text=_("Codes separated by commas; “districts” ends every district (the two-level structure)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("units_file", "mapping_file"):
            self.fields[name].widget.attrs["accept"] = ".csv"

    def clean(self):
        data = super().clean()
        for name in ("units", "mapping"):
            upload = data.get(f"{name}_file")
            if upload:
                try:
                    data[f"{name}_text"] = check_csv_file(upload)
                except ValidationError as error:
                    self.add_error(f"{name}_file", error)
        if not self.errors and not (data.get("mapping_text") or "").strip():
            self.add_error("mapping_file", _("Give the mapping: a file or rows."))
        return data


class SlotReportForm(BaseForm):
    """A unit's periodic report (``ReportSlot``): the result of a task's period, the figures of its
    targets, a note, evidence files. Figures left empty are not reported."""

    outcome = forms.ChoiceField(
        label=_("Result in the period"), choices=ReportSlot.Outcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    files = MultipleFileField(
        label=_("Evidence files"),
        required=False,
        help_text=_("PDF, images, DOCX or XLSX; at most %(mb)s MB each, %(n)s files at a time.")
        % {"mb": MAX_EVIDENCE_BYTES // (1024 * 1024), "n": MAX_FILES_PER_REPORT},
    )
    version = VersionField()
    # Shown only once the service found a figure implausibly high (``services.figure_errors``).
    confirmed = forms.BooleanField(label=_("The values are right: save them"), required=False)

    def __init__(self, *args, slot: ReportSlot, targets: list, as_of, ask_confirmation: bool = False, **kwargs):
        kwargs.setdefault("initial", {"outcome": slot.outcome or None, "note": slot.note, "version": slot.version})
        super().__init__(*args, **kwargs)
        self.slot, self.targets = slot, targets
        if slot.assignment_id is None:  # an indicator's report: its figure and a note
            del self.fields["outcome"], self.fields["files"]
        else:
            self.fields["files"].widget.attrs["accept"] = ".pdf,.png,.jpg,.jpeg,.webp,.docx,.xlsx"
        for target in targets:
            self.fields[f"figure_{target.pk}"] = FigureField(
                label=_("%(indicator)s: cumulative value as of %(day)s")
                % {"indicator": target.indicator.name, "day": as_of.strftime("%d/%m/%Y")},
                required=slot.target_id is not None,
            )
        if not ask_confirmation:
            del self.fields["confirmed"]
        self.order_fields(["outcome", *[f"figure_{t.pk}" for t in targets], "note", "files", "version", "confirmed"])

    def figures(self) -> dict:
        data = self.cleaned_data
        return {t: data[f"figure_{t.pk}"] for t in self.targets if data.get(f"figure_{t.pk}") is not None}

    def clean(self):
        data = super().clean()
        figures = {t.pk: data.get(f"figure_{t.pk}") for t in self.targets if data.get(f"figure_{t.pk}") is not None}
        errors = slot_errors(
            slot=self.slot, outcome=data.get("outcome") or "", note=data.get("note") or "", figures=figures
        )
        for name, message in errors.items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
        return data

"""The secretariat's page for a structure transition (tasks.transitions): the new units and the
mapping (files or rows), a preview that lists what is unresolved first and lets the secretariat
resolve it (map to a unit code, or close the open work with a reason), then apply."""

import csv
import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render

from units.loaders import DataFileError, parse_transition_closures, parse_transition_mapping, parse_transition_units
from units.models import StructureTransition
from units.permissions import SECRETARIAT, permission_required
from units.selectors import user_province_or_404

from .forms import TransitionForm
from .transitions import transition_apply, transition_input, transition_preview

MAPPING_HEADER = "old_code,new_code,share,fraction_ppm"
CLOSURES_HEADER = "code,reason"


def _with_resolutions(post, data: dict) -> dict:
    """The rows the secretariat typed for unresolved units (resolve_map_<code>, resolve_close_<code>),
    added to the page's own mapping and closures. A unit decided again on the page replaces what the
    page held for it before: a mistyped code, corrected in its field, does not stay as a second link
    (which would keep the unit unresolved with two successors, one of them unknown)."""
    mapped: dict[str, str] = {}
    closed: dict[str, str] = {}
    for key, value in post.items():
        value = " ".join(value.split())
        if not value:
            continue
        if key.startswith("resolve_map_"):
            mapped[key.removeprefix("resolve_map_")] = value
        elif key.startswith("resolve_close_"):
            closed[key.removeprefix("resolve_close_")] = value
    decided = set(mapped) | set(closed)
    extra = _without_codes(data.get("extra_mapping") or "", decided)
    closures = _without_codes(data.get("closures_text") or "", decided)
    for code, value in mapped.items():
        if not extra:
            extra = [MAPPING_HEADER]
        extra.append(_csv_line([code, value, "full", ""]))
    for code, value in closed.items():
        if not closures:
            closures = [CLOSURES_HEADER]
        closures.append(_csv_line([code, value]))
    return {**data, "extra_mapping": "\n".join(extra), "closures_text": "\n".join(closures)}


def _without_codes(text: str, codes: set[str]) -> list[str]:
    """The lines of a CSV text (header first) without the rows whose first field is one of
    ``codes``; no lines at all when no row is left."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if not codes or len(lines) < 2:
        return lines
    kept = [line for line in lines[1:] if next(csv.reader([line]), [""])[0].strip() not in codes]
    return [lines[0], *kept] if kept else []


def _typed(post, preview) -> list[tuple]:
    """Each unresolved unit with what was typed for it on the page, shown again in its fields."""
    return [
        (item, post.get(f"resolve_map_{item.code}", "").strip(), post.get(f"resolve_close_{item.code}", "").strip())
        for item in preview.unresolved
    ]


def _csv_line(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(values)
    return out.getvalue()


def _input(province, data: dict):
    """The service's input from the form, or a DataFileError naming the part, line and reason."""
    code = province.code
    units = parse_transition_units("units", data["units_text"], code) if data["units_text"].strip() else []
    mapping = parse_transition_mapping("mapping", data["mapping_text"], code)
    if data["extra_mapping"].strip():
        mapping += parse_transition_mapping("extra", data["extra_mapping"], code)
    closures = parse_transition_closures("closures", data["closures_text"]) if data["closures_text"].strip() else {}
    return transition_input(
        province_code=code,
        effective_on=data["effective_on"],
        basis=data["basis"],
        units=units,
        mapping=mapping,
        closures=closures,
        ended=[part.strip() for part in data["end"].split(",") if part.strip()],
        accounts=data["accounts"],
    )


@permission_required("tasks.apply_transition", policy=SECRETARIAT)
def transition_start(request):
    province = user_province_or_404(request.user, request.GET.get("province"))
    if not request.user.has_perm("tasks.apply_transition", province):
        raise PermissionDenied
    context = {
        "province": province,
        "applied": StructureTransition.objects.filter(province=province).select_related("applied_by")[:20],
    }
    if request.method != "POST":
        return render(request, "tasks/transition.html", {**context, "form": TransitionForm()})
    form = TransitionForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "tasks/transition.html", {**context, "form": form}, status=400)
    data = _with_resolutions(request.POST, form.cleaned_data)
    # The page shows again what it read: the files' rows are in the text boxes from now on.
    form = TransitionForm(initial={**data, "effective_on": data["effective_on"].strftime("%d/%m/%Y")})
    try:
        transition_data = _input(province, data)
    except DataFileError as error:
        return render(request, "tasks/transition.html", {**context, "form": form, "file_error": str(error)}, status=400)
    preview = transition_preview(transition_data)
    context.update(form=form, preview=preview, unresolved_rows=_typed(request.POST, preview))
    if request.POST.get("action") != "apply":
        return render(request, "tasks/transition.html", context)
    if not preview.ok:
        context["refused"] = True
        return render(request, "tasks/transition.html", context, status=400)
    try:
        transition = transition_apply(transition_data, by=request.user)
    except ValidationError as error:
        context["apply_errors"] = error.messages
        return render(request, "tasks/transition.html", context, status=400)
    return render(request, "tasks/transition_done.html", {**context, "transition": transition})

"""Spreadsheet imports: upload, preview (every row's fate and every error), apply all at once."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projectsite.downloads import xlsx_response
from units.choosing import keep_province
from units.permissions import importer
from units.selectors import user_province_or_404

from . import imports, selectors
from .forms import ImportForm
from .models import ImportRecord

SHOWN = 200  # rows of each kind shown in the preview; the counts are complete


def _kinds(user) -> list[str]:
    return [kind for kind in ImportRecord.Kind.values if user.has_perm("tasks.import_data", kind)]


def _import_kind(*, user, kind: str) -> str:
    if kind not in ImportRecord.Kind.values:
        raise Http404
    return kind


@importer()
def import_start(request):
    kinds = _kinds(request.user)
    # The province the file is for: the user's, or the one a superuser chose (the picker otherwise).
    province = user_province_or_404(request.user, request.GET.get("province"))
    form = ImportForm(kinds=kinds, province=province)
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, kinds=kinds, province=province)
        if form.is_valid():
            try:
                record = imports.import_upload(
                    uploaded=form.cleaned_data["file"],
                    kind=form.cleaned_data["kind"],
                    user=request.user,
                    province=province,
                    indicator=form.cleaned_data["indicator"],
                )
            except ValidationError as error:
                form.add_error("file", error)
            else:
                return redirect(keep_province(reverse("tasks:import_preview", args=[record.pk]), request))
        status = 400
    return render(
        request,
        "tasks/import_start.html",
        {"form": form, "records": selectors.visible_imports(request.user).filter(province=province)[:20]},
        status=status,
    )


@importer(selectors.visible_import, permission="tasks.view_import")
def import_preview(request, record: ImportRecord):
    return _preview_response(request, record)


def _preview_response(request, record: ImportRecord, *, status: int = 200):
    preview = imports.import_preview(record, user=request.user)
    return render(
        request,
        "tasks/import_preview.html",
        {
            "record": record,
            "preview": preview,
            "counts": preview.counts(),
            "shown": SHOWN,
            "create": preview.create[:SHOWN],
            "update": preview.update[:SHOWN],
            "can_apply": record.status == ImportRecord.Status.PREVIEWED and not preview.errors,
            "fingerprint": preview.fingerprint(),
        },
        status=status,
    )


@require_POST
@importer(selectors.visible_import, permission="tasks.view_import")
def import_apply(request, record: ImportRecord):
    try:
        preview = imports.import_apply(
            record=record,
            user=request.user,
            seen=request.POST.get("seen", ""),
            confirmed=request.POST.get("confirmed") == "on",
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _preview_response(request, record, status=409 if error.code == "changed" else 400)
    counts = preview.counts()
    messages.success(
        request,
        _("Applied: %(create)s new, %(update)s changed, %(unchanged)s unchanged.") % counts,
    )
    return redirect(keep_province(reverse("tasks:import_preview", args=[record.pk]), request))


@importer(_import_kind)
def import_template(request, kind: str):
    names = {
        ImportRecord.Kind.FIGURES: _("Import template - indicator figures"),
        ImportRecord.Kind.ASSIGNMENTS: _("Import template - assignments"),
    }
    return xlsx_response(filename=names[kind], content=imports.template_workbook(kind))

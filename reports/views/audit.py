"""The audit trail ("Nhật ký thay đổi"): every change, who made it, when, from what to what; and its Excel export.

The secretariat and leaders read their province's, national accounts and superusers every province's,
a unit head their unit's and the units' under it (``units.view_audit_trail``, scoped by
``tasks.selectors.audit_trail``). A refused filter answers 400 with the reason and lists nothing.
"""

from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from projectsite import clock
from projectsite.text import number
from tasks.selectors import TrailRow, audit_trail, audit_trail_rows, trail_subject
from units.permissions import audit_viewer_required

from .. import exports
from ..filters import AuditFilter

ENTRIES_PER_PAGE = 50
# An export holds at most this many changes, the newest; a narrower filter gets the older ones.
EXPORT_LIMIT = 10_000
EXPORT_CHUNK = 2_000

# The page of an object the trail links to, by the object's model.
OBJECT_PAGES = {
    "tasks.assignment": "tasks:assignment",
    "tasks.target": "tasks:target",
    "tasks.document": "reports:document",
    "tasks.obstacle": "tasks:obstacle",
}


def _with_links(rows: list[TrailRow]) -> list[TrailRow]:
    for row in rows:
        name = OBJECT_PAGES.get(row.object_type)
        if name and row.object_id is not None:
            try:
                row.url = reverse(name, args=[row.object_id])
            except NoReverseMatch:  # a key the URL cannot hold
                row.url = None
    return rows


def _refused(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


@audit_viewer_required
def audit_trail_page(request):
    form = AuditFilter(request.GET or None, user=request.user)
    refused = form.is_bound and not form.is_valid()
    filters = None if refused else form.filters()
    page = Paginator([] if refused else audit_trail(user=request.user, filters=filters), ENTRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = _with_links(audit_trail_rows(page.object_list)) if not refused else []
    query = request.GET.copy()
    query.pop("page", None)
    subject = None
    if filters is not None and filters.about is not None:
        subject = trail_subject(user=request.user, about=filters.about) or _("an object you cannot open")
    return render(
        request,
        "reports/audit_trail.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode(), "subject": subject},
        status=400 if refused else 200,
    )


@audit_viewer_required
def audit_trail_excel(request):
    """The trail as the page filters it, newest first, up to ``EXPORT_LIMIT`` changes."""
    form = AuditFilter(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest(_refused(form), content_type="text/plain; charset=utf-8")
    keys = list(audit_trail(user=request.user, filters=form.filters())[: EXPORT_LIMIT + 1])
    cut = len(keys) > EXPORT_LIMIT
    keys = keys[:EXPORT_LIMIT]

    def rows():
        for start in range(0, len(keys), EXPORT_CHUNK):
            yield from exports.audit_rows(audit_trail_rows(keys[start : start + EXPORT_CHUNK]))

    today = clock.today()
    limit = {"n": number(EXPORT_LIMIT)}
    subtitle = _("The newest %(n)s changes; narrow the filters to export older ones.") % limit if cut else ""
    content = exports.build_workbook(
        title=_("Audit trail"), report_date=today, subtitle=subtitle, columns=exports.audit_columns(), rows=rows()
    )
    return exports.xlsx_response(filename=exports.file_name(_("Audit trail"), today), content=content)

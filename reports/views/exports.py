"""The Excel downloads: each view fetches through the selectors, has the columns and rows built by
``reports.exports`` and returns the file."""

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _

from projectsite import clock
from projectsite.as_at import as_at_from, as_at_label
from tasks.indicators import progress_tree
from tasks.selectors import unit_assignments
from units.models import Unit
from units.permissions import area_viewer_required, province_viewer_required, unit_as_at, unit_scoped_read
from units.selectors import user_area_or_404, user_province_or_404, visible_unit

from .. import exports, scorecard, selectors
from .dashboard import lagging, lagging_filters, province_of
from .scorecard import requested_year


def refused_date(as_at) -> HttpResponseBadRequest:
    """An export of a date it cannot show: 400 with the reason, never a file of another date."""
    return HttpResponseBadRequest(as_at.error, content_type="text/plain; charset=utf-8")


@province_viewer_required
def overview_excel(request):
    """The dashboard tables in one sheet: areas (districts with their communes, or communes), levels, documents."""
    province = user_province_or_404(request.user, request.GET.get("province"))
    as_at = as_at_from(request)
    if as_at.error:
        return refused_date(as_at)
    today = as_at.day
    breakdown = selectors.status_breakdown(province=province, today=today, as_at=as_at.past)
    content = exports.build_workbook(
        title=_("Project 06 in %(name)s: assignments by deadline status") % {"name": province.name}
        + as_at.title_suffix(),
        report_date=today,
        columns=exports.overview_columns(),
        rows=exports.overview_rows(breakdown),
    )
    return exports.xlsx_response(filename=exports.file_name(_("Province overview"), today), content=content)


@area_viewer_required
def lagging_excel(request):
    area = user_area_or_404(request.user, request.GET.get("province"))
    as_at = as_at_from(request)
    if as_at.error:
        return refused_date(as_at)
    today = as_at.day
    _form, filters = lagging_filters(request, area, as_at)
    if filters is None:  # a refused filter: the list says why, rather than a file of everything
        return lagging(request)
    units = selectors.lagging_units(province=province_of(area), today=today, as_at=as_at.past, **filters)
    content = exports.build_workbook(
        title=_("Lagging units") + as_at.title_suffix(),
        report_date=today,
        subtitle=area.name,
        columns=exports.lagging_columns(),
        rows=exports.lagging_rows(selectors.lagging_details(units, as_at=as_at.past)),
    )
    return exports.xlsx_response(filename=exports.file_name(_("Lagging units"), today), content=content)


@province_viewer_required
def scorecard_excel(request):
    province = user_province_or_404(request.user, request.GET.get("province"))
    as_at = as_at_from(request)
    if as_at.error:
        return refused_date(as_at)
    year = requested_year(request, as_at)
    card = scorecard.scorecard(province=province, year=year, today=clock.today(), as_at=as_at.past)
    frozen = _("frozen") if card.frozen else _("live")
    title = _("Scorecard %(year)s") % {"year": year}
    content = exports.build_workbook(
        title=title if card.as_of == clock.today() else f"{title} — {as_at_label(card.as_of)}",
        report_date=card.as_of,
        subtitle=f"{province.name} · {frozen}",
        columns=exports.scorecard_columns(),
        rows=exports.scorecard_rows(card),
    )
    return exports.xlsx_response(filename=exports.file_name(title, card.as_of), content=content)


@unit_scoped_read(visible_unit)
def unit_excel(request, unit: Unit):
    """A unit's report: every assignment with its status, as anyone who may read the unit sees it
    (as at a past date: the unit with that code then, as the unit page shows it)."""
    as_at = as_at_from(request)
    if as_at.error:
        return refused_date(as_at)
    unit = unit_as_at(request, unit, as_at.past)
    today, past = as_at.day, as_at.past
    rows = exports.unit_rows(unit_assignments(user=request.user, unit=unit, today=today, as_at=past))
    content = exports.build_workbook(
        title=_("Report of %(name)s") % {"name": unit.name} + as_at.title_suffix(),
        report_date=today,
        subtitle=exports.attainment_text(progress_tree(unit=unit, today=today, as_at=past)),
        columns=exports.unit_columns(),
        rows=rows,
    )
    return exports.xlsx_response(filename=exports.file_name(unit.name, today), content=content)

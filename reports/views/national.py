"""The national dashboard (Bộ Công an, Tổ công tác): every province's counts per deadline status,
on-time rate, ranking and the lagging provinces, each linking to the province's own overview
(read only, ``?province=<code>``); and its Excel export."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from projectsite.as_at import as_at_context, as_at_from
from tasks.deadlines import STATUS_COLOURS
from tasks.selectors import STATUS_ORDER
from units.permissions import national_viewer_required

from .. import exports, national
from ..selectors import on_time_rate
from .exports import refused_date


def province_url(code: str, as_at) -> str:
    """A province's own overview, as at the page's date."""
    url = f"{reverse('reports:overview')}?{urlencode({'province': code})}"
    return f"{url}&{as_at.param}" if as_at.param else url


@national_viewer_required
def national_dashboard(request):
    """Every province in force on the page's date: counts per status, on-time rate, rank, and the
    lagging provinces (most overdue first). One aggregation for all the provinces."""
    as_at = as_at_from(request)
    rows = national.province_rows(today=as_at.day, as_at=as_at.past)
    for row in rows:
        row.link = province_url(row.province.code, as_at)
        row.cells = [row.counts[str(status)] for status in STATUS_ORDER]
    totals = national.national_totals(rows)
    indicators = national.indicator_attainment(rows, day=as_at.day, as_at=as_at.past)
    for entry in indicators.values():
        entry["rows"] = [(row, entry["provinces"].get(row.province.code)) for row in rows]
    cards = [
        {"status": status, "label": status.label, "colour": STATUS_COLOURS[status], "count": totals[status.value]}
        for status in STATUS_ORDER
    ]
    return render(
        request,
        "reports/national.html",
        {
            **as_at_context(request, as_at),
            "rows": rows,
            "lagging": national.lagging_provinces(rows),
            "indicators": indicators,
            "totals": totals,
            "on_time_rate": on_time_rate(totals),
            "cards": cards,
            "statuses": STATUS_ORDER,
            "today": as_at.day,
        },
        status=400 if as_at.error else 200,
    )


@national_viewer_required
def national_excel(request):
    """The national table (the ranking, every province's counts and rate) in one sheet."""
    as_at = as_at_from(request)
    if as_at.error:
        return refused_date(as_at)
    today = as_at.day
    rows = national.province_rows(today=today, as_at=as_at.past)
    content = exports.build_workbook(
        title=_("Project 06 nationwide: assignments by deadline status per province") + as_at.title_suffix(),
        report_date=today,
        columns=exports.national_columns(),
        rows=exports.national_rows(rows),
    )
    return exports.xlsx_response(filename=exports.file_name(_("National overview"), today), content=content)

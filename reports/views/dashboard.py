"""The dashboard and the lists behind its numbers: overview, assignments, lagging units, a document."""

from urllib.parse import quote

import rules
from django import forms
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from projectsite import clock
from projectsite.as_at import AsAt, as_at_context, as_at_from
from tasks.deadlines import STATUS_COLOURS
from tasks.models import Document
from tasks.selectors import (
    STATUS_ORDER,
    assignments_with_status,
    province_documents,
    reporting_rate_series,
    reporting_rates,
    reporting_window,
    visible_documents,
)
from units.models import Unit
from units.permissions import area_viewer_required, province_viewer_required
from units.selectors import chooses_province, provinces_in_force, user_area_or_404, user_province_or_404

from .. import exports, national, selectors
from ..filters import AssignmentFilter, FilterForm, UnitField, area_choices, document_label
from .official import picker_context

# The area chart shows at most this many areas (the worst); the table below lists them all.
CHART_AREAS = 20


def unit_url(code: str, as_at: AsAt) -> str:
    """A unit's page, as at the page's date (a code names the unit valid then)."""
    url = reverse("tasks:unit", args=[code])
    return f"{url}?{as_at.param}" if as_at.param else url


def document_url(pk: int, link_param: str) -> str:
    """A document's page, keeping the page's province (a superuser's, a national account's) and date."""
    url = reverse("reports:document", args=[pk])
    return f"{url}?{link_param}" if link_param else url


def worst_first(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda row: (-row["overdue"], -row["due_soon"], -row["total"], row["code"]))


@area_viewer_required
def overview(request):
    """The province dashboard, or a district's (its communes) for the district's head and staff:
    every number links to the list behind it."""
    as_at = as_at_from(request)
    today, past = as_at.day, as_at.past
    area = user_area_or_404(request.user, request.GET.get("province"), on=past)
    is_province = area.level == Unit.Level.PROVINCE
    chooser = chooses_province(request.user)
    # The links of the page keep the chosen province (a superuser's, a national account's) and date.
    link_param = "&".join(filter(None, [f"province={quote(area.code)}" if chooser else "", as_at.param]))
    # A province's secretariat and leaders see their own rank among the provinces, no one else's.
    rank = national.province_rank(area, today=today, as_at=past) if request.user.sees_whole_province else None
    breakdown = selectors.status_breakdown(province=area, today=today, as_at=past)
    counts = breakdown.province
    # A district's table and chart are by unit (itself and its communes); the province's by area:
    # its districts (with their communes), or in the two-level structure its communes.
    by_area = breakdown.by_area if is_province else selectors.unit_status_rows(area=area, today=today, as_at=past)
    for row in by_area:
        row["label"] = exports.area_name(row)
    with_districts = any(row.get("level") == Unit.Level.DISTRICT for row in by_area)
    charted = by_area if len(by_area) <= CHART_AREAS else worst_first(by_area)[:CHART_AREAS]
    cards = [
        {"status": status, "label": status.label, "colour": STATUS_COLOURS[status], "count": counts[status.value]}
        for status in STATUS_ORDER
    ]
    indicators = selectors.area_indicator_summaries(area=area, today=today, as_at=past)
    # The official report's picker, for the secretariat (asked of the rules: no permission query).
    drafts = is_province and rules.has_perm("reports.draft_official_report", request.user, area)
    # Periodic reports of the year up to the page's date: the province's per area, a district's per unit.
    window = reporting_window(today)
    scope = {} if is_province else {"area": area}
    rates = reporting_rates(province_of(area), *window, today=today, as_at=past, **scope)
    rate_series = reporting_rate_series(province_of(area), *window, today=today, as_at=past, **scope)
    return render(
        request,
        "reports/overview.html",
        {
            **as_at_context(request, as_at),
            "province": area,
            "is_province": is_province,
            "link_param": link_param,
            "rank": rank,
            "province_choices": provinces_in_force(past or today).only("code", "name") if chooser else None,
            "drafts_official_report": drafts,
            **(picker_context(request, area, clock.today()) if drafts else {}),
            "with_districts": with_districts,
            "area_count": len(by_area),
            "chart_limited": len(charted) < len(by_area),
            "chart_areas": CHART_AREAS,
            "today": today,
            "total": counts["total"],
            "on_time_rate": selectors.on_time_rate(counts),
            "cards": cards,
            "statuses": STATUS_ORDER,
            "by_level": table_rows(breakdown.by_level, key="level", label="label"),
            "by_area": table_rows(by_area, key="code", label="label", link=lambda row: unit_url(row["code"], as_at)),
            "by_document": table_rows(
                breakdown.by_document,
                key="document_id",
                label="label",
                date="issued_on",
                link=(lambda row: document_url(row["document_id"], link_param)) if is_province else None,
            ),
            "indicators": indicators,
            "rates": rates,
            "rate_series": rate_series,
            "rate_window": window,
            "area_chart": {
                "labels": [row["name"] for row in charted],
                "datasets": [
                    {
                        "label": str(status.label),
                        "status": status.value,
                        "data": [row[status.value] for row in charted],
                    }
                    for status in STATUS_ORDER
                ],
            },
            "indicator_charts": [
                {**summary.chart(), "names": {"expected": _("Expected to date"), "target": _("Target")}}
                for summary in indicators
            ],
        },
        status=400 if as_at.error else 200,
    )


def table_rows(rows, *, key: str, label: str, date: str | None = None, link=None) -> list[dict]:
    """Rows of a status table: the filter value, the label, the counts per status, the total."""
    statuses = [str(status) for status in STATUS_ORDER]
    return [
        {
            "key": str(row[key]),
            "label": row[label],
            "date": row.get(date) if date else None,
            "link": link(row) if link else None,
            "counts": {status: row[status] for status in statuses},
            "total": row["total"],
        }
        for row in rows
    ]


ASSIGNMENTS_PER_PAGE = 50


@area_viewer_required
def assignment_list(request):
    """The assignments behind a dashboard number (a district's: its own and its communes'):
    filterable, sortable, paginated."""
    area = user_area_or_404(request.user, request.GET.get("province"))
    as_at = as_at_from(request)
    today, past = as_at.day, as_at.past
    form = AssignmentFilter(request.GET or None, province=province_of(area), area=area, as_at=past)
    queryset = assignments_with_status(
        selectors.area_assignments(area, past).select_related("task__document__province", "unit__area", "updated_by"),
        today,
        as_at=past,
    )
    status = 400 if as_at.error else 200
    if form.is_bound and not form.is_valid():
        status = 400
        queryset = queryset.none()
    elif form.is_bound:
        queryset = form.apply(queryset, today)
    else:
        form.cleaned_data = {}
        queryset = queryset.order_by("due_date", "pk")
    page = Paginator(queryset, ASSIGNMENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/assignments.html",
        {
            **as_at_context(request, as_at),
            "form": form,
            "page": page,
            "today": today,
            "query": query.urlencode(),
            "task": form.cleaned_data.get("task") if hasattr(form, "cleaned_data") else None,
            "sort": request.GET.get("sort", "due"),
        },
        status=status,
    )


def province_of(area: Unit) -> Unit:
    return area if area.level == Unit.Level.PROVINCE else area.province


class LaggingFilter(FilterForm):
    level = forms.TypedChoiceField(
        label=_("Level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All")), *[(v, n) for v, n in Unit.Level.choices if v != Unit.Level.PROVINCE]],
    )
    area = UnitField(label=_("Area"), required=False, queryset=Unit.objects.none(), numeric=True)
    document = forms.ModelChoiceField(label=_("Document"), required=False, queryset=Document.objects.all())

    def __init__(self, *args, area, as_at=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = area_choices(area, as_at)
        self.fields["document"].queryset = province_documents(area.province_id, on=as_at)
        self.fields["document"].label_from_instance = document_label


def lagging_filters(request, area: Unit, as_at: AsAt) -> tuple[LaggingFilter, dict | None]:
    """The list's filters from the query string; None when one is refused (the page says why).
    A district's list is always its own."""
    form = LaggingFilter(request.GET or None, area=area, as_at=as_at.past)
    if form.is_bound and not form.is_valid():
        return form, None
    filters = form.cleaned_data if form.is_bound else {}
    if area.level == Unit.Level.DISTRICT:
        filters = {**filters, "area": area}
    return form, filters


@area_viewer_required
def lagging(request):
    """Units with overdue assignments or indicators behind expected-to-date, worst first: the
    province's, or a district's own and its communes' for the district's head and staff."""
    area = user_area_or_404(request.user, request.GET.get("province"))
    as_at = as_at_from(request)
    today = as_at.day
    form, filters = lagging_filters(request, area, as_at)
    rows = (
        []
        if filters is None
        else selectors.lagging_units(province=province_of(area), today=today, as_at=as_at.past, **filters)
    )
    page = Paginator(rows, ASSIGNMENTS_PER_PAGE).get_page(request.GET.get("page"))
    selectors.lagging_details(page.object_list, as_at=as_at.past)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/lagging.html",
        {
            **as_at_context(request, as_at),
            "form": form,
            "page": page,
            "count": len(rows),
            "today": today,
            "query": query.urlencode(),
            "area": area,
            # Asking to explain is today's act: not from a page as at a past date.
            "can_ask": as_at.past is None and request.user.has_perm("tasks.ask_explanation"),
        },
        status=400 if filters is None or as_at.error else 200,
    )


@province_viewer_required
def document_detail(request, pk: int):
    """A document and its tasks, each with the province's assignments counted by deadline status:
    one of the province's documents, of a province merged into it, or a national one."""
    as_at = as_at_from(request)
    province = user_province_or_404(request.user, request.GET.get("province"))
    document = get_object_or_404(
        visible_documents(request.user, province).select_related("implements", "province"), pk=pk
    )
    tasks = selectors.document_tasks(document=document, province=province, today=as_at.day, as_at=as_at.past)
    return render(
        request,
        "reports/document.html",
        {
            **as_at_context(request, as_at),
            "document": document,
            "province": province,
            "tasks": tasks,
            "statuses": STATUS_ORDER,
            "today": as_at.day,
        },
        status=400 if as_at.error else 200,
    )

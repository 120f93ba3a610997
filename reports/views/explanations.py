"""The explanation requests of the province (or of a district, for its head and staff): asked,
explained, closed. Asking, explaining and closing are the unit's and the request's own pages."""

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from projectsite import clock
from units.permissions import area_viewer_required
from units.selectors import user_area_or_404

from .. import selectors
from ..filters import FilterForm

EXPLANATIONS_PER_PAGE = 50


class ExplanationFilter(FilterForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All")),
            ("waiting", _("Awaiting explanation")),
            ("late", _("Explanation overdue")),
            ("answered", _("Explained, not closed")),
            ("closed", _("Closed")),
        ],
    )


@area_viewer_required
def explanation_list(request):
    """Every explanation request of the area, unanswered first; a refused filter lists nothing (400)."""
    area = user_area_or_404(request.user, request.GET.get("province"))
    today = clock.today()
    form = ExplanationFilter(request.GET or None)
    refused = form.is_bound and not form.is_valid()
    status = form.cleaned_data.get("status", "") if form.is_bound and not refused else ""
    requests = selectors.area_explanations(area=area, status=status, today=today)
    if refused:
        requests = requests.none()
    page = Paginator(requests, EXPLANATIONS_PER_PAGE).get_page(request.GET.get("page"))
    for explanation in page.object_list:
        explanation.shown_status = explanation.status
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/explanations.html",
        {"form": form, "page": page, "today": today, "area": area, "query": query.urlencode()},
        status=400 if refused else 200,
    )

"""The scorecard page, and its management (weights, snapshots)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projectsite import clock
from projectsite.as_at import AsAt, as_at_context, as_at_from
from projectsite.bounds import BadQueryValue, bounded_int
from units.choosing import keep_province
from units.models import Unit
from units.permissions import SECRETARIAT, permission_required, province_viewer_required
from units.selectors import user_province_or_404

from .. import scorecard
from .. import services as report_services
from ..forms import SnapshotForm, WeightsForm
from ..models import ScorecardSnapshot


def requested_year(request, as_at: AsAt | None = None) -> int:
    """?year=2023, by default the year of the page's date (today, or ``as_at``); anything else is
    a 404, not a crash."""
    raw = request.GET.get("year") or request.POST.get("year")
    try:
        year = bounded_int(raw, name="year", minimum=2020, maximum=2100)
    except BadQueryValue:
        raise Http404 from None
    return (as_at.day if as_at is not None else clock.today()).year if year is None else year


@province_viewer_required
def scorecard_page(request):
    """Units ranked within each level for a year, with movement since the last snapshot."""
    return _scorecard_response(request)


def _scorecard_response(request, *, weights_form=None, snapshot_form=None, status=200):
    province = user_province_or_404(request.user, request.GET.get("province"))
    as_at = as_at_from(request)
    year = requested_year(request, as_at)
    card = scorecard.scorecard(province=province, year=year, today=clock.today(), as_at=as_at.past)
    can_manage = request.user.has_perm("reports.manage_scorecard", province)
    levels = scorecard.rows_by_level(card)
    # The page says the date the ranking is computed as at (a past year: its last day).
    shown = AsAt(day=card.as_of, past=None if card.as_of == clock.today() else card.as_of, error=as_at.error)
    return render(
        request,
        "reports/scorecard.html",
        {
            **as_at_context(request, shown, keep=("year", "province")),
            "province": province,
            "card": card,
            "year": year,
            "levels": [(Unit.Level(level).label, level, rows) for level, rows in sorted(levels.items())],
            "can_manage": can_manage,
            "weights_form": weights_form or (WeightsForm(initial=card.weights) if can_manage else None),
            "snapshot_form": snapshot_form or (SnapshotForm(initial={"year": year}) if can_manage else None),
            "snapshots": ScorecardSnapshot.objects.filter(province=province, year=year).select_related("taken_by"),
        },
        status=400 if as_at.error and status == 200 else status,
    )


@require_POST
@permission_required("reports.manage_scorecard", policy=SECRETARIAT)
def scorecard_weights(request):
    province = user_province_or_404(request.user, request.GET.get("province"))
    form = WeightsForm(request.POST)
    if form.is_valid():
        try:
            report_services.weights_update(province=province, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Weights saved."))
            return redirect(keep_province(f"{reverse('reports:scorecard')}?year={requested_year(request)}", request))
    return _scorecard_response(request, weights_form=form, status=400)


@require_POST
@permission_required("reports.manage_scorecard", policy=SECRETARIAT)
def scorecard_snapshot(request):
    province = user_province_or_404(request.user, request.GET.get("province"))
    form = SnapshotForm(request.POST)
    if form.is_valid():
        try:
            report_services.snapshot_take(province=province, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The ranking of %(year)s is frozen.") % {"year": form.cleaned_data["year"]}
                if form.cleaned_data["final"]
                else _("Snapshot taken."),
            )
            return redirect(keep_province(f"{reverse('reports:scorecard')}?year={form.cleaned_data['year']}", request))
    for error in form.errors.get("__all__", []):
        messages.error(request, error)
    return _scorecard_response(request, snapshot_form=form, status=400)

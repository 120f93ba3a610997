from django.http import Http404
from django.shortcuts import render

from projectsite import clock
from tasks.deadlines import STATUS_COLOURS
from tasks.selectors import STATUS_ORDER
from units.permissions import province_viewer_required
from units.selectors import user_province

from . import selectors


@province_viewer_required
def overview(request):
    province = user_province(request.user)
    if province is None:
        raise Http404
    today = clock.today()
    counts = selectors.province_status_counts(province=province, today=today)
    cards = [
        {"status": status, "label": status.label, "colour": STATUS_COLOURS[status], "count": counts[status.value]}
        for status in STATUS_ORDER
    ]
    return render(
        request,
        "reports/overview.html",
        {
            "province": province,
            "today": today,
            "total": counts["total"],
            "cards": cards,
            "statuses": STATUS_ORDER,
            "by_level": selectors.status_counts_by_level(province=province, today=today),
            "by_document": selectors.status_counts_by_document(province=province, today=today),
        },
    )

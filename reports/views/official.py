"""The official report on demand: the secretariat picks a period (on the overview, or on this page)
and downloads the draft report (.docx) or its appendix (.xlsx), counted as at the period's end."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from projectsite import clock
from projectsite.downloads import docx_response, xlsx_response
from units.permissions import SECRETARIAT, permission_required
from units.selectors import chooses_province, user_province_or_404

from .. import official, periods

FILES = ("docx", "xlsx")


def picker_context(request, province, today) -> dict:
    """What the period picker (``reports/_official_report_form.html``) needs."""
    return {
        "official_periods": periods.period_choices(today),
        "official_default": periods.default_choice(today),
        "official_province": province.code if chooses_province(request.user) else "",
    }


@permission_required("reports.draft_official_report", policy=SECRETARIAT)
def official_report(request):
    """Without ``?period=``, the page that explains the report and offers the periods; with one,
    the file (``file=docx``, the default, or ``xlsx``). A period it cannot report: 400 and why."""
    today = clock.today()
    raw = request.GET.get("period")
    error, period = "", None
    if raw is not None:
        try:
            period = periods.period_parse(raw, today=today)
        except periods.PeriodError as refused:
            error = str(refused)
    province = user_province_or_404(
        request.user, request.GET.get("province"), on=min(period.end, today) if period else None
    )
    if not request.user.has_perm("reports.draft_official_report", province):
        raise PermissionDenied
    kind = request.GET.get("file") or "docx"
    if period is not None and kind not in FILES:
        error = _("Choose the report (.docx) or its appendix (.xlsx).")
    if period is None or error:
        context = {
            "province": province,
            "error": error,
            "typed": (raw or "")[:20],
            **picker_context(request, province, today),
        }
        return render(request, "reports/official_report.html", context, status=400 if error else 200)
    data = official.official_report_data(province=province, period=period, today=today)
    if kind == "xlsx":
        return xlsx_response(filename=official.file_name(period, "xlsx"), content=official.official_report_xlsx(data))
    return docx_response(filename=official.file_name(period, "docx"), content=official.official_report_docx(data))

"""The Excel downloads: each view fetches through the selectors, has the rows built by reports.exports and
returns the file."""

from django.utils.translation import gettext as _

from projectsite import clock
from projectsite.text import percent
from tasks.deadlines import DeadlineStatus
from tasks.indicators import progress_tree
from tasks.selectors import STATUS_ORDER, unit_assignments
from units.models import Unit
from units.permissions import area_viewer_required, province_viewer_required, unit_scoped_read
from units.selectors import user_area_or_404, user_province_or_404, visible_unit

from .. import scorecard, selectors
from ..exports import Column, build_workbook, xlsx_response
from .dashboard import lagging, lagging_filters, province_of
from .scorecard import requested_year


def _status_columns() -> list[Column]:
    return [Column(str(status.label), "int", 14) for status in STATUS_ORDER] + [Column(_("Total"), "int", 10)]


def _file_name(title: str, day) -> str:
    return f"{title} {day:%d-%m-%Y}.xlsx"


@province_viewer_required
def overview_excel(request):
    """The dashboard tables in one sheet: districts (with communes), levels, documents."""
    province = user_province_or_404(request.user)
    today = clock.today()
    statuses = [str(status) for status in STATUS_ORDER]
    rows = []
    breakdown = selectors.status_breakdown(province=province, today=today)
    for group, table, label in [
        (_("District"), breakdown.by_district, "name"),
        (_("Level"), breakdown.by_level, "label"),
        (_("Document"), breakdown.by_document, "number"),
    ]:
        for row in table:
            rows.append([group, row[label], *[row[s] for s in statuses], row["total"], selectors.on_time_rate(row)])
    title = _("Project 06 in %(name)s: assignments by deadline status") % {"name": province.name}
    content = build_workbook(
        title=title,
        report_date=today,
        columns=[
            Column(_("Group"), width=14),
            Column(_("Name"), width=32),
            *_status_columns(),
            Column(_("On-time completion rate"), "percent", 16),
        ],
        rows=rows,
    )
    return xlsx_response(filename=_file_name(_("Province overview"), today), content=content)


@area_viewer_required
def lagging_excel(request):
    area = user_area_or_404(request.user)
    today = clock.today()
    _form, filters = lagging_filters(request, area)
    if filters is None:  # a refused filter: the list says why, rather than a file of everything
        return lagging(request)
    province = province_of(area)
    rows = [
        [
            row.unit.name,
            row.unit.get_level_display(),
            row.unit.district.name if row.unit.district_id else "",
            row.overdue,
            row.days_overdue or None,
            "; ".join(f"{node.target.indicator.name}: {percent(node.attainment or 0)}" for node in row.behind),
            (row.head.get_full_name() or row.head.username) if row.head else "",
            ", ".join(filter(None, [row.head.email if row.head else "", *row.unit.emails])),
            row.unit.phone,
            row.last_update,
        ]
        for row in selectors.lagging_details(selectors.lagging_units(province=province, today=today, **filters))
    ]
    content = build_workbook(
        title=_("Lagging units"),
        report_date=today,
        subtitle=area.name,
        columns=[
            Column(_("Unit"), width=30),
            Column(_("Level"), width=14),
            Column(_("District"), width=22),
            Column(_("Overdue assignments"), "int", 12),
            Column(_("Oldest overdue (days)"), "int", 12),
            Column(_("Indicators behind"), width=40),
            Column(_("Head"), width=30),
            Column(_("Contact"), width=34),
            Column(_("Phone"), width=14),
            Column(_("Last update"), "datetime", 18),
        ],
        rows=rows,
    )
    return xlsx_response(filename=_file_name(_("Lagging units"), today), content=content)


@province_viewer_required
def scorecard_excel(request):
    province = user_province_or_404(request.user)
    year = requested_year(request)
    card = scorecard.scorecard(province=province, year=year, today=clock.today())
    rows = [
        [
            Unit.Level(row.level).label,
            row.rank,
            row.movement,
            row.unit.name,
            row.score,
            row.on_time_rate,
            row.attainment,
            row.timeliness,
        ]
        for row in card.rows
    ]
    frozen = _("frozen") if card.frozen else _("live")
    content = build_workbook(
        title=_("Scorecard %(year)s") % {"year": year},
        report_date=card.as_of,
        subtitle=f"{province.name} · {frozen}",
        columns=[
            Column(_("Level"), width=16),
            Column(_("Rank"), "int", 8),
            Column(_("Movement"), "int", 10),
            Column(_("Unit"), width=32),
            Column(_("Score"), "decimal", 10),
            Column(_("On time"), "percent", 12),
            Column(_("Indicators"), "percent", 12),
            Column(_("Regular reporting"), "percent", 12),
        ],
        rows=rows,
    )
    return xlsx_response(filename=_file_name(_("Scorecard %(year)s") % {"year": year}, card.as_of), content=content)


@unit_scoped_read(visible_unit)
def unit_excel(request, unit: Unit):
    """A unit's report: every assignment with its status, as anyone who may read the unit sees it."""
    today = clock.today()
    labels = dict(DeadlineStatus.choices)
    rows = [
        [
            a.task.document.number,
            f"{a.task.ref}. {a.task.title}",
            a.get_role_display(),
            a.due_date,
            labels.get(a.deadline, ""),
            a.get_work_status_display(),
            a.progress / 100,
            a.updated_at,
        ]
        for a in unit_assignments(user=request.user, unit=unit, today=today)
    ]
    attainment = "; ".join(
        f"{node.target.indicator.name}: {percent(node.attainment or 0)}"
        for node in progress_tree(unit=unit, today=today)
    )
    content = build_workbook(
        title=_("Report of %(name)s") % {"name": unit.name},
        report_date=today,
        subtitle=attainment,
        columns=[
            Column(_("Document"), width=18),
            Column(_("Task"), width=60),
            Column(_("Role"), width=10),
            Column(_("Due date"), "date", 12),
            Column(_("Deadline status"), width=24),
            Column(_("Work status"), width=22),
            Column(_("Progress"), "percent", 10),
            Column(_("Last update"), "datetime", 18),
        ],
        rows=rows,
    )
    return xlsx_response(filename=_file_name(unit.name, today), content=content)

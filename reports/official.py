"""The official report: "Báo cáo kết quả thực hiện Đề án 06" of a province for a month, a quarter or
a year, drafted as a Word document in the layout of Nghị định 30/2020/NĐ-CP, with an .xlsx appendix.

Its numbers are the dashboard's: ``official_report_data`` asks the dashboard's selectors
(``status_breakdown``, ``indicator_summaries``, ``lagging_units``) as at the end of the period,
by the same rule as the dashboard's "Xem số liệu tại ngày" (a period that has not ended yet is
counted as at today, live). The tasks are counted in the Government Office's groups: completed
(on time, late) and not completed (within time, overdue), with recurring work apart.

The document is a list of sections (``SECTIONS``), each a small function that writes its part, or
nothing when it has no data source (a part left out takes no number): the units' explanations come
from ``reports.selectors.explanations_for_report``, the reporting rates from
``tasks.selectors.reporting_rates`` (left out when no periodic report was owed in the period).
What only a person can write, the number, the day of signing, the proposals and the signer's
name, is left as blanks for the clerk.
The layout itself is ``reports.docx_layout``.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from projectsite.text import number, percent
from tasks.models import Obstacle, Target
from tasks.selectors import reporting_rates
from units.models import Unit

from . import docx_layout as layout
from . import exports, selectors
from .periods import Period

SYMBOL = "BC-UBND"
# The document lists the worst units and the first obstacles; the appendix lists them all.
DOC_LAGGING_ROWS = 15
DOC_OBSTACLE_ROWS = 20
DOC_TEXT_CHARS = 400
PROPOSAL_LINES = 4
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
# Blanks the clerk fills in: the number before the symbol, the day and month of signing.
NUMBER_BLANK = "\u00a0" * 12
DAY_BLANK = "\u00a0" * 6


@dataclass(frozen=True)
class RateRow:
    """One line of the reporting-rate table: reports expected in the period, received, on time."""

    label: str
    expected: int
    received: int
    on_time: int


@dataclass
class OfficialReportData:
    province: Unit
    period: Period
    as_at: datetime.date  # the day counted: the period's last day, or today while the period runs
    live: bool  # the period has not ended: today's numbers, by the live rule
    drafted_on: datetime.date
    breakdown: selectors.StatusBreakdown
    indicators: list[selectors.IndicatorSummary]
    lagging: list[selectors.LaggingUnit]  # every lagging unit, worst first, with its details
    obstacles: list[selectors.ObstacleRow]
    illustrative: bool  # demonstration data are counted: the report says so
    rates: list[RateRow] | None = None  # None: no source yet, the section is left out
    explanations: list | None = None

    @property
    def groups(self) -> dict[str, int]:
        return task_groups(self.breakdown.province)


def task_groups(counts: dict[str, int]) -> dict[str, int]:
    """The Government Office's groups from the six deadline statuses."""
    return {
        "total": counts["total"],
        "done": counts["done_on_time"] + counts["done_late"],
        "done_on_time": counts["done_on_time"],
        "done_late": counts["done_late"],
        "open": counts["not_due"] + counts["due_soon"] + counts["overdue"],
        "within_time": counts["not_due"] + counts["due_soon"],
        "overdue": counts["overdue"],
        "recurring": counts["no_deadline"],
    }


def official_report_data(*, province: Unit, period: Period, today: datetime.date) -> OfficialReportData:
    """Everything the report says, read as at the end of ``period`` (as at ``today`` while it runs)."""
    as_at = min(period.end, today)
    past = None if as_at == today else as_at  # the dashboard's rule: today is counted live
    breakdown = selectors.status_breakdown(province=province, today=as_at, as_at=past)
    indicators = [
        summary
        for summary in selectors.indicator_summaries(province=province, today=as_at)
        if summary.node.target.start_date <= as_at and summary.node.target.due_date >= period.start
    ]
    lagging = selectors.lagging_details(selectors.lagging_units(province=province, today=as_at, as_at=past), as_at=past)
    counted = selectors.province_assignments(province, past)
    illustrative = (
        counted.filter(task__illustrative=True).exists()
        or Target.objects.filter(unit=province, illustrative=True, start_date__lte=as_at).exists()
    )
    return OfficialReportData(
        province=province,
        period=period,
        as_at=as_at,
        live=past is None,
        drafted_on=today,
        breakdown=breakdown,
        indicators=indicators,
        lagging=lagging,
        obstacles=selectors.obstacles_for_report(province=province, start=period.start, end=as_at),
        illustrative=illustrative,
        rates=reporting_rate_rows(province=province, period=period, as_at=as_at, past=past),
        explanations=explanation_rows(province=province, period=period, as_at=as_at),
    )


def reporting_rate_rows(
    *, province: Unit, period: Period, as_at: datetime.date, past: datetime.date | None = None
) -> list[RateRow] | None:
    """The units' periodic reports of the period (expected, received, on time) by level and for the
    whole province, counted by ``tasks.selectors.reporting_rates`` as the dashboard counts them (as
    at ``past``, or live); None when no report was owed in the period (no reporting cycle): the
    part is then left out of the report and its appendix."""
    rates = reporting_rates(province, period.start, period.end, today=as_at, as_at=past)
    if not rates.by_level:
        return None
    rows = [rate_row(row) for row in rates.by_level]
    return [*rows, rate_row(rates.total, label=_("Whole province"))]


def rate_row(row, label: str = "") -> RateRow:
    return RateRow(label=label or row.label, expected=row.expected, received=row.received, on_time=row.on_time)


def explanation_rows(*, province: Unit, period: Period, as_at: datetime.date) -> list | None:
    """The explanation requests of the period as they stood at its end (``reports.selectors.
    explanations_for_report``): rows with ``unit``, ``area_name``, ``subject``, ``asked_on``,
    ``due_date``, ``late``, ``answer`` and ``answered_on``. An empty list writes "none asked"."""
    return selectors.explanations_for_report(province=province, start=period.start, end=as_at)


# The document --------------------------------------------------------------------------------


class Numbering:
    """The Roman numerals of the body's parts, in the order they are written: a part left out
    takes no number."""

    def __init__(self):
        self.count = 0

    def heading(self, document, content: str) -> None:
        """The next part's heading: "II. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU"."""
        self.count += 1
        layout.heading(document, f"{ROMAN[self.count - 1]}. {content}", upper=True)


def province_phrase(province: Unit) -> str:
    """ "tỉnh Nghệ An" from "Tỉnh Nghệ An", as a sentence names it."""
    return province.name[:1].lower() + province.name[1:]


def place_name(province: Unit) -> str:
    """The place of the date line: the province's name without "Tỉnh" or "Thành phố"."""
    for prefix in ("Tỉnh ", "Thành phố "):
        if province.name.startswith(prefix):
            return province.name.removeprefix(prefix)
    return province.name


def issuing_body(province: Unit) -> str:
    return _("the People's Committee of %(province)s") % {"province": province_phrase(province)}


def summary_line(period: Period) -> str:
    return _("Results of implementing Project 06 in %(period)s") % {"period": period.label()}


def title(period: Period) -> str:
    """The file's and the mail's name: "Báo cáo kết quả thực hiện Đề án 06 quý II năm 2023"."""
    return _("Report on the results of implementing Project 06 in %(period)s") % {"period": period.label()}


def counts_as_at(data: OfficialReportData) -> str:
    if data.live:
        return _("figures as at %(day)s; the period has not ended") % {"day": f"{data.as_at:%d/%m/%Y}"}
    return _("figures as at the end of %(day)s") % {"day": f"{data.as_at:%d/%m/%Y}"}


def section_opening(document, data: OfficialReportData, numbering: Numbering) -> None:
    layout.body(
        document,
        _(
            "Carrying out Decision No. 06/QĐ-TTg of 06/01/2022 of the Prime Minister approving the Project "
            "on developing applications of population data, electronic identification and authentication "
            "for the national digital transformation in 2022–2025, with a vision to 2030 (Project 06), and "
            "the province's plans, %(body)s reports the results of implementing Project 06 in %(period)s "
            "(%(as_at)s) as follows:"
        )
        % {"body": issuing_body(data.province), "period": data.period.label(), "as_at": counts_as_at(data)},
    )
    if data.illustrative:
        layout.body(
            document,
            _("Note: these figures include illustrative data (demonstration tasks and figures), not real ones."),
            italic=True,
        )


def group_table_rows(rows: list[dict], label: str) -> list[list[str]]:
    table = []
    for row in rows:
        groups = task_groups(row)
        rate = selectors.on_time_rate(row)
        table.append(
            [
                str(row[label]),
                number(groups["total"]),
                number(groups["done_on_time"]),
                number(groups["done_late"]),
                number(groups["within_time"]),
                number(groups["overdue"]),
                number(groups["recurring"]),
                "—" if rate is None else percent(rate),
            ]
        )
    return table


def group_table(document, first_column: str, rows: list[list[str]]) -> None:
    """The Government Office's groups as a table: completed on time / late, not completed within
    time / overdue, recurring, and the on-time completion rate."""
    layout.data_table(
        document,
        headers=[
            [
                layout.header(first_column, rows=2),
                layout.header(_("Total"), rows=2),
                layout.header(_("Completed"), cols=2),
                layout.header(_("Not completed"), cols=2),
                layout.header(_("Recurring"), rows=2),
                layout.header(_("On-time completion rate"), rows=2),
            ],
            [
                layout.header(_("On time")),
                layout.header(_("late, of those completed")),
                layout.header(_("within time, of those not completed")),
                layout.header(_("overdue, of those not completed")),
            ],
        ],
        rows=rows,
        widths_cm=[3.9, 1.6, 1.6, 1.6, 1.8, 1.6, 2.1, 2.3],
    )


def section_tasks(document, data: OfficialReportData, numbering: Numbering) -> None:
    groups = data.groups
    total = groups["total"]

    def share(count: int) -> str:
        return percent(count / total) if total else "—"

    rate = selectors.on_time_rate(data.breakdown.province)
    numbering.heading(document, _("Results of the assigned tasks"))
    layout.body(
        document,
        _("Total: %(total)s tasks assigned to agencies, units and localities (counted per unit assigned), of which:")
        % {"total": number(total)},
    )
    layout.body(
        document,
        _("- Completed: %(done)s (%(share)s), of which on time %(on_time)s and late %(late)s;")
        % {
            "done": number(groups["done"]),
            "share": share(groups["done"]),
            "on_time": number(groups["done_on_time"]),
            "late": number(groups["done_late"]),
        },
    )
    layout.body(
        document,
        _("- Not completed: %(open)s (%(share)s), of which within time %(within)s and overdue %(overdue)s;")
        % {
            "open": number(groups["open"]),
            "share": share(groups["open"]),
            "within": number(groups["within_time"]),
            "overdue": number(groups["overdue"]),
        },
    )
    layout.body(
        document,
        _("- Recurring tasks, without a deadline: %(count)s (%(share)s);")
        % {"count": number(groups["recurring"]), "share": share(groups["recurring"])},
    )
    layout.body(
        document,
        _("- On-time completion rate: %(rate)s (completed on time, out of everything whose deadline has come).")
        % {"rate": "—" if rate is None else percent(rate)},
    )
    if data.breakdown.by_level:
        layout.heading(document, "1. " + _("By level"))
        rows = group_table_rows(data.breakdown.by_level, "label")
        whole = {**data.breakdown.province, "label": _("Whole province")}
        group_table(document, _("Level"), [*rows, *group_table_rows([whole], "label")])
    if data.breakdown.by_document:
        layout.heading(document, ("2. " if data.breakdown.by_level else "1. ") + _("By directing document"))
        group_table(document, _("Document"), group_table_rows(data.breakdown.by_document, "number"))
    layout.body(document, _("(Each area's figures are in the appendix.)"), italic=True)


def indicator_assessment(node) -> str:
    if node.actual is not None and node.actual >= node.target.value:
        return _("reached")
    return _("behind the plan") if node.behind else _("on pace")


def section_indicators(document, data: OfficialReportData, numbering: Numbering) -> None:
    numbering.heading(document, _("Indicators against the plan"))
    if not data.indicators:
        layout.body(document, _("No indicator target of the province runs in this period."))
        return
    rows = []
    for summary in data.indicators:
        node = summary.node
        target = node.target
        rows.append(
            [
                target.indicator.name,
                target.indicator.unit_of_measure,
                number(target.value),
                f"{target.due_date:%d/%m/%Y}",
                "—" if node.actual is None else number(node.actual),
                "—" if node.attainment is None else percent(node.attainment),
                percent(node.expected_share),
                indicator_assessment(node),
            ]
        )
        if node.actual is not None:
            layout.body(
                document,
                _(
                    "- %(indicator)s: %(actual)s of %(target)s %(unit)s (%(attainment)s of the target, "
                    "%(expected)s expected by now; due %(due)s): %(assessment)s."
                )
                % {
                    "indicator": target.indicator.name,
                    "actual": number(node.actual),
                    "target": number(target.value),
                    "unit": target.indicator.unit_of_measure,
                    "attainment": percent(node.attainment or 0),
                    "expected": percent(node.expected_share),
                    "due": f"{target.due_date:%d/%m/%Y}",
                    "assessment": indicator_assessment(node),
                },
            )
    layout.data_table(
        document,
        headers=[
            [
                layout.header(_("Indicator")),
                layout.header(_("Unit of measure")),
                layout.header(_("Target")),
                layout.header(_("Due date")),
                layout.header(_("Actual")),
                layout.header(_("Attainment")),
                layout.header(_("Expected to date")),
                layout.header(_("Assessment")),
            ]
        ],
        rows=rows,
        widths_cm=[3.0, 1.6, 2.35, 2.35, 2.35, 1.6, 1.65, 1.6],
    )


def section_rates(document, data: OfficialReportData, numbering: Numbering) -> None:
    if data.rates is None:
        return
    numbering.heading(document, _("Regular reporting by units"))
    if not data.rates:
        layout.body(document, _("No regular report was due in this period."))
        return
    rows = [
        [
            row.label,
            number(row.expected),
            number(row.received),
            number(row.on_time),
            percent(row.received / row.expected) if row.expected else "—",
            percent(row.on_time / row.expected) if row.expected else "—",
        ]
        for row in data.rates
    ]
    layout.data_table(
        document,
        headers=[
            [
                layout.header(_("Unit")),
                layout.header(_("Reports due")),
                layout.header(_("Received")),
                layout.header(_("On time")),
                layout.header(_("Received (%)")),
                layout.header(_("On time (%)")),
            ]
        ],
        rows=rows,
        widths_cm=[5.5, 2.2, 2.2, 2.2, 2.2, 2.2],
    )


def area_of(unit: Unit) -> str:
    """The district a unit is in; "" for a district itself, an agency, a commune of the two-level structure."""
    return unit.area.name if unit.area_id and unit.area_id != unit.pk else ""


def section_lagging(document, data: OfficialReportData, numbering: Numbering) -> None:
    numbering.heading(document, _("Units behind schedule"))
    if not data.lagging:
        layout.body(document, _("No unit is behind schedule."))
    else:
        shown = data.lagging[:DOC_LAGGING_ROWS]
        layout.body(
            document,
            _(
                "%(count)s units have overdue tasks or indicators behind the expected pace; the %(shown)s "
                "furthest behind (the full list is in the appendix):"
            )
            % {"count": number(len(data.lagging)), "shown": number(len(shown))},
        )
        layout.data_table(
            document,
            headers=[
                [
                    layout.header(_("No.")),
                    layout.header(_("Unit")),
                    layout.header(_("Area")),
                    layout.header(_("Overdue tasks")),
                    layout.header(_("Oldest overdue (days)")),
                    layout.header(_("Indicators behind")),
                ]
            ],
            rows=[
                [
                    str(index),
                    row.unit.name,
                    area_of(row.unit),
                    number(row.overdue),
                    number(row.days_overdue) if row.days_overdue else "—",
                    exports.attainment_text(row.behind),
                ]
                for index, row in enumerate(shown, start=1)
            ],
            widths_cm=[1.2, 4.1, 3.2, 1.9, 2.0, 4.1],
        )
    section_explanations(document, data)


def section_explanations(document, data: OfficialReportData) -> None:
    """The lagging units' explanations: what was asked, by when, and what the unit answered."""
    if data.explanations is None:
        return
    layout.heading(document, _("Explanations of the units"))
    if not data.explanations:
        layout.body(document, _("No unit was asked to explain in this period."))
        return
    for row in data.explanations:
        where = f"{row.unit.name} ({row.area_name})" if row.area_name else row.unit.name
        asked = _("asked on %(asked)s to explain by %(due)s") % {
            "asked": f"{row.asked_on:%d/%m/%Y}",
            "due": f"{row.due_date:%d/%m/%Y}",
        }
        if row.subject:
            asked = f"{asked} ({row.subject})"
        if row.answered_on:
            answer = _("explained on %(day)s: %(answer)s") % {
                "day": f"{row.answered_on:%d/%m/%Y}",
                "answer": shorten(row.answer),
            }
        else:
            answer = _("no explanation yet")
        late = " " + _("(late)") if row.late else ""
        layout.body(document, f"- {where}: {asked}; {answer}{late}.")


def shorten(content: str) -> str:
    content = " ".join(content.split())
    return content if len(content) <= DOC_TEXT_CHARS else content[: DOC_TEXT_CHARS - 1].rstrip() + "…"


def obstacle_state(row: selectors.ObstacleRow) -> str:
    if row.answered_on:
        return _("answered on %(day)s: %(answer)s") % {
            "day": f"{row.answered_on:%d/%m/%Y}",
            "answer": shorten(row.obstacle.answer),
        }
    return _("closed without an answer") if row.closed else _("not answered yet")


def section_obstacles(document, data: OfficialReportData, numbering: Numbering) -> None:
    numbering.heading(document, _("Obstacles raised and how they were answered"))
    rows = data.obstacles
    if not rows:
        layout.body(document, _("No unit raised an obstacle in this period."))
        return
    raised = sum(row.raised_in_period for row in rows)
    layout.body(
        document,
        _(
            "%(raised)s obstacles were raised in the period and %(carried)s were carried from before; "
            "%(answered)s were answered in the period and %(waiting)s were still waiting for an answer at its end."
        )
        % {
            "raised": number(raised),
            "carried": number(len(rows) - raised),
            "answered": number(sum(row.answered_in_period for row in rows)),
            "waiting": number(sum(not row.answered_on and not row.closed for row in rows)),
        },
    )
    layout.data_table(
        document,
        headers=[
            [
                layout.header(_("No.")),
                layout.header(_("Unit")),
                layout.header(_("Category")),
                layout.header(_("Content")),
                layout.header(_("Answer")),
            ]
        ],
        rows=[
            [
                str(index),
                row.obstacle.unit.name,
                row.obstacle.get_category_display(),
                shorten(row.obstacle.text),
                obstacle_state(row),
            ]
            for index, row in enumerate(rows[:DOC_OBSTACLE_ROWS], start=1)
        ],
        widths_cm=[1.2, 3.1, 2.6, 5.0, 4.6],
    )
    if len(rows) > DOC_OBSTACLE_ROWS:
        layout.body(
            document,
            _("(The other %(count)s obstacles are in the appendix.)")
            % {"count": number(len(rows) - DOC_OBSTACLE_ROWS)},
            italic=True,
        )


def section_proposals(document, data: OfficialReportData, numbering: Numbering) -> None:
    """Proposals are the signer's to make: numbered, with dotted lines for the clerk."""
    numbering.heading(document, _("Proposals and recommendations"))
    layout.blanks(document, PROPOSAL_LINES)


def section_closing_sentence(document, data: OfficialReportData, numbering: Numbering) -> None:
    layout.body(
        document,
        _("The above is the report of %(body)s on the results of implementing Project 06 in %(period)s./.")
        % {"body": issuing_body(data.province), "period": data.period.label()},
    )


SECTIONS = (
    section_opening,
    section_tasks,
    section_indicators,
    section_rates,
    section_lagging,
    section_obstacles,
    section_proposals,
    section_closing_sentence,
)


def recipients() -> list[str]:
    return [
        _("- The Government's working group on Project 06 (to report);"),
        _("- The Ministry of Public Security (to report);"),
        _("- The Standing Board of the provincial Party Committee (to report);"),
        _("- The Standing Board of the provincial People's Council (to report);"),
        _("- The Chairman and Vice Chairmen of the provincial People's Committee;"),
        _("- The provincial Police (standing body);"),
        _("- Archived: clerical office."),
    ]


def official_report_docx(data: OfficialReportData) -> bytes:
    """The report as a .docx in the layout of Nghị định 30, in Vietnamese whoever asks."""
    with translation.override(settings.LANGUAGE_CODE):
        document = layout.new_document(title=title(data.period), author=_("Project 06 tracking system"))
        layout.national_heading(
            document,
            body=[_("People's Committee"), data.province.name],
            number=_("No.: %(number)s/%(symbol)s") % {"number": NUMBER_BLANK, "symbol": SYMBOL},
            place_date=_("%(place)s, day %(day)s month %(month)s year %(year)s")
            % {"place": place_name(data.province), "day": DAY_BLANK, "month": DAY_BLANK, "year": data.drafted_on.year},
            motto=_("Socialist Republic of Viet Nam"),
            slogan=_("Independence - Freedom - Happiness"),
        )
        layout.document_title(document, kind=_("Report"), summary=capfirst(summary_line(data.period)))
        numbering = Numbering()
        for section in SECTIONS:
            section(document, data, numbering)
        layout.closing(
            document,
            recipients_title=_("Recipients:"),
            recipients=recipients(),
            authority=[_("On behalf of the People's Committee"), _("Chairman")],
            signer=layout.DOTS,
        )
        return layout.to_bytes(document)


# The appendix --------------------------------------------------------------------------------


def indicator_columns() -> list[exports.Column]:
    Column = exports.Column
    return [
        Column(_("Code"), width=10),
        Column(_("Indicator"), width=40),
        Column(_("Unit of measure"), width=12),
        Column(_("Target"), "int", 14),
        Column(_("Start date"), "date", 12),
        Column(_("Due date"), "date", 12),
        Column(_("Actual"), "int", 14),
        Column(_("Figures as of"), "date", 12),
        Column(_("Attainment"), "percent", 10),
        Column(_("Expected to date"), "percent", 12),
        Column(_("Assessment"), width=16),
    ]


def indicator_rows(data: OfficialReportData) -> list[list]:
    return [
        [
            s.node.target.indicator.code,
            s.node.target.indicator.name,
            s.node.target.indicator.unit_of_measure,
            s.node.target.value,
            s.node.target.start_date,
            s.node.target.due_date,
            s.node.actual,
            s.node.as_of,
            s.node.attainment,
            s.node.expected_share,
            indicator_assessment(s.node),
        ]
        for s in data.indicators
    ]


def obstacle_columns() -> list[exports.Column]:
    Column = exports.Column
    return [
        Column(_("Unit"), width=30),
        Column(_("Area"), width=22),
        Column(_("Category"), width=22),
        Column(_("Raised on"), "date", 12),
        Column(_("Content"), width=60),
        Column(_("At the end of the period"), width=16),
        Column(_("Answered on"), "date", 12),
        Column(_("Answer"), width=60),
    ]


def obstacle_rows(data: OfficialReportData) -> list[list]:
    states = dict(Obstacle.Status.choices)
    rows = []
    for row in data.obstacles:
        state = (
            Obstacle.Status.CLOSED
            if row.closed
            else Obstacle.Status.ANSWERED
            if row.answered_on
            else Obstacle.Status.OPEN
        )
        rows.append(
            [
                row.obstacle.unit.name,
                area_of(row.obstacle.unit),
                row.obstacle.get_category_display(),
                row.raised_on,
                row.obstacle.text,
                states[state],
                row.answered_on,
                row.obstacle.answer if row.answered_on else "",
            ]
        )
    return rows


def official_report_xlsx(data: OfficialReportData) -> bytes:
    """The appendix: every area's counts, the indicators, every lagging unit, every obstacle (and the
    reporting rates and explanations when the report has them), a sheet each."""
    Sheet, Column = exports.Sheet, exports.Column
    with translation.override(settings.LANGUAGE_CODE):
        suffix = f" — {capfirst(data.period.label())} ({counts_as_at(data)})"
        sheets = [
            Sheet(
                title=_("Tasks by deadline status") + suffix,
                name=_("Tasks"),
                columns=exports.overview_columns(),
                rows=exports.overview_rows(data.breakdown),
                subtitle=data.province.name,
            ),
            Sheet(
                title=_("Indicators") + suffix,
                name=_("Indicators"),
                columns=indicator_columns(),
                rows=indicator_rows(data),
            ),
            Sheet(
                title=_("Lagging units") + suffix,
                name=_("Lagging units"),
                columns=exports.lagging_columns(),
                rows=exports.lagging_rows(data.lagging),
            ),
            Sheet(
                title=_("Obstacles") + suffix,
                name=_("Obstacles"),
                columns=obstacle_columns(),
                rows=obstacle_rows(data),
            ),
        ]
        if data.rates is not None:
            sheets.append(
                Sheet(
                    title=_("Regular reporting by units") + suffix,
                    name=_("Regular reports"),
                    columns=[
                        Column(_("Unit"), width=30),
                        Column(_("Reports due"), "int", 12),
                        Column(_("Received"), "int", 12),
                        Column(_("On time"), "int", 12),
                    ],
                    rows=[[r.label, r.expected, r.received, r.on_time] for r in data.rates],
                )
            )
        if data.explanations is not None:
            sheets.append(
                Sheet(
                    title=_("Explanations of the units") + suffix,
                    name=_("Explanations"),
                    columns=[
                        Column(_("Unit"), width=30),
                        Column(_("Area"), width=22),
                        Column(_("About"), width=40),
                        Column(_("Asked on"), "date", 12),
                        Column(_("Explain by"), "date", 12),
                        Column(_("Answered on"), "date", 12),
                        Column(_("Answer"), width=60),
                    ],
                    rows=[
                        [r.unit.name, r.area_name, r.subject, r.asked_on, r.due_date, r.answered_on, r.answer]
                        for r in data.explanations
                    ],
                )
            )
        return exports.build_workbook_sheets(report_date=data.as_at, sheets=sheets)


def file_name(period: Period, extension: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        name = title(period)
        if extension == "xlsx":
            return _("%(name)s (appendix).xlsx") % {"name": name}
        return f"{name}.{extension}"

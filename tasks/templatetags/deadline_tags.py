import datetime
import functools
from urllib.parse import quote

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.encoding import iri_to_uri
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

from projectsite import text
from projectsite.text import number
from tasks.deadlines import STATUS_COLOURS, DeadlineStatus, due_soon_days
from tasks.models import HISTORY_LABELS, Assignment, IndicatorReport, ReportSlot, Target
from units import trail

register = template.Library()


@register.simple_tag
def status_badge(status: str | None):
    """A coloured badge with the Vietnamese name of a deadline status."""
    if not status:
        return mark_safe('<span class="badge text-bg-light">—</span>')  # a constant: nothing to escape
    status = DeadlineStatus(status)
    return format_html('<span class="badge text-bg-{}">{}</span>', STATUS_COLOURS[status], status.label)


@register.simple_tag
def days_left(due: datetime.date | None, today: datetime.date, status: str | None = None):
    """ "còn 3 ngày", "quá hạn 2 ngày", "hôm nay" for an open assignment; nothing otherwise."""
    if due is None or status not in (DeadlineStatus.OVERDUE, DeadlineStatus.DUE_SOON, DeadlineStatus.NOT_DUE):
        return ""
    days = (due - today).days
    if days == 0:
        return gettext("due today")
    if days > 0:
        return ngettext("%(n)s day left", "%(n)s days left", days) % {"n": days}
    return ngettext("%(n)s day overdue", "%(n)s days overdue", -days) % {"n": -days}


@register.filter
def change_rows(changes: dict) -> list[tuple[str, str, str]]:
    """``{"progress": [0, 40]}`` -> ``[("Tiến độ", "0%", "40%")]`` (units.trail.change_rows)."""
    # A periodic report's figures are kept by their indicator's code ("figure:DDDT").
    figures = {
        name: gettext("Figure %(code)s") % {"code": name.partition(":")[2]}
        for name in (changes or {})
        if name.startswith("figure:")
    }
    return trail.change_rows(
        changes,
        model=(Assignment, Target, IndicatorReport, ReportSlot),
        labels={**HISTORY_LABELS, **figures},
        in_field_order=False,
    )


@register.simple_tag
def slot_badge(slot, today: datetime.date):
    """A periodic report's state: received on time, received late, or not yet (due in n days, overdue)."""
    if slot.received:
        if slot.on_time:
            return format_html('<span class="badge text-bg-success">{}</span>', gettext("Received on time"))
        return format_html('<span class="badge text-bg-primary">{}</span>', gettext("Received late"))
    days = (slot.due_date - today).days
    if days < 0:
        text = ngettext("Not received, %(n)s day overdue", "Not received, %(n)s days overdue", -days) % {"n": -days}
        return format_html('<span class="badge text-bg-danger">{}</span>', text)
    if days == 0:
        return format_html('<span class="badge text-bg-warning">{}</span>', gettext("Due today"))
    text = ngettext("Not yet received, %(n)s day left", "Not yet received, %(n)s days left", days) % {"n": days}
    colour = "warning" if days <= due_soon_days() else "info"
    return format_html('<span class="badge text-bg-{}">{}</span>', colour, text)


@register.filter
def percent(value: float | None) -> str:
    """0.873 -> "87,3%"."""
    if value is None:
        return "—"
    return text.percent(value)


@register.filter
def num(value) -> str:
    """A whole number as 1.269.779, without Django's slower localisation of every template number."""
    return number(value)


@register.filter
def score(value) -> str:
    """A score with one decimal: Decimal("62.4") -> "62,4"; None -> "—"."""
    return "—" if value is None else number(float(value), decimals=1)


@register.filter
def get_item(mapping: dict, key):
    """``{{ counts|get_item:status }}``: a dictionary value by a key held in a variable."""
    return mapping.get(str(key)) if mapping else None


@register.filter
def unit_url(code: str) -> str:
    """``{{ unit.code|unit_url }}``: the unit's page, like ``{% url 'tasks:unit' code %}`` without a
    URL resolution per row (a 500-row ranking paid ~25 ms for them)."""
    return _unit_url_prefix(get_script_prefix()) + iri_to_uri(quote(str(code), safe="")) + "/"


@functools.cache
def _unit_url_prefix(script_prefix: str) -> str:
    return reverse("tasks:unit", args=["0"]).removesuffix("0/")


SCORE_ROW = (
    '<tr data-unit="{}"><td class="num fw-semibold">{}</td><td class="small">{}</td>'
    '<td class="cell-name"><a href="{}">{}</a></td><td class="num fw-semibold">{}</td>'
    '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num text-muted">{}</td></tr>'
)


NO_MOVEMENT = mark_safe('<span class="text-muted">—</span>')
SAME_PLACE = mark_safe('<span class="text-muted">=</span>')


def _movement(movement: int | None):
    if movement is None:
        return NO_MOVEMENT
    if movement > 0:
        return format_html('<span class="text-success">▲ {}</span>', movement)
    if movement < 0:
        return format_html('<span class="text-danger">▼ {}</span>', -movement)
    return SAME_PLACE


@register.simple_tag
def score_rows(rows) -> str:
    """The scorecard's table rows, built in Python: the template engine took ~70 µs a row, which a
    ranking of 460 communes paid on every view. Every value is escaped by ``format_html``."""
    return format_html_join(
        "\n",
        SCORE_ROW,
        (
            (
                row.unit.code,
                row.rank,
                _movement(row.movement),
                unit_url(row.unit.code),
                row.unit.name,
                score(row.score),
                percent(row.on_time_rate),
                percent(row.attainment),
                percent(row.timeliness),
                percent(row.reporting_rate),
            )
            for row in rows
        ),
    )


@register.filter
def document_number(document, unit) -> str:
    """A document's number in a row about ``unit``'s work: with the province it belongs to when it
    is not the unit's own province's nor a national one, i.e. a province merged into the unit's
    ("78/KH-UBND (Tỉnh Hà Giang)"), which may share the number with the unit's own province's.
    The row's queryset selects ``document__province``."""
    if document.province_id is None or unit is None or document.province_id == unit.province_id:
        return document.number
    return f"{document.number} ({document.province.name})"


@register.filter
def rate_chart(series) -> dict:
    """The data of the periodic reports' chart (``static/js/reporting.js``): per month, on time, late, missing."""
    return {
        "labels": [row.label for row in series],
        "on_time": [row.on_time for row in series],
        "late": [row.late for row in series],
        "missing": [row.missing for row in series],
        "names": {
            "on_time": gettext("Received on time"),
            "late": gettext("Received late"),
            "missing": gettext("Not received"),
        },
    }

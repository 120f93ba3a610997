import datetime

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext

from tasks.deadlines import STATUS_COLOURS, DeadlineStatus

register = template.Library()


@register.simple_tag
def status_badge(status: str | None):
    """A coloured badge with the Vietnamese name of a deadline status."""
    if not status:
        return format_html('<span class="badge text-bg-light">—</span>')
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

"""Weekly digests: unit heads, the secretariat and the leaders, each account once a week."""

import datetime
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from projectsite import clock
from tasks.deadlines import DeadlineStatus, counted_q, deadline_conditions
from tasks.indicators import TargetProgress, progress_nodes
from tasks.models import Assignment, HistoryEntry, Obstacle
from tasks.workflow import REMINDABLE
from units.models import Unit, User

from . import selectors
from .models import Notification
from .outbox import DecisionSummary, Mail, link, outbox_add, provinces, render_mail
from .scorecard import scorecard


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def digests_decide(*, today: datetime.date | None = None, province: Unit | None = None) -> DecisionSummary:
    """Queue this week's digests: unit heads, the secretariat, the leaders (each account once a week)."""
    today = today or clock.today()
    summary = DecisionSummary()
    for root in provinces(province):
        summary += _digests_for_province(root, today)
    return summary


@transaction.atomic
def _digests_for_province(province: Unit, today: datetime.date) -> DecisionSummary:
    week = week_start(today)
    since = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=7), datetime.time()), timezone.get_default_timezone()
    )
    users = list(
        # A deactivated unit's accounts get no digest: its work counts nowhere (``counted_q``).
        User.objects.filter(unit__province=province, unit__is_active=True, is_active=True, wants_digest=True)
        .exclude(email="")
        .exclude(role="")
        .select_related("unit")
    )
    heads = [u for u in users if u.role == User.Role.UNIT_HEAD]
    horizon = today + datetime.timedelta(days=14)
    open_assignments = defaultdict(list)
    rows = (
        Assignment.objects.filter(
            counted_q(),
            unit__in=[u.unit_id for u in heads],
            due_date__isnull=False,
            due_date__lte=horizon,
            work_status__in=REMINDABLE,
        )
        .order_by("due_date", "pk")
        .values_list("pk", "unit_id", "due_date", "task__ref", "task__title", "task__document__number")
    )
    items = DigestItems(today)
    for pk, unit_id, due_date, ref, title, document in rows:
        open_assignments[unit_id].append(items.item(pk, due_date, ref, title, document))
    changes = dict(
        HistoryEntry.objects.filter(unit__province=province, at__gte=since)
        .values_list("unit_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    obstacles = dict(
        Obstacle.objects.filter(unit__province=province, status=Obstacle.Status.OPEN)
        .values_list("unit_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    progress: dict[int, list[TargetProgress]] = defaultdict(list)
    for node in progress_nodes(unit=province, today=today):
        progress[node.target.unit_id].append(node)
    roots = progress.get(province.pk, [])

    mails: list[Mail] = []
    for user in heads:
        items = open_assignments.get(user.unit_id, [])
        context = {
            "user": user,
            "unit": user.unit,
            "today": today,
            "overdue": [a for a in items if a.days_left < 0],
            "due_soon": [a for a in items if a.days_left >= 0],
            "changes": changes.get(user.unit_id, 0),
            "open_obstacles": obstacles.get(user.unit_id, 0),
            "progress": progress.get(user.unit_id, []),
            "url": link(reverse("tasks:my_unit")),
        }
        context["nothing"] = not (
            context["overdue"] or context["due_soon"] or context["changes"] or context["progress"]
        )
        mails.append(_digest_mail(Notification.Kind.DIGEST_UNIT, "digest-unit", user, week, context))

    staff = [u for u in users if u.role in (User.Role.SECRETARIAT, User.Role.LEADER)]
    if staff:
        counts = selectors.province_status_counts(province=province, today=today)
        overdue_q = deadline_conditions(today)[DeadlineStatus.OVERDUE]
        new_overdue = (
            Assignment.objects.filter(
                overdue_q, unit__province=province, due_date__gte=today - datetime.timedelta(days=7)
            )
            .values("unit__code", "unit__name")
            .annotate(n=Count("pk"))
            .order_by("-n", "unit__name")[:20]
        )
        queue = {
            "confirmations": selectors.confirmations_pending(province=province).count(),
            "extensions": selectors.extensions_pending(province=province).count(),
            "obstacles": selectors.obstacles_unresolved(province=province).count(),
        }
        base = {
            "province": province,
            "today": today,
            "counts": counts,
            "on_time_rate": selectors.on_time_rate(counts),
            "indicators": roots,
            "new_overdue": list(new_overdue),
            "queue": queue,
            "url": link(reverse("reports:overview")),
        }
        movers = _ranking_movers(province, today) if any(u.role == User.Role.LEADER for u in staff) else []
        for user in staff:
            if user.role == User.Role.SECRETARIAT:
                mails.append(_digest_mail(Notification.Kind.DIGEST_SECRETARIAT, "digest-secretariat", user, week, base))
            else:
                mails.append(
                    _digest_mail(
                        Notification.Kind.DIGEST_LEADER, "digest-leader", user, week, {**base, "movers": movers}
                    )
                )
    inserted = outbox_add(mails, run=uuid.uuid4())
    return DecisionSummary(units=len(heads), mails=len(inserted), already_decided=len(mails) - len(inserted))


@dataclass(frozen=True)
class DigestItem:
    """An open assignment in a unit's digest, its line made once for the HTML and the text (a
    country's digests list ~100.000: the templates only place them)."""

    html: str  # the link and its due date, escaped
    text: str  # "78/KH-UBND – II.3. Title (hạn 20/11/2025)"
    days_left: int


class DigestItems:
    """Makes ``DigestItem``s for one run: the link from one reversed path, each due date's words once."""

    PLACEHOLDER = 987654321  # a pk no URL holds, replaced by each assignment's

    def __init__(self, today: datetime.date):
        self.today = today
        self.path = reverse("tasks:assignment", args=[self.PLACEHOLDER])
        self.due_words: dict[datetime.date, str] = {}

    def item(self, pk: int, due_date: datetime.date, ref: str, title: str, document: str) -> DigestItem:
        due = self.due_words.get(due_date)
        if due is None:
            with translation.override(settings.LANGUAGE_CODE):
                due = _("due %(due)s") % {"due": date_format(due_date, "SHORT_DATE_FORMAT")}
            self.due_words[due_date] = due
        url = link(self.path.replace(str(self.PLACEHOLDER), str(pk)))
        label = f"{document} – {ref}. {title}"
        return DigestItem(
            html=format_html('<a href="{}">{}</a> ({})', url, label, due),
            text=f"{label} ({due})",
            days_left=(due_date - self.today).days,
        )


def _digest_mail(kind: str, template: str, user: User, week: datetime.date, context: dict) -> Mail:
    subject, text, html = render_mail(template, {**context, "user": user})
    return Mail(
        kind, f"digest:{week.isoformat()}:{user.pk}", user.email, subject, text, html, unit=user.unit, user=user
    )


def _ranking_movers(province: Unit, today: datetime.date) -> list:
    rows = [row for row in scorecard(province=province, year=today.year, today=today).rows if row.movement]
    return sorted(rows, key=lambda row: -abs(row.movement))[:10]

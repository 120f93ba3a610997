"""Weekly digests: unit heads, the secretariat and the leaders, each account once a week."""

import datetime
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from projectsite import clock
from tasks.deadlines import DeadlineStatus, counted_q, deadline_conditions
from tasks.indicators import TargetProgress, progress_nodes
from tasks.models import Assignment, ExplanationRequest, HistoryEntry, Obstacle, ReportSlot
from tasks.selectors import EXPLANATION_RELATED, reporting_rates, reporting_window
from tasks.slots import open_slots_q
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
    explanations = _explanations(province, today, since)
    progress: dict[int, list[TargetProgress]] = defaultdict(list)
    for node in progress_nodes(unit=province, today=today):
        progress[node.target.unit_id].append(node)
    roots = progress.get(province.pk, [])
    # Periodic reports: those a unit still owes (overdue, or due in 14 days), and the year's rates.
    reports_owed = defaultdict(list)
    for slot in (
        ReportSlot.objects.filter(open_slots_q(), unit__in=[u.unit_id for u in heads], due_date__lte=horizon)
        .select_related("assignment__task__document", "target__indicator")
        .order_by("due_date", "pk")
    ):
        slot.days_left = (slot.due_date - today).days
        slot.url = link(reverse("tasks:slot", args=[slot.pk]))
        reports_owed[slot.unit_id].append(slot)
    rates = reporting_rates(province, *reporting_window(today), today=today)
    unit_rates = {row.key: row for row in rates.by_unit}

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
            "reports_owed": reports_owed.get(user.unit_id, []),
            "reporting": unit_rates.get(user.unit_id),
            "url": link(reverse("tasks:my_unit")),
            # Requests the unit must answer; and a district's, those it asked of its communes.
            "explanations_to_answer": explanations.to_answer.get(user.unit_id, []),
            "explanations_asked": explanations.asked_by.get(user.unit_id, []),
        }
        context["nothing"] = not (
            context["overdue"]
            or context["due_soon"]
            or context["changes"]
            or context["progress"]
            or context["explanations_to_answer"]
            or context["explanations_asked"]
            or context["reports_owed"]
            or context["reporting"]
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
            "reporting": rates.total,
            "reporting_window": reporting_window(today),
            "reporting_missing": sorted((r for r in rates.by_area if r.missing), key=lambda r: (-r.missing, r.code))[
                :10
            ],
            "url": link(reverse("reports:overview")),
            "explanations": explanations,
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


DIGEST_EXPLANATIONS = 10  # requests listed per section of a digest (the counts say how many in all)


class DigestExplanations:
    """The province's explanation requests for the week's digests (one query): those waiting for an
    answer, by unit; those a district asked, by district; the province's counts and lists."""

    def __init__(self, requests: list[ExplanationRequest], today: datetime.date, since: datetime.datetime):
        self.to_answer: dict[int, list] = defaultdict(list)
        self.asked_by: dict[int, list] = defaultdict(list)
        waiting = [r for r in requests if r.status == ExplanationRequest.Status.OPEN]
        answered_this_week = [r for r in requests if r.answered_at is not None and r.answered_at >= since]
        for request in waiting:
            self.to_answer[request.unit_id].append(request)
        for request in requests:
            # A district hears of what it asked once there is something to do: an explanation to
            # read and close, or none given in time.
            by_district = request.asked_by_unit_id and request.asked_by_unit.level == Unit.Level.DISTRICT
            if by_district and (request.status == ExplanationRequest.Status.ANSWERED or request.late):
                self.asked_by[request.asked_by_unit_id].append(request)
        self.waiting = len(waiting)
        self.late = sorted((r for r in waiting if r.due_date < today), key=lambda r: (r.due_date, r.pk))
        self.late_count = len(self.late)
        self.late = self.late[:DIGEST_EXPLANATIONS]
        self.answered = sorted(answered_this_week, key=lambda r: r.answered_at, reverse=True)
        self.answered_count = len(self.answered)
        self.answered = self.answered[:DIGEST_EXPLANATIONS]
        self.to_close = sum(1 for r in requests if r.status == ExplanationRequest.Status.ANSWERED)

    def __bool__(self) -> bool:
        return bool(self.waiting or self.answered_count or self.to_close)


def _explanations(province: Unit, today: datetime.date, since: datetime.datetime) -> DigestExplanations:
    """Requests not closed, and those explained this week (closed since or not), with their links."""
    requests = list(
        ExplanationRequest.objects.filter(unit__province=province)
        .filter(~Q(status=ExplanationRequest.Status.CLOSED) | Q(answered_at__gte=since))
        .select_related(*EXPLANATION_RELATED)
        .order_by("due_date", "pk")
    )
    for request in requests:
        request.url = link(reverse("tasks:explanation", args=[request.pk]))
        request.late = request.status == ExplanationRequest.Status.OPEN and request.due_date < today
    return DigestExplanations(requests, today, since)


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

"""The official reports of the periods that ended, drafted and mailed to each province's leaders and
secretariat once (the beat job ``reports.send_official_reports``, daily).

Each day the job looks at the last month, quarter and year that have ended. A period's report is
drafted on the first run after it ends, up to ``CATCH_UP_DAYS`` later (a day the beat or the
workers missed is made up; a server installed months later does not mail old reports: they are
on the dashboard). ``OfficialReport``'s unique key is the claim: two runs at once draft at most
one report per province and period, and only the run that inserted it queues the mails, each
with its own dedupe key in the outbox.
"""

import datetime
import uuid

from django.db import IntegrityError, transaction
from django.urls import reverse

from projectsite import clock
from projectsite.text import number, percent
from units.models import Unit, User

from . import official, selectors
from .models import Notification, OfficialReport
from .outbox import DecisionSummary, Mail, link, outbox_add, provinces, render_mail
from .periods import FIRST_YEAR, KINDS, Period, last_closed

CATCH_UP_DAYS = 10


def report_recipients(province: Unit) -> list[User]:
    """The province's leaders and secretariat with an address (a digest's "no, thanks" does not
    apply: the report is not a digest)."""
    return list(
        User.objects.filter(role__in=[User.Role.LEADER, User.Role.SECRETARIAT], unit__province=province, is_active=True)
        .exclude(email="")
        .order_by("role", "pk")
    )


def due_periods(today: datetime.date) -> list[Period]:
    """The periods whose report is due today: the last month, quarter and year that ended, when
    they ended at most ``CATCH_UP_DAYS`` ago."""
    periods = [last_closed(kind, today) for kind in KINDS]
    return [p for p in periods if p.year >= FIRST_YEAR and (today - p.end).days <= CATCH_UP_DAYS]


def official_reports_decide(*, today: datetime.date | None = None, province: Unit | None = None) -> DecisionSummary:
    """Draft and queue the reports due today, for every province (or ``province``); a second run
    finds them drafted and does nothing."""
    today = today or clock.today()
    summary = DecisionSummary()
    periods = due_periods(today)
    if not periods:
        return summary
    for root in provinces(province):
        recipients = report_recipients(root)
        if not recipients:  # nobody to send it to: it stays on the dashboard, drafted on demand
            summary.skipped_without_address += 1
            continue
        for period in periods:
            summary += _report_decide(root, period, today, recipients)
    return summary


def _report_decide(province: Unit, period: Period, today: datetime.date, recipients: list[User]) -> DecisionSummary:
    if OfficialReport.objects.filter(province=province, kind=period.kind, start=period.start).exists():
        return DecisionSummary(already_decided=1)
    # Drafted outside the transaction: reads only, and the claim below stays short.
    data = official.official_report_data(province=province, period=period, today=today)
    docx, xlsx = official.official_report_docx(data), official.official_report_xlsx(data)
    try:
        with transaction.atomic():
            report = OfficialReport.objects.create(
                province=province, kind=period.kind, start=period.start, end=period.end, docx=docx, xlsx=xlsx
            )
            mails = [_report_mail(report, data, user) for user in recipients]
            inserted = outbox_add(mails, run=uuid.uuid4())
    except IntegrityError:  # another run drafted it meanwhile: its mails are queued
        return DecisionSummary(already_decided=1)
    return DecisionSummary(units=1, mails=len(inserted))


def _report_mail(report: OfficialReport, data: official.OfficialReportData, user: User) -> Mail:
    groups = data.groups
    rate = selectors.on_time_rate(data.breakdown.province)
    context = {
        "user": user,
        "province": data.province,
        "period": data.period.label(),
        "as_at": data.as_at,
        "groups": {name: number(value) for name, value in groups.items()},
        "on_time_rate": "—" if rate is None else percent(rate),
        "lagging": number(len(data.lagging)),
        "url": link(reverse("reports:official_report")),
    }
    subject, text, html = render_mail("official-report", context)
    return Mail(
        Notification.Kind.OFFICIAL_REPORT,
        f"official:{report.pk}:{user.pk}",
        user.email,
        subject,
        text,
        html,
        user=user,
        report=report,
    )

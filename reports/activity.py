"""Weeks in which each unit reported: the summary behind the scorecard's "regular reporting".

History is append-only and the services stamp entries with the current time, so once a week
is over its reporting units never change. ``reporting_weeks`` fills ``ReportingWeek`` for the
weeks that ended since the last fill (one query over those weeks' entries, usually once a week
per province) and counts the current week from the history itself (a few days of entries).
Loaders that write history with past dates (``seed_demo``, ``generate_load``) call
``reporting_weeks_reset`` so the next read fills again from the start.
"""

import datetime

from django.db.models import Count, DateField, Min
from django.db.models.functions import ExtractYear, TruncWeek
from django.utils import timezone

from tasks.models import HistoryEntry
from units.models import Unit, User

from .models import ReportingWeek, ReportingWeeksState

REPORTING_ROLES = (User.Role.UNIT_HEAD, User.Role.UNIT_STAFF)


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone())


def _entries(province: Unit):
    return HistoryEntry.objects.filter(unit__province=province, user__role__in=REPORTING_ROLES)


def _fill(province: Unit, today: datetime.date) -> ReportingWeeksState:
    """Summarise every week that ended before ``today``'s week and is not summarised yet."""
    state = ReportingWeeksState.objects.filter(province=province).first()
    if state is None or state.first_day is None:
        first = HistoryEntry.objects.filter(unit__province=province).aggregate(first=Min("at"))["first"]
        first_day = timezone.localtime(first, timezone.get_default_timezone()).date() if first else None
        state, _created = ReportingWeeksState.objects.update_or_create(
            province=province, defaults={"first_day": first_day}
        )
    until = monday(today)
    if state.first_day is None or (state.through is not None and state.through >= until):
        return state
    entries = _entries(province).filter(at__lt=midnight(until))
    if state.through is not None:
        entries = entries.filter(at__gte=midnight(state.through))
    zone = timezone.get_default_timezone()
    weeks = (
        entries.annotate(
            week=TruncWeek("at", output_field=DateField(), tzinfo=zone), year=ExtractYear("at", tzinfo=zone)
        )
        .values_list("unit_id", "year", "week")
        .distinct()
        .order_by()
    )
    ReportingWeek.objects.bulk_create(
        [ReportingWeek(province=province, unit_id=unit_id, year=year, week=week) for unit_id, year, week in weeks],
        batch_size=2000,
        ignore_conflicts=True,
    )
    ReportingWeeksState.objects.filter(province=province).update(through=until)
    state.through = until
    return state


def reporting_weeks(*, province: Unit, year: int, today: datetime.date) -> tuple[int, dict[int, int]]:
    """(number of weeks counted, {unit id: weeks of ``year`` up to ``today`` in which its head or staff
    recorded a change}), counted from the province's first history entry (see ``reports.scorecard``)."""
    state = _fill(province, today)
    if state.first_day is None:
        return 0, {}
    start = max(datetime.date(year, 1, 1), state.first_day)
    end = min(today, datetime.date(year, 12, 31))
    if start > end:
        return 0, {}
    weeks = (monday(end) - monday(start)).days // 7 + 1
    this_week = monday(today)
    counts = dict(
        ReportingWeek.objects.filter(province=province, year=year, week__lt=this_week)
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
        .order_by()
    )
    if end >= this_week:  # the current week, not summarised yet: straight from the history
        current = (
            _entries(province)
            .filter(at__gte=midnight(max(start, this_week)), at__lt=midnight(end + datetime.timedelta(days=1)))
            .values_list("unit_id", flat=True)
            .distinct()
            .order_by()
        )
        for unit_id in current:
            counts[unit_id] = counts.get(unit_id, 0) + 1
    return weeks, counts


def reporting_weeks_reset(*, province_id: int) -> None:
    """Forget the province's summary (history with past dates was written); the next read refills it."""
    ReportingWeek.objects.filter(province_id=province_id).delete()
    ReportingWeeksState.objects.filter(province_id=province_id).delete()

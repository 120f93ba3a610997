"""Periodic reports are reminded before their due date and escalated when long missing, as assignments are."""

import datetime

import pytest

from reports import reminders
from reports.models import Notification, ReminderMark
from tasks import services
from tasks.models import Assignment, ReportSlot
from tasks.slots import slots_ensure
from tests.factories import make_assignment, make_task
from units.models import User

D = datetime.date
MAY_25 = D(2023, 5, 25)


@pytest.fixture
def units(tree):
    for user in User.objects.all():
        user.email = f"{user.username}@example.org"
        user.save()
    return tree


def monthly(unit, *, assigned=MAY_25):
    task = make_task(
        title="Báo cáo kết quả tuyên truyền",
        is_recurring=True,
        report_period="monthly",
        due_rule="day_of_period",
        due_day=20,
        cycle_since=D(2023, 1, 1),
    )
    assignment = make_assignment(unit, task)
    Assignment.objects.filter(pk=assignment.pk).update(
        created_at=datetime.datetime.combine(assigned, datetime.time(9), tzinfo=datetime.UTC)
    )
    return assignment


def run(day):
    slots_ensure(today=day)
    return reminders.reminders_decide(today=day)


def mails(kind, recipient):
    return list(Notification.objects.filter(kind=kind, recipient=recipient).order_by("created_at", "pk"))


@pytest.mark.django_db
def test_reminders_fire_before_each_months_report_is_due_once_per_stage(units):
    monthly(units.commune)
    head = "head-commune40@example.org"
    for day in (D(2023, 6, 13), D(2023, 6, 13), D(2023, 6, 17), D(2023, 7, 13), D(2023, 7, 19)):
        run(day)
    reminded = mails("reminder", head)
    assert len(reminded) == 4  # 13/06 (7 days), 17/06 (3 days), 13/07 (7 days), 19/07 (1 day): never twice
    assert "Báo cáo định kỳ Tháng 06/2023" in reminded[0].body_text and "còn 7 ngày" in reminded[0].body_text
    assert "/bao-cao-dinh-ky/" in reminded[0].body_text
    assert "Tháng 07/2023" in reminded[2].body_text and "Tháng 06/2023" in reminded[2].body_text  # June still missing
    stages = set(ReminderMark.objects.filter(slot__isnull=False).values_list("slot__period_start", "stage"))
    assert {(D(2023, 6, 1), "due-7"), (D(2023, 6, 1), "due-3"), (D(2023, 7, 1), "due-7")} <= stages


@pytest.mark.django_db
def test_a_submitted_report_is_not_reminded(units, settings):
    monthly(units.commune)
    slots_ensure(today=D(2023, 6, 1))
    slot = ReportSlot.objects.select_related("assignment", "unit").get()
    settings.APP_TODAY = D(2023, 6, 10)
    services.slot_report(slot=slot, user=units.head_commune, version=slot.version, outcome="done")
    run(D(2023, 6, 13))
    run(D(2023, 6, 25))
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_report_long_missing_is_escalated_once_to_the_district(units):
    monthly(units.commune)
    run(D(2023, 6, 28))  # overdue by 8 days, more than the 7 of the settings
    run(D(2023, 6, 29))
    escalations = mails("escalation", "head-district40@example.org")
    assert len(escalations) == 1
    text = escalations[0].body_text
    assert "Xã Diễn Kỷ" in text and "Báo cáo định kỳ Tháng 06/2023" in text and "quá hạn 8 ngày" in text
    overdue = mails("reminder", "head-commune40@example.org")[0]
    assert "báo cáo định kỳ quá hạn" in overdue.subject


@pytest.mark.django_db
def test_no_reminder_for_the_report_of_paused_work(units):
    assignment = monthly(units.commune)
    slots_ensure(today=D(2023, 6, 1))  # June's report was opened, then the work was paused
    Assignment.objects.filter(pk=assignment.pk).update(work_status="paused")
    assert ReportSlot.objects.count() == 1
    run(D(2023, 6, 17))
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_the_daily_reminders_open_the_months_reports_themselves_when_the_nightly_job_did_not_run(units):
    monthly(units.commune)
    reminders.reminders_decide(today=D(2023, 6, 13))  # no slots_ensure before: a server run by cron
    assert ReportSlot.objects.filter(period_start=D(2023, 6, 1)).count() == 1
    assert "Tháng 06/2023" in mails("reminder", "head-commune40@example.org")[0].body_text

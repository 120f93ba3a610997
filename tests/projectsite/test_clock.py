"""One clock: with a demo date (APP_TODAY) every moment the application stamps falls on that day."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from projectsite import clock
from reports import reminders
from reports.models import Notification
from tasks import services
from tasks.models import Assignment, ExtensionRequest, HistoryEntry
from tests.conftest import TODAY
from tests.factories import make_assignment, make_task

S = Assignment.WorkStatus
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DEMO_DAY = TODAY.strftime("%d/%m/%Y")


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs with the demo date 20/06/2023."""


def real_day_text() -> str:
    """The real calendar date as the pages print it; a demo page must not show it."""
    return timezone.localdate(timezone.now(), VIETNAM).strftime("%d/%m/%Y")


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment, VIETNAM).date()


def test_it_puts_the_current_time_of_day_on_the_demo_day(monkeypatch):
    # 20:30 UTC on 2 December 2026 is already 3 December, 03:30, in Vietnam.
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 12, 2, 20, 30, tzinfo=datetime.UTC))
    now = clock.now()
    assert now == datetime.datetime(2023, 6, 20, 3, 30, tzinfo=VIETNAM)
    assert local_day(now) == TODAY


def test_it_follows_the_real_clock_without_a_demo_date(settings, monkeypatch):
    settings.APP_TODAY = None
    real = datetime.datetime(2026, 12, 2, 20, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: real)
    assert clock.now() == real


@pytest.fixture
def work(tree):
    """An assignment of the commune due in five days, reported done today by its head."""
    tree.assignment = make_assignment(
        tree.commune, make_task(title="Lập danh sách"), due_date=TODAY + datetime.timedelta(days=5)
    )
    services.assignment_report(
        assignment=tree.assignment,
        user=tree.head_commune,
        version=1,
        work_status=S.REPORTED,
        progress=100,
        note="Đã lập xong danh sách",
    )
    tree.assignment.refresh_from_db()
    return tree


def test_a_completion_confirmed_on_the_demo_day_is_dated_that_day_and_on_time(client, work):
    client.force_login(work.secretariat)
    response = client.post(
        reverse("reports:queue_confirm", args=[work.assignment.pk]), {"version": work.assignment.version}
    )
    assert response.status_code == 302
    work.assignment.refresh_from_db()
    assert work.assignment.work_status == S.CONFIRMED
    assert work.assignment.completed_on == TODAY
    assert local_day(work.assignment.confirmed_at) == TODAY
    assert local_day(work.assignment.created_at) == TODAY  # auto_now_add stamps follow the clock too
    page = client.get(reverse("tasks:assignment", args=[work.assignment.pk])).content.decode()
    assert "Hoàn thành đúng hạn" in page
    assert "Hoàn thành quá hạn" not in page


def test_the_timeline_and_an_extension_request_show_the_demo_day(client, work):
    late = make_assignment(work.commune, make_task(title="Tuyên truyền"), due_date=TODAY + datetime.timedelta(days=2))
    client.force_login(work.head_commune)
    response = client.post(
        reverse("tasks:assignment_extension", args=[late.pk]),
        {"proposed_due_date": "10/07/2023", "reason": "Chờ thiết bị"},
    )
    assert response.status_code == 302
    request = ExtensionRequest.objects.get(assignment=late)
    assert local_day(request.requested_at) == TODAY
    assert {local_day(entry.at) for entry in HistoryEntry.objects.all()} == {TODAY}
    for assignment in (late, work.assignment):
        page = client.get(reverse("tasks:assignment", args=[assignment.pk])).content.decode()
        assert DEMO_DAY in page
        assert real_day_text() not in page


def test_the_last_reminder_and_the_mail_log_show_the_demo_day(client, tree):
    tree.commune.contact_emails = "vanthu-dienky@example.org"
    tree.commune.save()
    make_assignment(tree.commune, make_task(), due_date=TODAY - datetime.timedelta(days=2))
    assert reminders.reminders_decide(today=TODAY).mails == 1
    reminder = Notification.objects.get(kind=Notification.Kind.REMINDER)
    assert local_day(reminder.created_at) == TODAY

    client.force_login(tree.head_commune)
    page = client.get(reverse("tasks:unit", args=[tree.commune.code])).content.decode()
    shown = page.split('data-testid="last-reminder">', 1)[1].split("<", 1)[0]
    assert DEMO_DAY in shown  # "14:05 20/06/2023"

    client.force_login(tree.secretariat)
    log = client.get(reverse("reports:notifications")).content.decode()
    assert DEMO_DAY in log
    assert real_day_text() not in log

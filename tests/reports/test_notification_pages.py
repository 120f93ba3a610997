"""The mail log, re-queue, last reminder on the pages, the commands, the digest opt-out."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from reports import reminders
from reports.models import Notification
from tests.conftest import TODAY
from tests.factories import make_assignment, make_task


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def reminded(tree):
    for head, email in [(tree.head_commune, "head@example.org"), (tree.head_district, "district@example.org")]:
        head.email = email
        head.save()
    make_assignment(tree.commune, make_task(title="Kích hoạt định danh"), due_date=TODAY - datetime.timedelta(days=9))
    reminders.reminders_decide(today=TODAY)
    return tree


def test_the_secretariat_reads_the_mail_log_and_sends_a_failed_mail_again(client, reminded):
    row = Notification.objects.get(kind="reminder")
    Notification.objects.filter(pk=row.pk).update(status="failed", attempts=5, last_error="SMTPServerDisconnected")
    client.force_login(reminded.secretariat)
    page = client.get(reverse("reports:notifications"), {"status": "failed"})
    assert page.status_code == 200
    assert [n.pk for n in page.context["page"]] == [row.pk]
    assert "SMTPServerDisconnected" in page.content.decode()
    assert client.post(reverse("reports:notification_requeue", args=[row.pk])).status_code == 302
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("queued", 0)


def test_leaders_read_the_log_but_cannot_requeue_and_units_cannot_open_it(client, reminded):
    row = Notification.objects.get(kind="reminder")
    Notification.objects.filter(pk=row.pk).update(status="failed")
    client.force_login(reminded.leader)
    assert client.get(reverse("reports:notifications")).status_code == 200
    assert client.post(reverse("reports:notification_requeue", args=[row.pk])).status_code == 403
    client.force_login(reminded.head_commune)
    assert client.get(reverse("reports:notifications")).status_code == 403


def test_the_lagging_list_and_the_unit_page_say_when_the_unit_was_last_reminded(client, reminded):
    client.force_login(reminded.secretariat)
    (row,) = [r for r in client.get(reverse("reports:lagging")).context["page"] if r.unit == reminded.commune]
    assert row.last_reminder is not None and row.escalated  # 9 days overdue: escalated to the district
    page = client.get(reverse("tasks:unit", args=[reminded.commune.code])).content.decode()
    assert "Lần nhắc gần nhất" in page and "chưa có" not in page.split("Lần nhắc gần nhất")[1][:80]


def test_send_reminders_dry_run_writes_nothing(tree):
    make_assignment(tree.commune, make_task(), due_date=TODAY)
    tree.head_commune.email = "head@example.org"
    tree.head_commune.save()
    out = StringIO()
    call_command("send_reminders", "--today", "20/06/2023", "--dry-run", stdout=out)
    assert "Chạy thử: không ghi dữ liệu và không gửi thư nào." in out.getvalue()
    assert not Notification.objects.exists()
    call_command("send_reminders", "--today", "20/06/2023", stdout=StringIO())
    assert Notification.objects.filter(kind="reminder").count() == 1


def test_send_digests_refuses_a_wrong_date(tree):
    with pytest.raises(CommandError):
        call_command("send_digests", "--today", "2023-13-40", stdout=StringIO())
    assert not Notification.objects.exists()


def test_a_head_switches_the_digest_off_on_the_account_page(client, tree):
    client.force_login(tree.head_commune)
    assert client.get(reverse("account")).status_code == 200
    assert client.post(reverse("account"), {}).status_code == 302  # the box unticked
    tree.head_commune.refresh_from_db()
    assert not tree.head_commune.wants_digest


def test_the_secretariat_edits_the_reminder_offsets_in_the_admin_and_bad_ones_are_refused(client, tree):
    from reports.models import ReminderSettings
    from units.services import secretariat_group_ensure

    tree.secretariat.is_staff = True
    tree.secretariat.save()
    secretariat_group_ensure(users=[tree.secretariat])
    client.force_login(tree.secretariat)
    url = reverse("admin:reports_remindersettings_add")
    data = {"province": tree.province.pk, "overdue_repeat_days": 2, "escalation_days": 5}
    refused = client.post(url, {**data, "offsets": '["bảy"]'})
    assert refused.status_code == 200 and not ReminderSettings.objects.exists()
    assert client.post(url, {**data, "offsets": "[1, 5, 5, 10]"}).status_code == 302
    assert ReminderSettings.objects.get().offsets == [10, 5, 1]


def test_a_refused_mail_log_filter_says_why_and_lists_nothing(client, reminded):
    client.force_login(reminded.secretariat)
    response = client.get(reverse("reports:notifications"), {"status": "lost"})
    assert response.status_code == 400
    assert "Lựa chọn không hợp lệ" in response.content.decode()
    assert list(response.context["page"]) == []

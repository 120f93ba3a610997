"""Reminders, escalations, digests and the outbox, as units and the secretariat notice them."""

import datetime
import smtplib
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.urls import reverse

from reports import digests, outbox, reminders
from reports.models import Notification, ReminderMark, ReminderSettings
from tasks import services
from tasks.models import Assignment, Indicator, IndicatorReport, Target
from tests.conftest import TODAY
from tests.factories import bulk_assignments, bulk_communes, make_assignment, make_task
from units.models import User

S = Assignment.WorkStatus


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def units(tree):
    for user in User.objects.all():
        user.email = f"{user.username}@example.org"
        user.save()
    tree.commune.contact_emails = "vanthu-dienky@example.org"
    tree.commune.save()
    return tree


@pytest.mark.parametrize(
    ("days_left", "stage"),
    [
        (8, None),
        (7, "due-7"),
        (4, "due-7"),
        (3, "due-3"),
        (2, "due-3"),
        (1, "due-1"),
        (0, "due-0"),
        (-1, "overdue-0"),
        (-3, "overdue-0"),
        (-4, "overdue-1"),
        (-7, "overdue-2"),
    ],
)
def test_the_stage_of_a_reminder_follows_the_days_left(days_left, stage):
    assert reminders.reminder_stage(days_left, ReminderSettings()) == stage


def test_a_unit_gets_one_mail_listing_what_is_due_and_what_is_overdue(units):
    make_assignment(units.commune, make_task(title="Việc còn 7 ngày"), due_date=days(7))
    make_assignment(units.commune, make_task(title="Việc hôm nay"), due_date=days(0))
    make_assignment(units.commune, make_task(title="Việc quá hạn"), due_date=days(-2))
    make_assignment(units.commune, make_task(title="Việc còn xa"), due_date=days(20))
    make_assignment(units.commune, make_task(title="Việc đã báo cáo"), due_date=days(1), work_status=S.REPORTED)
    summary = reminders.reminders_decide(today=TODAY)
    assert (summary.units, summary.mails) == (1, 2)  # the head and the unit's contact address
    rows = Notification.objects.filter(kind="reminder")
    assert sorted(rows.values_list("recipient", flat=True)) == [
        "head-commune40@example.org",
        "vanthu-dienky@example.org",
    ]
    text = rows.first().body_text
    assert "Việc quá hạn" in text and "quá hạn 2 ngày" in text
    assert "Việc hôm nay" in text and "Việc còn 7 ngày" in text and "còn 7 ngày" in text
    assert "Việc còn xa" not in text and "Việc đã báo cáo" not in text
    assert "20/06/2023" in text and "/nhiem-vu/" in text
    assert rows.first().body_html.startswith("<!doctype html>")


def test_running_twice_the_same_day_sends_nothing_more(units):
    make_assignment(units.commune, make_task(), due_date=days(3))
    reminders.reminders_decide(today=TODAY)
    again = reminders.reminders_decide(today=TODAY)
    assert again.mails == 0
    assert Notification.objects.count() == 2


def test_after_an_outage_the_missed_reminder_is_sent_once(units):
    assignment = make_assignment(units.commune, make_task(), due_date=days(7))
    # Nobody ran the job on day 7 or 6 before the due date; on day 5 the missed "7 days" reminder goes out.
    reminders.reminders_decide(today=days(2))
    assert list(ReminderMark.objects.values_list("stage", flat=True)) == ["due-7"]
    assert reminders.reminders_decide(today=days(3)).mails == 0
    reminders.reminders_decide(today=days(4))  # 3 days left: the next stage
    assert sorted(ReminderMark.objects.filter(assignment=assignment).values_list("stage", flat=True)) == [
        "due-3",
        "due-7",
    ]


def test_overdue_reminders_repeat_every_three_days(units):
    make_assignment(units.commune, make_task(), due_date=days(-1))
    sent = [reminders.reminders_decide(today=days(n)).mails > 0 for n in range(0, 7)]
    assert sent == [True, False, False, True, False, False, True]


def test_long_overdue_assignments_are_escalated_to_the_district_once(units):
    make_assignment(units.commune, make_task(title="Quá hạn lâu"), due_date=days(-8))
    summary = reminders.reminders_decide(today=TODAY)
    assert summary.escalations == 1
    escalation = Notification.objects.get(kind="escalation")
    assert escalation.recipient == "head-district40@example.org"
    assert "Xã Diễn Kỷ" in escalation.body_text and "Quá hạn lâu" in escalation.body_text
    assert reminders.reminders_decide(today=days(1)).escalations == 0


def test_a_district_is_escalated_to_the_secretariat(units):
    make_assignment(units.area, make_task(), due_date=days(-10))
    reminders.reminders_decide(today=TODAY)
    assert list(Notification.objects.filter(kind="escalation").values_list("recipient", flat=True)) == [
        "secretariat40@example.org"
    ]


def test_indicators_behind_near_their_due_date_are_in_the_reminder(units):
    indicator = Indicator.objects.create(
        code="DDDT", name="Kích hoạt tài khoản định danh điện tử", unit_of_measure="tk"
    )
    Target.objects.create(
        indicator=indicator, unit=units.commune, value=1000, start_date=datetime.date(2023, 1, 1), due_date=days(5)
    )
    IndicatorReport.objects.create(indicator=indicator, unit=units.commune, as_of=TODAY, value=512)
    reminders.reminders_decide(today=TODAY)
    text = Notification.objects.filter(kind="reminder").first().body_text
    assert "Kích hoạt tài khoản định danh điện tử: 512 / 1.000" in text


def test_the_decision_makes_batched_queries_not_one_per_unit(units, django_assert_max_num_queries):
    def grow(n, prefix):
        communes = bulk_communes(units.area, n, prefix=prefix)
        for commune in communes:
            commune.contact_emails = f"{commune.code}@example.org"
        type(communes[0]).objects.bulk_update(communes, ["contact_emails"])
        bulk_assignments(communes, make_task(), due_date=days(1))

    grow(10, "A")
    with django_assert_max_num_queries(40) as small:
        assert reminders.reminders_decide(today=TODAY).mails == 10
    grow(100, "B")
    with django_assert_max_num_queries(40) as large:
        assert reminders.reminders_decide(today=TODAY).mails == 100
    # Ten times the units: at most a couple more INSERT batches (SQLite fits ~90 rows in one).
    assert len(large.captured_queries) - len(small.captured_queries) <= 2


def test_the_digests_take_as_many_queries_for_100_heads_as_for_10(units, django_assert_max_num_queries):
    from tests.factories import make_user

    def grow(n, prefix):
        communes = bulk_communes(units.area, n, prefix=prefix)
        for commune in communes:
            make_user(commune, username=f"head-{commune.code}", email=f"{commune.code}@example.org")
        bulk_assignments(communes, make_task(), due_date=days(-2))
        bulk_assignments(communes, make_task(), due_date=days(3))

    grow(10, "A")
    with django_assert_max_num_queries(60) as small:
        first = digests.digests_decide(today=TODAY)
    Notification.objects.all().delete()
    grow(90, "B")
    with django_assert_max_num_queries(60) as large:
        assert digests.digests_decide(today=TODAY).mails == first.mails + 90
    # Ten times the heads: at most a couple more INSERT batches of the outbox.
    assert len(large.captured_queries) - len(small.captured_queries) <= 2


def test_a_digest_with_nothing_to_report_says_so_in_one_line(units):
    digests.digests_decide(today=TODAY)
    digest = Notification.objects.get(kind="digest_unit", user=units.head_other_commune)
    assert "Không có gì cần báo cáo trong tuần" in digest.body_text
    assert digest.body_text.count("\n") < 8


def test_a_units_digest_lists_overdue_and_due_soon(units):
    make_assignment(units.commune, make_task(title="Đang trễ"), due_date=days(-3))
    make_assignment(units.commune, make_task(title="Sắp tới"), due_date=days(10))
    digests.digests_decide(today=TODAY)
    text = Notification.objects.get(kind="digest_unit", user=units.head_commune).body_text
    overdue, due_soon = text.split("ĐẾN HẠN TRONG 14 NGÀY TỚI")
    assert "QUÁ HẠN CHƯA HOÀN THÀNH" in overdue and "Đang trễ" in overdue and "hạn 17/06/2023" in overdue
    assert "Sắp tới" in due_soon and "hạn 30/06/2023" in due_soon


def test_a_units_digest_links_each_assignment_and_escapes_its_title(units):
    assignment = make_assignment(units.commune, make_task(title='Kiểm tra <b>"mã"</b> & dữ liệu'), due_date=days(-3))
    digests.digests_decide(today=TODAY)
    digest = Notification.objects.get(kind="digest_unit", user=units.head_commune)
    url = f"{settings.SITE_URL}{reverse('tasks:assignment', args=[assignment.pk])}"
    assert f'<a href="{url}">' in digest.body_html
    assert "Kiểm tra &lt;b&gt;&quot;mã&quot;&lt;/b&gt; &amp; dữ liệu" in digest.body_html
    assert '<b>"mã"</b>' not in digest.body_html
    assert 'Kiểm tra <b>"mã"</b> & dữ liệu (hạn 17/06/2023)' in digest.body_text  # the text is plain


def test_heads_who_switched_the_digest_off_get_none_and_each_role_gets_its_own(units):
    units.head_agency.wants_digest = False
    units.head_agency.save()
    digests.digests_decide(today=TODAY)
    kinds = dict(Notification.objects.values_list("user__username", "kind"))
    assert "head-agency40" not in kinds
    assert kinds["secretariat40"] == "digest_secretariat" and kinds["leader40"] == "digest_leader"
    assert digests.digests_decide(today=TODAY + datetime.timedelta(days=1)).mails == 0  # once a week


class FlakySMTP:
    def __init__(self, failures):
        self.failures = failures

    def __call__(self, *args, **kwargs):
        if self.failures:
            self.failures -= 1
            raise smtplib.SMTPServerDisconnected("connection lost")
        return 1


def queued(units) -> Notification:
    return Notification.objects.create(
        kind="reminder",
        dedupe_key="k1",
        recipient="a@example.org",
        subject="Nhắc hạn",
        body_text="x",
        unit=units.commune,
    )


def test_smtp_failing_twice_then_succeeding_delivers_once_after_three_attempts(units):
    row = queued(units)
    later = datetime.timedelta(hours=2)
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=FlakySMTP(2)) as send:
        outcomes = [outbox.notification_deliver(row.pk, now=outbox.timezone.now() + later * i) for i in range(4)]
    assert outcomes == ["retry", "retry", "sent", "skipped"]
    row.refresh_from_db()
    assert (row.status, row.attempts, send.call_count) == ("sent", 3, 3)


def test_a_mail_that_always_fails_is_marked_failed_and_can_be_requeued(units, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    row = queued(units)
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("no route")):
        for i in range(5):
            outbox.notification_deliver(row.pk, now=outbox.timezone.now() + datetime.timedelta(hours=i))
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 3) and "no route" in row.last_error
    with mock.patch("reports.outbox.enqueue_delivery"):
        outbox.notification_requeue(notification=row, user=units.secretariat)
    assert outbox.outbox_flush() == {"sent": 1}
    assert mail.outbox[0].subject == "Nhắc hạn"


def test_a_rolled_back_decision_enqueues_nothing_and_a_committed_one_exactly_one_job(
    units, django_capture_on_commit_callbacks
):
    assignment = make_assignment(units.commune, make_task(), due_date=days(1))
    services.assignment_report(
        assignment=assignment, user=units.head_commune, version=1, work_status=S.REPORTED, progress=100, note="Xong"
    )
    assignment.refresh_from_db()
    with mock.patch("reports.jobs.deliver_notification.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    services.assignment_report(
                        assignment=assignment,
                        user=units.secretariat,
                        version=assignment.version,
                        work_status=S.CONFIRMED,
                        progress=100,
                    )
                    raise RuntimeError("the request failed after the decision")
            except RuntimeError:
                pass
        assert delay.call_count == 0 and not Notification.objects.exists()
        assignment.refresh_from_db()  # the rolled-back confirmation left the object in memory changed
        assert assignment.work_status == S.REPORTED
        with django_capture_on_commit_callbacks(execute=True):
            services.assignment_report(
                assignment=assignment,
                user=units.secretariat,
                version=assignment.version,
                work_status=S.RETURNED,
                progress=100,
                note="Thiếu biên bản",
            )
        sent = Notification.objects.filter(kind="status").values_list("pk", flat=True)
        assert sorted(call.args[0] for call in delay.call_args_list) == sorted(sent)
        assert len(sent) == 2 and delay.call_count == 2  # the head and the contact address: one job each
    assert len(callbacks) == 0
    assert "Thiếu biên bản" in Notification.objects.filter(kind="status").first().body_text

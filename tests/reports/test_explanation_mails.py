"""Explanation requests in the mails: reminded once and escalated once while unanswered (by the
application's clock, through the daily job), and in the weekly digests."""

import datetime

import pytest

from reports import digests, jobs, reminders
from reports.models import Notification, ReminderMark
from tasks import services
from tests.conftest import TODAY
from tests.factories import bulk_communes
from units.models import Unit, User


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """TODAY (20/06/2023) unless a test moves the clock."""


@pytest.fixture
def units(tree):
    for user in User.objects.all():
        user.email = f"{user.username}@example.org"
        user.save()
    tree.commune.contact_emails = "vanthu-dienky@example.org"
    tree.commune.save()
    return tree


def ask(tree, unit=None, *, user=None, due=5, **fields):
    return services.explanation_ask(
        unit=unit or tree.commune,
        user=user or tree.secretariat,
        reason=fields.pop("reason", "Vì sao chậm kích hoạt định danh điện tử?"),
        due_date=days(due),
        **fields,
    )


def run_daily(settings, first: int, last: int) -> dict[datetime.date, list[str]]:
    """The beat's daily job on each day from TODAY+first to TODAY+last (the clock moved each day):
    which explanation mails went out on which day, by key prefix and recipient."""
    sent = {}
    for n in range(first, last + 1):
        settings.APP_TODAY = days(n)
        before = set(Notification.objects.values_list("pk", flat=True))
        jobs.send_reminders()
        new = Notification.objects.exclude(pk__in=before).filter(dedupe_key__startswith="explanation-")
        sent[days(n)] = sorted(
            f"{key.split(':')[0]} {mail}" for key, mail in new.values_list("dedupe_key", "recipient")
        )
    settings.APP_TODAY = TODAY
    return sent


def test_an_unanswered_request_is_reminded_once_and_escalated_once(units, settings):
    request = ask(units, due=5)  # asked 20/06, explain by 25/06
    sent = run_daily(settings, 0, 15)
    mailed = {day: mails for day, mails in sent.items() if mails}
    assert mailed == {
        days(3): [  # 23/06: two days before its date, to the head and the unit's address
            "explanation-reminder head-commune40@example.org",
            "explanation-reminder vanthu-dienky@example.org",
        ],
        days(6): [  # 26/06: the day after its date, to the secretariat and the leaders
            "explanation-escalation leader40@example.org",
            "explanation-escalation secretariat40@example.org",
        ],
    }
    assert sorted(ReminderMark.objects.filter(explanation=request).values_list("stage", flat=True)) == [
        "escalated",
        "reminded",
    ]
    reminder = Notification.objects.get(dedupe_key__startswith="explanation-reminder", recipient__startswith="head")
    assert reminder.kind == "reminder" and reminder.unit == units.commune
    assert "Vì sao chậm kích hoạt định danh điện tử?" in reminder.body_text and "còn 2 ngày" in reminder.body_text
    assert "hạn giải trình 25/06/2023" in reminder.body_text and f"/giai-trinh/{request.pk}/" in reminder.body_text
    escalation = Notification.objects.get(dedupe_key__startswith="explanation-escalation", recipient__startswith="sec")
    assert escalation.kind == "escalation"
    assert "Xã Diễn Kỷ" in escalation.body_text and "quá hạn 1 ngày" in escalation.body_text
    assert "chưa được trả lời đúng hạn" in escalation.subject


def test_the_last_reminder_shown_on_the_pages_counts_the_explanation_reminder(client, units, settings):
    ask(units, due=2)
    reminders.reminders_decide(today=days(1))
    client.force_login(units.secretariat)
    page = client.get(f"/don-vi/{units.commune.code}/")
    assert page.context["last_reminder"] is not None


def test_an_explained_request_is_not_escalated_and_one_explained_in_time_not_reminded(units, settings):
    late_answer = ask(units, due=5)
    early_answer = ask(units, units.commune2, due=5)
    settings.APP_TODAY = days(1)
    services.explanation_answer(request=early_answer, user=make_head(units.commune2), version=1, answer="Đã xong.")
    sent = run_daily(settings, 2, 4)  # the reminder goes to the commune still silent
    assert [m for mails in sent.values() for m in mails if "reminder" in m] == [
        "explanation-reminder head-commune40@example.org",
        "explanation-reminder vanthu-dienky@example.org",
    ]
    settings.APP_TODAY = days(5)
    services.explanation_answer(request=late_answer, user=units.head_commune, version=1, answer="Xin lỗi, đã xong.")
    assert not any(run_daily(settings, 5, 12).values())
    assert not ReminderMark.objects.filter(stage="escalated").exists()


def make_head(unit):
    return User.objects.create(username=f"head-{unit.code}", role=User.Role.UNIT_HEAD, unit=unit, email="")


def test_a_closed_request_is_neither_reminded_nor_escalated(units, settings):
    request = ask(units, due=2)
    services.explanation_close(request=request, user=units.secretariat, version=1, note="Đơn vị đã hoàn thành.")
    assert not any(run_daily(settings, 0, 6).values())


def test_a_request_a_district_asked_is_escalated_to_the_district_and_the_secretariat(units, settings):
    units.area.contact_emails = "vanthu-dienchau@example.org"
    units.area.save()
    ask(units, user=units.head_district, due=1)
    sent = run_daily(settings, 2, 2)
    assert sent[days(2)] == [
        "explanation-escalation head-district40@example.org",
        "explanation-escalation secretariat40@example.org",
        "explanation-escalation vanthu-dienchau@example.org",
        "explanation-reminder head-commune40@example.org",  # its reminder was missed: sent now, once
        "explanation-reminder vanthu-dienky@example.org",
    ]


def test_after_an_outage_a_late_request_gets_its_reminder_and_escalation_once(units, settings):
    settings.APP_TODAY = days(-10)
    ask(units, due=-5)  # asked on 10/06, explain by 15/06; nothing ran since
    settings.APP_TODAY = TODAY
    first = reminders.reminders_decide()
    assert (first.mails, first.escalations) == (2, 2)
    again = reminders.reminders_decide()
    assert (again.mails, again.escalations) == (0, 0)
    assert not any(run_daily(settings, 1, 5).values())


def test_a_request_due_the_day_it_is_asked_is_not_reminded_that_day(units, settings):
    ask(units, due=0)
    sent = run_daily(settings, 0, 3)
    assert sent[TODAY] == []  # the unit was mailed the request this morning
    assert sent[days(1)] == [
        "explanation-escalation leader40@example.org",
        "explanation-escalation secretariat40@example.org",
        "explanation-reminder head-commune40@example.org",
        "explanation-reminder vanthu-dienky@example.org",
    ]
    assert sent[days(2)] == sent[days(3)] == []


def test_a_unit_without_an_address_is_reminded_once_it_has_one(units, settings):
    units.commune.contact_emails = ""
    units.commune.save()
    User.objects.filter(pk=units.head_commune.pk).update(email="")
    ask(units, due=5)
    assert run_daily(settings, 3, 3)[days(3)] == []
    assert not ReminderMark.objects.filter(stage="reminded").exists()
    User.objects.filter(pk=units.head_commune.pk).update(email="moi@example.org")
    assert run_daily(settings, 4, 4)[days(4)] == ["explanation-reminder moi@example.org"]


def test_an_ended_unit_is_not_reminded(units, settings):
    ask(units, due=2)
    Unit.objects.filter(pk=units.commune.pk).update(is_active=False, valid_to=TODAY)
    assert not any(run_daily(settings, 0, 5).values())


def test_the_decision_makes_the_same_queries_for_ten_or_a_hundred_requests(units, django_assert_max_num_queries):
    def grow(n, prefix):
        for commune in bulk_communes(units.area, n, prefix=prefix):
            commune.contact_emails = f"{commune.code}@example.org"
            commune.save()
            ask(units, commune, due=1)

    grow(10, "A")
    with django_assert_max_num_queries(40) as small:
        assert reminders.reminders_decide(today=days(2)).escalations == 2
    grow(100, "B")
    with django_assert_max_num_queries(40) as large:
        assert reminders.reminders_decide(today=days(3)).escalations == 2
    # Ten times the requests: at most a couple more INSERT batches.
    assert len(large.captured_queries) - len(small.captured_queries) <= 3


def test_the_units_digest_lists_what_it_must_explain(units, settings):
    settings.APP_TODAY = days(-5)
    ask(units, due=-1, reason="Giải trình việc chậm tuyên truyền")  # asked on 15/06, explain by 19/06
    settings.APP_TODAY = TODAY
    digests.digests_decide(today=TODAY)
    text = Notification.objects.get(kind="digest_unit", user=units.head_commune).body_text
    assert "YÊU CẦU GIẢI TRÌNH ĐANG CHỜ ĐƠN VỊ TRẢ LỜI" in text
    assert "hạn giải trình 19/06/2023 (quá hạn): “Giải trình việc chậm tuyên truyền”" in text


def test_a_districts_digest_lists_the_explanations_its_communes_sent(units):
    request = ask(units, user=units.head_district)
    services.explanation_answer(request=request, user=units.head_commune, version=1, answer="Thiếu máy đọc chip.")
    digests.digests_decide(today=TODAY)
    text = Notification.objects.get(kind="digest_unit", user=units.head_district).body_text
    assert "GIẢI TRÌNH ĐƠN VỊ ĐÃ YÊU CẦU" in text and "Xã Diễn Kỷ: đã giải trình: “Thiếu máy đọc chip.”" in text
    assert "Không có gì cần báo cáo" not in text


def test_the_secretariat_and_leaders_digests_count_and_list_explanations(units, settings):
    settings.APP_TODAY = days(-10)
    ask(units, due=-3)  # late
    answered = ask(units, units.commune2, due=2)
    settings.APP_TODAY = TODAY
    services.explanation_answer(request=answered, user=make_head(units.commune2), version=1, answer="Đã xử lý xong.")
    ask(units, units.agency, due=6)  # in time
    digests.digests_decide(today=TODAY)
    for user in (units.secretariat, units.leader):
        text = Notification.objects.get(user=user, kind__startswith="digest").body_text
        assert "YÊU CẦU GIẢI TRÌNH" in text
        assert "Chờ giải trình: 2 (quá hạn: 1) · đã giải trình trong tuần: 1 · đã giải trình, chưa đóng: 1" in text
        assert "Xã Diễn Kỷ: chưa giải trình, hạn 17/06/2023" in text
        assert "Thị trấn Diễn Châu đã giải trình: “Đã xử lý xong.”" in text

"""The official reports of the periods that ended: drafted once a day after each period closes and
mailed, with the report and its appendix attached, to the province's leaders and secretariat."""

import datetime

import pytest
from django.core import mail
from django_celery_beat.models import PeriodicTask

from reports import jobs
from reports.models import Notification, OfficialReport
from reports.official_mails import due_periods, official_reports_decide
from reports.outbox import notification_deliver
from reports.periods import MONTH, QUARTER, Period
from tests.documents import open_docx, paragraphs, row_starting
from tests.factories import Tree, make_assignment, make_task

JULY_1 = datetime.date(2023, 7, 1)


@pytest.fixture
def data(tree, settings):
    settings.APP_TODAY = datetime.date(2023, 6, 20)
    make_assignment(tree.commune, make_task(), due_date=datetime.date(2023, 6, 1))
    for user, email in [(tree.secretariat, "thuongtruc@congan.nghean.gov.vn"), (tree.leader, "lanhdao@nghean.gov.vn")]:
        user.email = email
        user.save()
    tree.head_commune.email = "xa@nghean.gov.vn"  # a unit head gets no official report
    tree.head_commune.save()
    settings.APP_TODAY = JULY_1
    return tree


def test_the_day_after_a_quarter_the_month_and_the_quarter_are_due_and_the_year_long_past_is_not():
    assert due_periods(JULY_1) == [Period(MONTH, 2023, 6), Period(QUARTER, 2023, 2)]
    assert due_periods(datetime.date(2023, 7, 10)) == [Period(MONTH, 2023, 6), Period(QUARTER, 2023, 2)]
    assert due_periods(datetime.date(2023, 7, 11)) == []  # more than ten days late: not mailed any more
    assert [p.key for p in due_periods(datetime.date(2024, 1, 2))] == ["2023-12", "2023-Q4", "2023"]


def test_the_leaders_and_the_secretariat_get_the_report_with_its_files_once(data):
    summary = official_reports_decide(today=JULY_1)
    assert (summary.units, summary.mails) == (2, 4)
    reports = OfficialReport.objects.order_by("kind")
    assert [(r.kind, r.start, r.end) for r in reports] == [
        ("month", datetime.date(2023, 6, 1), datetime.date(2023, 6, 30)),
        ("quarter", datetime.date(2023, 4, 1), datetime.date(2023, 6, 30)),
    ]
    notifications = Notification.objects.filter(kind=Notification.Kind.OFFICIAL_REPORT)
    assert sorted((n.recipient, n.report.kind) for n in notifications) == [
        ("lanhdao@nghean.gov.vn", "month"),
        ("lanhdao@nghean.gov.vn", "quarter"),
        ("thuongtruc@congan.nghean.gov.vn", "month"),
        ("thuongtruc@congan.nghean.gov.vn", "quarter"),
    ]
    quarter = notifications.get(recipient="lanhdao@nghean.gov.vn", report__kind="quarter")
    assert notification_deliver(quarter.pk) == "sent"
    (message,) = mail.outbox
    assert message.subject == "[Đề án 06] Dự thảo báo cáo quý II năm 2023: Tỉnh Nghệ An"
    assert "Quá hạn".lower() in message.body.lower() and "Số liệu tính đến hết ngày 30/06/2023:" in message.body
    (docx_name, docx, docx_type), (xlsx_name, xlsx, _xlsx_type) = message.attachments
    assert docx_name == "Báo cáo kết quả thực hiện Đề án 06 quý II năm 2023.docx"
    assert xlsx_name == "Báo cáo kết quả thực hiện Đề án 06 quý II năm 2023 (phụ lục).xlsx"
    assert docx_type.endswith("wordprocessingml.document") and xlsx.startswith(b"PK")
    document = open_docx(docx)
    assert "Kết quả thực hiện Đề án 06 quý II năm 2023" in paragraphs(document)
    assert row_starting(document, "Toàn tỉnh")[:2] == ["Toàn tỉnh", "1"]

    again = official_reports_decide(today=datetime.date(2023, 7, 2))
    assert (again.mails, again.already_decided) == (0, 2)
    assert OfficialReport.objects.count() == 2 and notifications.count() == 4


def test_a_missed_day_is_made_up_and_an_old_period_is_left_to_the_dashboard(data):
    assert official_reports_decide(today=datetime.date(2023, 7, 12)).mails == 0
    assert not OfficialReport.objects.exists()
    assert official_reports_decide(today=datetime.date(2023, 7, 8)).mails == 4


def test_a_province_without_leaders_or_secretariat_addresses_gets_no_report(data):
    other = Tree("42", "Tỉnh Hà Tĩnh")
    other.head_commune.email = "xa@hatinh.gov.vn"
    other.head_commune.save()
    summary = official_reports_decide(today=JULY_1)
    assert summary.skipped_without_address == 1
    assert not OfficialReport.objects.filter(province=other.province).exists()


def test_the_daily_job_calls_the_decision_and_beat_runs_it_each_morning(data):
    assert jobs.send_official_reports()["mails"] == 4  # the job reads the application's today
    schedule = PeriodicTask.objects.get(task="reports.send_official_reports")
    assert (schedule.crontab.hour, schedule.crontab.minute, str(schedule.crontab.timezone)) == (
        "6",
        "30",
        "Asia/Ho_Chi_Minh",
    )

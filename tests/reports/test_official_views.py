"""The official report on demand: the secretariat's picker on the overview, the downloads, refusals."""

import datetime
from io import BytesIO
from urllib.parse import unquote

import openpyxl
import pytest
from django.urls import reverse

from tests.documents import open_docx, paragraphs, row_starting
from tests.factories import Tree, make_assignment, make_task
from units.models import User

TODAY = datetime.date(2023, 7, 5)
URL = reverse("reports:official_report")


@pytest.fixture(autouse=True)
def _today(settings):
    settings.APP_TODAY = TODAY


@pytest.fixture
def data(tree, settings):
    settings.APP_TODAY = datetime.date(2023, 6, 20)  # assigned during the quarter
    task = make_task()
    make_assignment(tree.commune, task, due_date=datetime.date(2023, 6, 1))  # overdue
    make_assignment(tree.other_commune, task, due_date=datetime.date(2023, 9, 1))  # within time
    settings.APP_TODAY = TODAY
    return tree


def filename(response) -> str:
    return unquote(response["Content-Disposition"].partition("filename*=UTF-8''")[2])


def test_the_secretariat_downloads_the_quarters_report_and_its_appendix(client, data):
    client.force_login(data.secretariat)
    response = client.get(URL, {"period": "2023-Q2", "file": "docx"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert filename(response) == "Báo cáo kết quả thực hiện Đề án 06 quý II năm 2023.docx"
    document = open_docx(response.content)
    assert "Kết quả thực hiện Đề án 06 quý II năm 2023" in paragraphs(document)
    assert row_starting(document, "Toàn tỉnh")[:6] == ["Toàn tỉnh", "2", "0", "0", "1", "1"]

    response = client.get(URL, {"period": "2023-Q2", "file": "xlsx"})
    assert response.status_code == 200
    assert filename(response) == "Báo cáo kết quả thực hiện Đề án 06 quý II năm 2023 (phụ lục).xlsx"
    assert openpyxl.load_workbook(BytesIO(response.content)).sheetnames[0] == "Nhiệm vụ"


def test_the_overview_offers_the_secretariat_the_last_quarter_and_no_one_else(client, data):
    client.force_login(data.secretariat)
    page = client.get(reverse("reports:overview")).content.decode()
    assert 'data-testid="official-report-form"' in page
    assert '<option value="2023-Q2" selected>Quý II năm 2023</option>' in page
    for user in (data.leader, data.head_district):
        client.force_login(user)
        assert 'data-testid="official-report-form"' not in client.get(reverse("reports:overview")).content.decode()


def test_without_a_period_the_page_explains_the_report_and_offers_the_periods(client, data):
    client.force_login(data.secretariat)
    response = client.get(URL)
    assert response.status_code == 200
    assert "theo thể thức Nghị định 30/2020/NĐ-CP" in response.content.decode()
    assert '<option value="2023-06">Tháng 6 năm 2023</option>' in response.content.decode()


@pytest.mark.parametrize(
    "query, words",
    [
        ({"period": "2023-Q5"}, "“2023-Q5” không phải là kỳ báo cáo"),
        ({"period": ""}, "không phải là kỳ báo cáo"),
        ({"period": "2021"}, "Đề án 06 bắt đầu từ năm 2022"),
        ({"period": "2023-08"}, "Tháng 8 năm 2023 chưa bắt đầu"),
        ({"period": "2023-Q2", "file": "pdf"}, "Hãy chọn tải báo cáo (.docx) hoặc phụ lục (.xlsx)."),
        ({"period": "<script>" * 100}, "không phải là kỳ báo cáo"),
    ],
)
def test_a_period_it_cannot_report_is_refused_with_the_reason_and_no_file(client, data, query, words):
    client.force_login(data.secretariat)
    response = client.get(URL, query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert words in page and "<script><script>" not in page


@pytest.mark.parametrize("role", ["leader", "head_district", "head_commune", "staff_district", "head_agency"])
def test_only_the_secretariat_drafts_the_report(client, data, role):
    client.force_login(getattr(data, role))
    assert client.get(URL, {"period": "2023-Q2"}).status_code == 403


def test_a_national_account_reads_but_does_not_draft(client, data):
    from tests.factories import make_user

    client.force_login(make_user(None, User.Role.NATIONAL, username="national"))
    assert client.get(URL, {"period": "2023-Q2"}).status_code == 403


def test_anonymous_is_sent_to_log_in(client, data):
    response = client.get(URL, {"period": "2023-Q2"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_another_provinces_secretariat_gets_its_own_province_whatever_it_asks(client, data, settings):
    settings.APP_TODAY = datetime.date(2023, 6, 20)
    other = Tree("42", "Tỉnh Hà Tĩnh")
    make_assignment(other.commune, make_task(), due_date=datetime.date(2023, 6, 2))
    settings.APP_TODAY = TODAY
    client.force_login(other.secretariat)
    response = client.get(URL, {"period": "2023-Q2", "province": "40"})
    document = open_docx(response.content)
    assert row_starting(document, "Toàn tỉnh")[1] == "1"
    assert any("Ủy ban nhân dân tỉnh Hà Tĩnh" in line for line in paragraphs(document))


def test_a_superuser_chooses_the_province(client, data):
    Tree("42", "Tỉnh Hà Tĩnh")
    admin = User.objects.create_superuser("root", "root@example.org", "pw-for-tests-1")
    client.force_login(admin)
    document = open_docx(client.get(URL, {"period": "2023-Q2", "province": "40"}).content)
    assert any("Ủy ban nhân dân tỉnh Nghệ An" in line for line in paragraphs(document))
    assert client.get(URL, {"period": "2023-Q2", "province": "99"}).status_code == 404

"""Wrong values get a Vietnamese message, HTTP 400, and nothing is saved."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tasks.models import (
    Assignment,
    Evidence,
    ExtensionRequest,
    HistoryEntry,
    Indicator,
    IndicatorReport,
    Obstacle,
    Target,
)
from tests.conftest import TODAY
from tests.factories import make_assignment, make_task

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def assignment(tree, client):
    client.force_login(tree.head_commune)
    return make_assignment(tree.commune, make_task(), due_date=TODAY + datetime.timedelta(days=3))


def post_report(client, assignment, **data):
    payload = {"work_status": "in_progress", "progress": 50, "note": "", "version": assignment.version, **data}
    return client.post(reverse("tasks:assignment", args=[assignment.pk]), payload)


def assert_nothing_saved(assignment):
    fresh = Assignment.objects.get(pk=assignment.pk)
    assert (fresh.work_status, fresh.progress, fresh.version) == ("not_started", 0, 1)
    assert not HistoryEntry.objects.exists() and not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"progress": 101}, "nhỏ hơn hoặc bằng 100"),
        ({"progress": -5}, "lớn hơn hoặc bằng 0"),
        ({"progress": "năm mươi"}, "số nguyên"),
        ({"work_status": "confirmed"}, "Lựa chọn không hợp lệ"),  # not one of the unit's transitions
        ({"work_status": "reported", "progress": 100}, "ghi chú hoặc đính kèm"),
        ({"progress": ""}, "bắt buộc"),
    ],
)
def test_wrong_report_values_are_refused_in_vietnamese(client, assignment, data, message):
    response = post_report(client, assignment, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert_nothing_saved(assignment)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bao-cao.pdf", b"%PDF-1.4\n" + b"0" * (11 * MB), "vượt quá dung lượng cho phép (tối đa 10 MB)"),
        ("bao-cao.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "bao-cao.pdf"),
        ("virus.exe", b"MZ\x90\x00\x03" + b"\x00" * 200, "virus.exe"),
        ("anh.png", b"%PDF-1.4 not a png", "anh.png"),
    ],
)
def test_bad_evidence_files_are_refused_and_nothing_is_kept(client, assignment, name, content, message):
    response = post_report(client, assignment, note="Có minh chứng", files=[SimpleUploadedFile(name, content)])
    assert response.status_code == 400
    assert message in response.content.decode()
    assert_nothing_saved(assignment)


def test_more_than_five_files_at_once_are_refused(client, assignment):
    files = [SimpleUploadedFile(f"f{i}.pdf", b"%PDF-1.4 x") for i in range(6)]
    response = post_report(client, assignment, note="x", files=files)
    assert response.status_code == 400
    assert_nothing_saved(assignment)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"proposed_due_date": "01/06/2023", "reason": "x"}, "sau hạn hoàn thành hiện tại"),
        ({"proposed_due_date": "31/02/2023", "reason": "x"}, "ngày hợp lệ"),
        ({"proposed_due_date": "2023-13-45", "reason": "x"}, "ngày hợp lệ"),
        ({"proposed_due_date": "30/07/2023", "reason": ""}, "bắt buộc"),
    ],
)
def test_wrong_extension_requests_are_refused(client, assignment, data, message):
    response = client.post(reverse("tasks:assignment_extension", args=[assignment.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ExtensionRequest.objects.exists()


@pytest.fixture
def target(tree, client):
    client.force_login(tree.head_commune)
    indicator = Indicator.objects.create(code="DDDT", name="Kích hoạt", unit_of_measure="tk")
    target = Target.objects.create(
        indicator=indicator, unit=tree.commune, value=1000, start_date=datetime.date(2023, 1, 1), due_date=TODAY
    )
    IndicatorReport.objects.create(indicator=indicator, unit=tree.commune, as_of=datetime.date(2023, 6, 1), value=600)
    return target


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"as_of": "21/06/2023", "value": "700"}, "sau ngày hôm nay"),
        ({"as_of": "20/06/2023", "value": "-5"}, "lớn hơn hoặc bằng 0"),
        ({"as_of": "20/06/2023", "value": "12,5"}, "số nguyên"),
        ({"as_of": "20/06/2023", "value": "500"}, "thấp hơn"),  # lower than 600 without a reason
        ({"as_of": "", "value": "700"}, "bắt buộc"),
    ],
)
def test_wrong_figures_are_refused(client, target, data, message):
    response = client.post(reverse("tasks:target", args=[target.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert IndicatorReport.objects.count() == 1


def test_a_figure_typed_with_thousands_separators_is_read_as_vietnamese_write_it(client, target):
    response = client.post(reverse("tasks:target", args=[target.pk]), {"as_of": "20/06/2023", "value": "1.269"})
    assert response.status_code == 302
    assert IndicatorReport.objects.get(as_of=TODAY).value == 1269
    page = client.get(response.url).content.decode()
    assert "Giá trị vượt chỉ tiêu giao (1.000)" in page  # saved, with a warning


def test_an_empty_obstacle_is_refused(client, tree):
    client.force_login(tree.head_commune)
    response = client.post(reverse("tasks:obstacles"), {"category": "data", "text": "  "})
    assert response.status_code == 400
    assert "bắt buộc" in response.content.decode()
    assert not Obstacle.objects.exists()


@pytest.mark.parametrize(
    "value",
    [
        "1.000.000.000.001",  # MAX_FIGURE + 1
        str(2**63 - 1),  # fits the column, not the province's running total
        str(2**63),  # fits no column: a server error before the bound
        "9" * 40,
    ],
)
def test_a_figure_above_the_bound_is_refused_in_vietnamese(client, target, value):
    response = client.post(reverse("tasks:target", args=[target.pk]), {"as_of": "20/06/2023", "value": value})
    assert response.status_code == 400
    assert "Giá trị quá lớn: tối đa 1.000.000.000.000." in response.content.decode()
    assert IndicatorReport.objects.count() == 1


def test_a_figure_far_above_the_target_is_saved_only_once_the_user_confirms_it(client, target):
    url = reverse("tasks:target", args=[target.pk])
    asked = client.post(url, {"as_of": "20/06/2023", "value": "10.001"})  # target 1.000
    page = asked.content.decode()
    assert asked.status_code == 400
    assert "10.001 lớn hơn 10 lần chỉ tiêu giao (1.000): hãy kiểm tra lại." in page
    assert 'name="confirmed"' in page and "Giá trị này đúng: vẫn lưu" in page
    assert IndicatorReport.objects.count() == 1

    unticked = client.post(url, {"as_of": "20/06/2023", "value": "10.001"})
    assert unticked.status_code == 400 and IndicatorReport.objects.count() == 1
    confirmed = client.post(url, {"as_of": "20/06/2023", "value": "10.001", "confirmed": "on"})
    assert confirmed.status_code == 302
    assert IndicatorReport.objects.get(as_of=TODAY).value == 10_001


def test_a_figure_of_ten_times_the_target_needs_no_confirmation(client, target):
    response = client.post(reverse("tasks:target", args=[target.pk]), {"as_of": "20/06/2023", "value": "10.000"})
    assert response.status_code == 302
    assert IndicatorReport.objects.get(as_of=TODAY).value == 10_000


@pytest.mark.parametrize("version", [str(2**31), str(2**63), "0", "-1"])
def test_a_version_we_never_handed_out_is_refused_and_nothing_is_saved(client, assignment, version):
    response = post_report(client, assignment, note="Đã họp", version=version)
    assert response.status_code == 400
    assert_nothing_saved(assignment)

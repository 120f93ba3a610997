"""The unit's pages: who may read and write what, as a user would meet it (status codes, pages)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
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
from tasks.services import assignment_report
from tasks.uploads import PDF
from tests.conftest import TODAY
from tests.factories import make_assignment, make_task, make_user
from tests.pages import visible_text
from units.models import User

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def world(tree):
    """A commune's overdue assignment with a file on its timeline, a target and an obstacle."""
    tree.staff_commune = make_user(tree.commune, User.Role.UNIT_STAFF, username="staff-commune")
    tree.assignment = make_assignment(
        tree.commune, make_task(title="Kích hoạt định danh điện tử"), due_date=TODAY - datetime.timedelta(days=2)
    )
    assignment_report(
        assignment=tree.assignment,
        user=tree.head_commune,
        version=1,
        work_status="in_progress",
        progress=30,
        note="Đã họp triển khai",
        files=[(SimpleUploadedFile("bien-ban.pdf", PDF_BYTES), PDF)],
    )
    tree.assignment.refresh_from_db()
    tree.evidence = Evidence.objects.get()
    indicator = Indicator.objects.create(
        code="DDDT", name="Kích hoạt tài khoản định danh điện tử", unit_of_measure="tk"
    )
    tree.target = Target.objects.create(
        indicator=indicator,
        unit=tree.commune,
        value=1000,
        start_date=datetime.date(2023, 1, 1),
        due_date=datetime.date(2023, 6, 30),
    )
    tree.obstacle = Obstacle.objects.create(
        unit=tree.commune, category="data", text="Thiếu máy quét", raised_by=tree.head_commune
    )
    return tree


READERS = [
    ("head_commune", 200),
    ("staff_commune", 200),
    ("head_district", 200),  # a district reads its communes
    ("secretariat", 200),
    ("leader", 200),
    ("head_other_commune", 404),  # never reveals that it exists
    ("head_other_district", 404),
    ("head_commune2", 404),
]


def url_of(world, page):
    return {
        "unit": reverse("tasks:unit", args=[world.commune.code]),
        "assignment": reverse("tasks:assignment", args=[world.assignment.pk]),
        "evidence": reverse("tasks:evidence", args=[world.evidence.pk]),
        "target": reverse("tasks:target", args=[world.target.pk]),
        "obstacle": reverse("tasks:obstacle", args=[world.obstacle.pk]),
    }[page]


def login_as(client, world, who):
    if who == "head_commune2":
        world.head_commune2 = make_user(world.commune2, username="head-commune2")
    client.force_login(getattr(world, who))


@pytest.mark.parametrize("page", ["unit", "assignment", "evidence", "target", "obstacle"])
@pytest.mark.parametrize(("who", "expected"), READERS)
def test_reading_follows_the_access_rule(client, world, page, who, expected):
    login_as(client, world, who)
    assert client.get(url_of(world, page)).status_code == expected


@pytest.mark.parametrize("page", ["unit", "assignment", "evidence", "target", "obstacle"])
def test_anonymous_users_are_sent_to_login(client, world, page):
    response = client.get(url_of(world, page))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def report(client, world, **data):
    payload = {
        "work_status": "in_progress",
        "progress": 60,
        "note": "Đã kích hoạt thêm",
        "version": world.assignment.version,
    }
    payload.update(data)
    return client.post(reverse("tasks:assignment", args=[world.assignment.pk]), payload)


WRITERS = [
    ("head_commune", 302),
    ("staff_commune", 302),
    ("head_district", 403),  # reads, does not write for its communes
    ("leader", 403),
    ("head_other_commune", 404),
    ("head_other_district", 404),
]


@pytest.mark.parametrize(("who", "expected"), WRITERS)
def test_only_the_unit_reports_progress(client, world, who, expected):
    login_as(client, world, who)
    response = report(client, world)
    assert response.status_code == expected
    world.assignment.refresh_from_db()
    assert world.assignment.progress == (60 if expected == 302 else 30)


def test_anonymous_reports_change_nothing(client, world):
    response = report(client, world)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    world.assignment.refresh_from_db()
    assert world.assignment.progress == 30


@pytest.mark.parametrize(("who", "expected"), WRITERS)
def test_only_the_unit_asks_for_an_extension(client, world, who, expected):
    login_as(client, world, who)
    response = client.post(
        reverse("tasks:assignment_extension", args=[world.assignment.pk]),
        {"proposed_due_date": "15/07/2023", "reason": "Chờ thiết bị"},
    )
    assert response.status_code == expected
    assert ExtensionRequest.objects.count() == (1 if expected == 302 else 0)


@pytest.mark.parametrize(("who", "expected"), WRITERS)
def test_only_the_unit_reports_its_figures(client, world, who, expected):
    login_as(client, world, who)
    response = client.post(reverse("tasks:target", args=[world.target.pk]), {"as_of": "20/06/2023", "value": "1.200"})
    assert response.status_code == expected
    assert IndicatorReport.objects.count() == (1 if expected == 302 else 0)


def test_a_report_shows_on_the_timeline_with_its_file(client, world):
    client.force_login(world.head_commune)
    pdf = SimpleUploadedFile("danh-sach.pdf", PDF_BYTES, content_type="application/pdf")
    response = report(client, world, work_status="reported", note="Đã hoàn thành 100%", files=[pdf])
    assert response.status_code == 302
    page = client.get(reverse("tasks:assignment", args=[world.assignment.pk])).content.decode()
    assert "Đã hoàn thành 100%" in page and "danh-sach.pdf" in page
    assert "Đang thực hiện → Đã báo cáo hoàn thành" in page
    download = client.get(reverse("tasks:evidence", args=[Evidence.objects.latest("pk").pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert 'attachment; filename="danh-sach.pdf"' in download["Content-Disposition"]


def test_the_unit_page_shows_what_is_overdue_first(client, world):
    make_assignment(world.commune, make_task(title="Việc còn xa"), due_date=TODAY + datetime.timedelta(days=30))
    make_assignment(world.commune, make_task(title="Việc sắp đến"), due_date=TODAY + datetime.timedelta(days=1))
    make_assignment(world.commune2, make_task(title="Của xã khác"), due_date=TODAY)
    client.force_login(world.head_commune)
    response = client.get(reverse("tasks:my_unit"))
    page = response.content.decode()
    order = [page.index(title) for title in ("Kích hoạt định danh điện tử", "Việc sắp đến", "Việc còn xa")]
    assert order == sorted(order)
    assert "Của xã khác" not in page
    assert "quá hạn 2 ngày" in page and "còn 1 ngày" in page


def test_a_district_head_sees_its_communes_summary(client, world):
    client.force_login(world.head_district)
    response = client.get(reverse("tasks:my_unit"))
    children = {child.code: child for child in response.context["children"]}
    assert set(children) == {world.commune.code, world.commune2.code}
    assert children[world.commune.code].overdue == 1
    assert reverse("tasks:unit", args=[world.commune.code]) in response.content.decode()
    # Opening a commune is read-only: no report form.
    commune_page = client.get(reverse("tasks:assignment", args=[world.assignment.pk]))
    assert commune_page.context["form"] is None and commune_page.context["extension_form"] is None


def test_the_secretariat_has_no_unit_page_of_its_own(client, tree):
    client.force_login(tree.secretariat)
    assert client.get(reverse("tasks:my_unit")).status_code == 403


def test_a_unit_raises_an_obstacle_and_sees_it_open(client, world):
    client.force_login(world.staff_commune)
    response = client.post(
        reverse("tasks:obstacles"),
        {"category": "technical", "assignment": world.assignment.pk, "text": "Mạng internet chập chờn"},
    )
    assert response.status_code == 302
    obstacle = Obstacle.objects.get(text="Mạng internet chập chờn")
    assert (obstacle.unit, obstacle.assignment, obstacle.status) == (world.commune, world.assignment, "open")
    page = client.get(reverse("tasks:obstacles")).content.decode()
    assert "Mạng internet chập chờn" in page and "Mở" in page


def test_an_obstacle_cannot_be_pinned_on_another_units_assignment(client, world):
    foreign = make_assignment(world.other_commune)
    client.force_login(world.head_commune)
    response = client.post(reverse("tasks:obstacles"), {"category": "data", "assignment": foreign.pk, "text": "x"})
    assert response.status_code == 400
    assert not Obstacle.objects.filter(assignment=foreign).exists()


def test_the_secretariat_cannot_raise_obstacles(client, world):
    client.force_login(world.secretariat)
    assert client.post(reverse("tasks:obstacles"), {"category": "data", "text": "x"}).status_code == 403


def test_history_records_who_changed_what(world):
    entry = HistoryEntry.objects.get(assignment=world.assignment)
    assert entry.user == world.head_commune
    assert entry.changes == {"work_status": ["not_started", "in_progress"], "progress": [0, 30]}
    assert entry.evidence.get().original_name == "bien-ban.pdf"
    assert Assignment.objects.get(pk=world.assignment.pk).version == 2


def test_the_second_of_two_people_editing_gets_the_newer_values_and_keeps_their_input(client, world):
    other = Client()
    client.force_login(world.head_commune)
    other.force_login(world.staff_commune)
    version = world.assignment.version  # both opened the form at this version
    first = report(client, world, progress=80, note="Trưởng xã cập nhật", version=version)
    assert first.status_code == 302
    second = report(other, world, progress=40, note="Cán bộ đầu mối cập nhật", version=version)
    assert second.status_code == 409
    page = second.content.decode()
    assert "tiến độ 80%" in page and world.head_commune.username in page
    assert "Cán bộ đầu mối cập nhật" in page  # what they typed is still in the form
    assert second.context["form"]["version"].value() == version + 1  # sending again is a deliberate choice
    world.assignment.refresh_from_db()
    assert world.assignment.progress == 80
    assert not HistoryEntry.objects.filter(note="Cán bộ đầu mối cập nhật").exists()


def test_the_unit_page_shows_its_obstacles_and_latest_changes(client, world):
    client.force_login(world.secretariat)
    page = client.get(reverse("tasks:unit", args=[world.commune.code])).content.decode()
    assert "Thiếu máy quét" in page
    assert "Chưa triển khai → Đang thực hiện" in page


def test_the_unit_pages_history_separates_the_changes_of_one_line(client, world):
    assignment = make_assignment(world.commune, make_task(), due_date=TODAY)
    HistoryEntry.objects.create(
        unit=world.commune,
        assignment=assignment,
        action=HistoryEntry.Action.PROGRESS,
        changes={"progress": [0, 40], "work_status": ["not_started", "in_progress"]},
    )
    client.force_login(world.secretariat)
    text = visible_text(client.get(reverse("tasks:unit", args=[world.commune.code])).content)
    assert "· Tiến độ: 0% → 40% · Trạng thái công việc: Chưa triển khai → Đang thực hiện" in text


def test_the_unit_page_title_is_the_units_name(client, world):
    client.force_login(world.head_district)
    page = client.get(reverse("tasks:my_unit")).content.decode()
    assert "<title>Huyện Diễn Châu · Đề án 06</title>" in page
    assert page.count('id="unit-history"') == 1

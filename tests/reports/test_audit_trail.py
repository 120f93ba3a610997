"""The audit trail page ("Nhật ký thay đổi") and its Excel export: who reads whose changes, the
filters (and the refused ones, 400 in Vietnamese), "who moved this deadline", a fixed number of
queries per page, and an export no spreadsheet reads as a formula."""

import datetime
from io import BytesIO

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.models import ReminderSettings
from reports.services import weights_update
from tasks import services
from tests.conftest import TODAY
from tests.factories import Tree, make_document, make_task, make_user
from tests.pages import visible_text
from units import trail
from units.models import AuditEntry, User
from units.services import secretariat_group_ensure

URL = reverse("reports:audit_trail")
EXPORT = reverse("reports:audit_trail_excel")


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def world(tree):
    """Changes in two provinces: a task edited and assigned, an obstacle, a deadline moved by an extension."""
    other = Tree("41", "Tỉnh Hà Tĩnh")
    for province in (tree, other):
        document = make_document(province=province.province)
        task = make_task(document, ref="II.1", title=f"Nhiệm vụ {province.province.code}", default_due_date=TODAY)
        task.title = f"Nhiệm vụ {province.province.code} (sửa)"
        services.task_save(task=task, user=province.secretariat)
        services.assignments_create(
            task=task,
            units=[province.commune, province.other_commune],
            user=province.secretariat,
            province=province.province,
            role="lead",
            due_date=TODAY + datetime.timedelta(days=5),
        )
        services.obstacle_raise(user=province.head_commune, category="data", text=f"Thiếu máy {province.province.code}")
    tree.other = other
    tree.task = tree.commune.assignments.get().task
    return tree


def page_text(client, who, **params):
    client.force_login(who)
    response = client.get(URL, params)
    return response, visible_text(response.content)


def test_the_secretariat_reads_its_provinces_changes_and_none_of_anothers(client, world):
    response, text = page_text(client, world.secretariat)
    assert response.status_code == 200
    assert "Nhiệm vụ 40 (sửa)" in text and "Thiếu máy 40" in text
    assert "Nhiệm vụ 41" not in text and "Thiếu máy 41" not in text
    assert "Tiêu đề: Nhiệm vụ 40 → Nhiệm vụ 40 (sửa)" in text


def test_a_unit_head_reads_its_unit_and_the_units_under_it_only(client, world):
    response, text = page_text(client, world.head_district)
    assert response.status_code == 200
    assert "Thiếu máy 40" in text and "Xã Diễn Kỷ" in text  # its commune's obstacle and assignment
    assert "Xã Mường Xén" not in text  # another district's commune
    assert "Tiêu đề: Nhiệm vụ 40 →" not in text  # the province's task: not a unit's change
    refused, text = page_text(client, world.head_district, unit=world.other_commune.code)
    assert refused.status_code == 400
    assert f"Đơn vị mã {world.other_commune.code} nằm ngoài phạm vi bạn theo dõi." in text


def test_unit_staff_and_accounts_without_a_role_are_refused(client, world):
    for user in (world.staff_district, make_user(None, username="khach")):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.get(EXPORT).status_code == 403


def test_leaders_read_their_province_and_national_accounts_read_every_province(client, world):
    _response, leader_text = page_text(client, world.leader)
    assert "Thiếu máy 40" in leader_text and "Thiếu máy 41" not in leader_text
    national = make_user(None, User.Role.NATIONAL, username="c06")
    _response, national_text = page_text(client, national)
    assert "Thiếu máy 40" in national_text and "Thiếu máy 41" in national_text
    _response, narrowed = page_text(client, national, unit="41")
    assert "Thiếu máy 41" in narrowed and "Thiếu máy 40" not in narrowed


def test_the_filters_narrow_by_unit_account_kind_and_period(client, world):
    _r, by_unit = page_text(client, world.secretariat, unit=world.area.code)
    assert "Thiếu máy 40" in by_unit and "Xã Mường Xén" not in by_unit
    _r, by_user = page_text(client, world.secretariat, user="head-commune40")
    assert "Thiếu máy 40" in by_user and "Tiêu đề: Nhiệm vụ 40 →" not in by_user
    _r, by_kind = page_text(client, world.secretariat, kind="task")
    assert "(sửa)" in by_kind and "Thiếu máy" not in by_kind
    _r, today = page_text(client, world.secretariat, since="20/06/2023", until="20/06/2023")
    assert "Thiếu máy 40" in today
    _r, tomorrow = page_text(client, world.secretariat, since="21/06/2023")
    assert "Thiếu máy 40" not in tomorrow and "Chưa có thay đổi nào được ghi." in tomorrow


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"user": "khong-co-ai"}, "Không có tài khoản nào có tên đăng nhập “khong-co-ai”."),
        ({"unit": "99999"}, "99999"),
        ({"kind": "bogus"}, "bogus"),
        ({"since": "31/02/2023"}, "ngày"),
        ({"since": "01/01/0001"}, "Nhập ngày trong khoảng từ 01/01/2000 đến 31/12/2100."),
        ({"since": "30/06/2023", "until": "01/06/2023"}, "Ngày kết thúc không được trước ngày bắt đầu."),
        ({"about": "tasks.task:abc"}, "không chỉ đối tượng nào có lịch sử để xem"),
        ({"about": "auth.permission:1"}, "không chỉ đối tượng nào có lịch sử để xem"),
        ({"page": "x", "until": "x"}, "ngày"),
    ],
)
def test_a_refused_filter_says_why_in_vietnamese_and_lists_nothing(client, world, params, message):
    response, text = page_text(client, world.secretariat, **params)
    assert response.status_code == 400
    assert message in text
    assert "Thiếu máy 40" not in text
    export = client.get(EXPORT, params)
    assert export.status_code == 400 and message in export.content.decode()


def test_who_moved_this_deadline_is_on_the_trail_from_what_to_what(client, world):
    assignment = world.commune.assignments.get()
    request = services.extension_request(
        assignment=assignment,
        user=world.head_commune,
        proposed_due_date=TODAY + datetime.timedelta(days=20),
        reason="Chờ",
    )
    services.extension_decide(request=request, user=world.secretariat, approve=True)
    _r, text = page_text(client, world.secretariat, kind="extension", about=f"tasks.assignment:{assignment.pk}")
    assert "Lịch sử của: " in text
    assert "Được gia hạn" in text and "Hạn hoàn thành: 25/06/2023 → 10/07/2023" in text
    assert "Người thực hiện" in text and "secretariat40" in text


def test_a_tasks_history_holds_its_own_edits_and_its_assignments(client, world):
    client.force_login(world.secretariat)
    document_page = client.get(reverse("reports:document", args=[world.task.document_id])).content.decode()
    assert f"?about=tasks.task:{world.task.pk}" in document_page
    _r, text = page_text(client, world.secretariat, about=f"tasks.task:{world.task.pk}")
    assert "Tiêu đề: Nhiệm vụ 40 → Nhiệm vụ 40 (sửa)" in text
    assert "Xã Diễn Kỷ" in text and "Xã Mường Xén" in text  # both assignments' creation
    assert "Thiếu máy" not in text


def test_a_page_costs_the_same_queries_for_few_and_many_changes(client, tree):
    client.force_login(tree.secretariat)

    def changes(n):
        task = make_task(make_document(province=tree.province))
        for i in range(n):
            task.title = f"Tiêu đề {i}"
            services.task_save(task=task, user=tree.secretariat)
        services.assignments_create(
            task=task,
            units=[tree.commune, tree.commune2],
            user=tree.secretariat,
            province=tree.province,
            role="lead",
            due_date=TODAY,
        )

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, {"kind": "", "since": "01/06/2023"}).status_code == 200
        return len(captured)

    changes(2)
    few = queries()
    changes(70)
    many = queries()
    assert few == many
    assert AuditEntry.objects.count() == 72


def test_the_pages_are_numbered_fifty_changes_each(client, tree):
    task = make_task(make_document(province=tree.province))
    for i in range(55):
        task.title = f"Tiêu đề {i}"
        services.task_save(task=task, user=tree.secretariat)
    response, text = page_text(client, tree.secretariat)
    assert len(response.context["rows"]) == 50 and "55 thay đổi" in text
    second, _text = page_text(client, tree.secretariat, page=2)
    assert len(second.context["rows"]) == 5


def test_the_export_holds_what_the_page_filters_and_no_cell_is_a_formula(client, world):
    services.obstacle_raise(user=world.head_commune, category="data", text='=HYPERLINK("http://x","Bấm")')
    client.force_login(world.secretariat)
    response = client.get(EXPORT, {"kind": "obstacle"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5)]
    assert len(rows) == 2
    notes = [row[9] for row in rows]
    assert '\'=HYPERLINK("http://x","Bấm")' in notes and "Thiếu máy 40" in notes
    assert {row[5] for row in rows} == {"Vướng mắc"}
    assert all(not str(cell).startswith("=") for row in rows for cell in row if cell is not None)
    assert isinstance(rows[0][0], datetime.datetime)


def test_an_entry_of_a_national_object_is_read_only_by_the_national_level(client, world):
    national_document = make_document()  # no province
    trail.audit_record(user=None, obj=national_document, action="created", unit=None, changes={"number": [None, "x"]})
    _r, secretariat_text = page_text(client, world.secretariat, kind="document")
    assert "Chưa có thay đổi nào được ghi." in secretariat_text
    _r, national_text = page_text(client, make_user(None, User.Role.NATIONAL, username="c06"), kind="document")
    assert str(national_document) in national_text and "cấp quốc gia" in national_text


def test_reminder_settings_and_scorecard_weights_changes_are_on_the_trail(client, tree):
    secretariat = tree.secretariat
    secretariat.is_staff = True
    secretariat.save()
    secretariat_group_ensure(users=[secretariat])
    client.force_login(User.objects.get(pk=secretariat.pk))
    data = {"province": tree.province.pk, "overdue_repeat_days": 2, "escalation_days": 5, "offsets": "[7, 3, 1]"}
    assert client.post(reverse("admin:reports_remindersettings_add"), data).status_code == 302
    config = ReminderSettings.objects.get()
    change = reverse("admin:reports_remindersettings_change", args=[config.pk])
    assert client.post(change, {**data, "escalation_days": 10}).status_code == 302
    weights_update(province=tree.province, user=secretariat, on_time=40, attainment=40, timeliness=20)
    _r, text = page_text(client, secretariat, kind="settings")
    assert "Báo cáo cấp trên khi quá hạn trên (ngày): 5 → 10" in text
    assert "Đổi trọng số xếp hạng" in text
    entries = list(AuditEntry.objects.filter(kind="settings").order_by("pk").values_list("action", "changes"))
    assert entries[0][0] == "created" and entries[0][1]["offsets"] == [None, [7, 3, 1]]
    assert entries[1] == ("updated", {"escalation_days": [5, 10]})
    assert entries[2] == ("weights_set", {"on_time": [50, 40], "attainment": [30, 40]})


def test_periodic_reports_and_explanation_requests_are_in_the_trail_with_their_kinds(client, tree, settings):
    from tasks.models import ReportSlot
    from tasks.slots import slots_ensure
    from tests.factories import make_assignment

    task = make_task(
        make_document(province=tree.province),
        ref="9",
        title="Báo cáo tháng",
        is_recurring=True,
        report_period="monthly",
        due_rule="day_of_period",
        due_day=20,
        cycle_since=TODAY.replace(day=1),
    )
    make_assignment(tree.commune, task)
    slots_ensure(today=TODAY)
    slot = ReportSlot.objects.get(unit=tree.commune)
    services.slot_report(slot=slot, user=tree.head_commune, version=slot.version, outcome="done", note="Đã xong")
    request = services.explanation_ask(
        unit=tree.commune2, user=tree.secretariat, reason="Chậm cập nhật", due_date=TODAY + datetime.timedelta(days=7)
    )

    response, text = page_text(client, tree.secretariat, kind="report")
    assert response.status_code == 200
    assert "9. Báo cáo tháng" in text and "Đã xong" in text
    assert "Chậm cập nhật" not in text

    response, text = page_text(client, tree.secretariat, kind="explanation")
    assert "Chậm cập nhật" in text and "Báo cáo tháng" not in text
    entry = AuditEntry.objects.get(object_type="tasks.explanationrequest", object_id=request.pk)
    assert (entry.kind, entry.action, entry.user) == ("explanation", "asked", tree.secretariat)

    # One report's own history, by its reference.
    response, text = page_text(client, tree.secretariat, about=f"tasks.reportslot:{slot.pk}")
    assert response.status_code == 200 and "Đã xong" in text
    # Another province's secretariat learns nothing of it.
    other = Tree("41", "Tỉnh Hà Tĩnh")
    response, text = page_text(client, other.secretariat, about=f"tasks.reportslot:{slot.pk}")
    assert "Đã xong" not in text and "Báo cáo tháng" not in text

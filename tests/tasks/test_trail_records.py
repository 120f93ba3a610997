"""What the programme's services record in the audit trail: a task or document edit (which used to
leave no history), the catalogue of indicators, obstacles, a structure transition; and "who moved
this deadline" answered on the assignment's and the task's pages."""

import datetime

import pytest
from django.urls import reverse

from tasks import services
from tasks.models import Indicator, Obstacle
from tasks.transitions import Link, TransitionInput, transition_apply
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_document, make_task
from tests.pages import visible_text
from tests.security.test_sessions import form_fields
from units import trail
from units.loaders import UnitRow
from units.models import AuditEntry, Unit, User
from units.services import secretariat_group_ensure


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


def test_moving_a_tasks_default_due_date_is_recorded_and_shown_under_its_form(client, tree):
    document = make_document("249/KH-UBND", province=tree.province)
    task = make_task(document, ref="III.9", title="Rà soát thuê bao", default_due_date=datetime.date(2023, 7, 31))
    client.force_login(tree.secretariat)
    url = reverse("tasks:task_edit", args=[document.pk, task.pk])
    response = client.post(url, {"ref": "III.9", "title": "Rà soát thuê bao", "default_due_date": "15/08/2023"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert (entry.kind, entry.action, entry.user, entry.unit) == ("task", "updated", tree.secretariat, tree.province)
    assert entry.changes == {"default_due_date": ["2023-07-31", "2023-08-15"]}
    page = visible_text(client.get(url).content)
    assert "Hạn hoàn thành mặc định: 31/07/2023 → 15/08/2023" in page
    assert "secretariat40" in page


def test_a_task_saved_unchanged_records_nothing_and_a_refused_one_nothing_either(client, tree):
    document = make_document(province=tree.province)
    task = make_task(document, ref="1", title="Tuyên truyền")
    client.force_login(tree.secretariat)
    url = reverse("tasks:task_edit", args=[document.pk, task.pk])
    assert client.post(url, {"ref": "1", "title": "Tuyên truyền"}).status_code == 302
    refused = client.post(
        url, {"ref": "1", "title": "Tuyên truyền", "is_recurring": "on", "default_due_date": "1/8/2023"}
    )
    assert refused.status_code == 400
    assert not AuditEntry.objects.exists()


def test_a_new_document_and_an_edit_of_it_are_recorded(client, tree):
    client.force_login(tree.secretariat)
    data = {"number": "300/KH-UBND", "kind": "plan", "issued_on": "05/07/2023", "issuer": "UBND tỉnh Nghệ An"}
    assert client.post(reverse("tasks:document_new"), data).status_code == 302
    created = AuditEntry.objects.get()
    assert (created.kind, created.action, created.unit) == ("document", "created", tree.province)
    assert created.changes["issued_on"] == [None, "2023-07-05"]
    document_pk = created.object_id
    assert (
        client.post(reverse("tasks:document_edit", args=[document_pk]), {**data, "title": "Kế hoạch"}).status_code
        == 302
    )
    edited = AuditEntry.objects.latest("pk")
    assert (edited.action, edited.changes) == ("updated", {"title": ["", "Kế hoạch"]})


def test_an_indicator_changed_in_the_admin_is_recorded_and_a_national_one_is_a_superusers(client, tree):
    secretariat = tree.secretariat
    secretariat.is_staff = True
    secretariat.save()
    secretariat_group_ensure(users=[secretariat])
    own = Indicator.objects.create(code="TK", name="Tài khoản", unit_of_measure="tk", province=tree.province)
    national = Indicator.objects.create(code="DDDT", name="Định danh", unit_of_measure="tk")
    client.force_login(User.objects.get(pk=secretariat.pk))
    url = reverse("admin:tasks_indicator_change", args=[own.pk])
    data = form_fields(client.get(url).content.decode())
    assert client.post(url, {**data, "unit_of_measure": "tài khoản"}).status_code == 302
    entry = AuditEntry.objects.get()
    assert (entry.kind, entry.unit, entry.changes) == (
        "indicator",
        tree.province,
        {"unit_of_measure": ["tk", "tài khoản"]},
    )
    national_url = reverse("admin:tasks_indicator_change", args=[national.pk])
    assert client.post(national_url, {**data, "code": "DDDT"}).status_code == 403
    assert AuditEntry.objects.count() == 1


def test_an_obstacle_raised_answered_forwarded_and_closed_leaves_four_entries(tree):
    obstacle = services.obstacle_raise(user=tree.head_commune, category="data", text="Thiếu máy quét")
    services.obstacle_forward(obstacle=obstacle, user=tree.secretariat, agency=tree.agency)
    services.obstacle_answer(obstacle=Obstacle.objects.get(pk=obstacle.pk), user=tree.head_agency, answer="Đã cấp")
    services.obstacle_close(obstacle=Obstacle.objects.get(pk=obstacle.pk), user=tree.secretariat)
    entries = list(AuditEntry.objects.order_by("pk").values_list("action", "user__username", "unit", "changes"))
    assert entries == [
        ("raised", "head-commune40", tree.commune.pk, {"category": [None, "data"], "status": [None, "open"]}),
        ("forwarded", "secretariat40", tree.commune.pk, {"forwarded_to": [None, "Sở Thông tin và Truyền thông"]}),
        ("answered", "head-agency40", tree.commune.pk, {"status": ["open", "answered"], "answer": ["", "Đã cấp"]}),
        ("closed", "secretariat40", tree.commune.pk, {"status": ["answered", "closed"]}),
    ]


def test_a_structure_transition_is_one_entry_of_the_province_with_its_counts(tree, settings):
    settings.APP_TODAY = datetime.date(2025, 7, 2)
    data = TransitionInput(
        province_code="40",
        effective_on=datetime.date(2025, 7, 1),
        basis="1674/NQ-UBTVQH15",
        new_units=[UnitRow("4011", "Phường Thành Vinh", Unit.Level.COMMUNE, Unit.Kind.WARD, "40")],
        links=[Link("4011", "4011"), Link("4012", "4011")],
        ended=["401"],
    )
    transition = transition_apply(data, by=tree.secretariat)
    entry = AuditEntry.objects.get(kind="transition")
    assert (entry.action, entry.unit, entry.object_id) == ("applied", tree.province, transition.pk)
    assert entry.changes["basis"] == [None, "1674/NQ-UBTVQH15"]
    assert entry.changes["effective_on"] == [None, "2025-07-01"]
    assert entry.changes["ended_units"] == [None, 3]
    rows = trail.change_rows(entry.changes, model=trail.model_of(entry.object_type))
    assert ("Đơn vị kết thúc", "—", "3") in rows and ("Quan hệ kế thừa đã ghi", "—", "2") in rows
    assert ("Hiệu lực từ ngày", "—", "01/07/2025") in rows
    # The accounts of the ended units each have their entry, on their new unit's trail or their old one's.
    assert AuditEntry.objects.filter(kind="account", action__in=["moved", "deactivated"]).exists()


def test_who_moved_this_deadline_is_answered_on_the_assignment_page(client, tree):
    assignment = make_assignment(tree.commune, make_task(), due_date=TODAY + datetime.timedelta(days=5))
    request = services.extension_request(
        assignment=assignment,
        user=tree.head_commune,
        proposed_due_date=TODAY + datetime.timedelta(days=20),
        reason="Chờ thiết bị",
    )
    services.extension_decide(request=request, user=tree.secretariat, approve=True, note="Đồng ý")
    client.force_login(tree.head_commune)
    response = client.get(reverse("tasks:assignment", args=[assignment.pk]))
    moves = visible_text(response.content)
    assert "Đổi hạn 1 lần" in moves
    assert "25/06/2023 → 10/07/2023 · secretariat40" in moves
    assert "(Được gia hạn) · “Đồng ý”" in moves
    # The request alone did not move it; the unit's head reads its assignment, not the whole trail.
    assert 'data-testid="assignment-trail"' in response.content.decode()


def test_the_assignment_page_links_to_its_trail_only_for_who_reads_the_trail(client, tree):
    assignment = make_assignment(tree.area, make_task(), due_date=TODAY)
    for user, shown in [(tree.secretariat, True), (tree.head_district, True), (tree.staff_district, False)]:
        client.force_login(user)
        response = client.get(reverse("tasks:assignment", args=[assignment.pk]))
        assert ('data-testid="assignment-trail"' in response.content.decode()) is shown, user
    client.force_login(Tree("41", "Tỉnh Hà Tĩnh").head_commune)
    assert client.get(reverse("tasks:assignment", args=[assignment.pk])).status_code == 404


def test_a_new_documents_form_has_no_history_yet(client, tree):
    client.force_login(tree.secretariat)
    page = client.get(reverse("tasks:document_new")).content.decode()
    assert 'id="object-history"' not in page

"""The secretariat's work queue: confirm or send back, decide extensions, answer obstacles."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks import services
from tasks.models import Assignment, ExtensionRequest, HistoryEntry, Obstacle
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_task, make_user

S = Assignment.WorkStatus


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def queue(tree):
    """A reported completion, a pending extension request and an open obstacle."""
    tree.reported = make_assignment(tree.commune, make_task(title="Lập danh sách"), due_date=TODAY)
    services.assignment_report(
        assignment=tree.reported,
        user=tree.head_commune,
        version=1,
        work_status=S.REPORTED,
        progress=100,
        note="Đã lập xong danh sách",
    )
    tree.reported.refresh_from_db()
    tree.late = make_assignment(
        tree.commune2, make_task(title="Tuyên truyền"), due_date=TODAY + datetime.timedelta(days=2)
    )
    tree.head_commune2 = make_user(tree.commune2, username="head-commune2")
    tree.extension = services.extension_request(
        assignment=tree.late,
        user=tree.head_commune2,
        proposed_due_date=TODAY + datetime.timedelta(days=20),
        reason="Chờ kinh phí",
    )
    tree.obstacle = services.obstacle_raise(user=tree.head_commune, category="technical", text="Thiếu máy đọc chip")
    return tree


def test_the_queue_lists_what_waits_for_the_secretariat(client, queue):
    client.force_login(queue.secretariat)
    response = client.get(reverse("reports:work_queue"))
    assert response.status_code == 200
    assert (
        response.context["confirmation_count"],
        response.context["extension_count"],
        response.context["obstacle_count"],
    ) == (1, 1, 1)
    page = response.content.decode()
    assert "Đã lập xong danh sách" in page and "Chờ kinh phí" in page and "Thiếu máy đọc chip" in page


def test_confirming_completes_the_assignment_and_the_unit_sees_it(client, queue):
    client.force_login(queue.secretariat)
    response = client.post(
        reverse("reports:queue_confirm", args=[queue.reported.pk]), {"version": queue.reported.version}
    )
    assert response.status_code == 302
    queue.reported.refresh_from_db()
    assert queue.reported.work_status == S.CONFIRMED
    assert queue.reported.completed_on == timezone.localdate(queue.reported.reported_at)
    entry = HistoryEntry.objects.filter(assignment=queue.reported).latest("pk")
    assert entry.user == queue.secretariat and entry.changes["work_status"] == ["reported", "confirmed"]
    client.force_login(queue.head_commune)
    page = client.get(reverse("tasks:assignment", args=[queue.reported.pk])).content.decode()
    assert "Đã báo cáo hoàn thành → Đã xác nhận" in page


def test_sending_back_needs_a_reason_and_the_unit_reads_it(client, queue):
    client.force_login(queue.secretariat)
    url = reverse("reports:queue_send_back", args=[queue.reported.pk])
    refused = client.post(url, {"version": queue.reported.version, "reason": ""})
    assert refused.status_code == 400
    assert "bắt buộc" in refused.content.decode()
    queue.reported.refresh_from_db()
    assert queue.reported.work_status == S.REPORTED
    assert client.post(url, {"version": queue.reported.version, "reason": "Thiếu biên bản"}).status_code == 302
    queue.reported.refresh_from_db()
    assert queue.reported.work_status == S.RETURNED
    client.force_login(queue.head_commune)
    assert "Thiếu biên bản" in client.get(reverse("tasks:assignment", args=[queue.reported.pk])).content.decode()


def test_a_decision_on_a_stale_version_is_refused(client, queue):
    client.force_login(queue.secretariat)
    response = client.post(reverse("reports:queue_confirm", args=[queue.reported.pk]), {"version": 1})
    assert response.status_code == 400
    queue.reported.refresh_from_db()
    assert queue.reported.work_status == S.REPORTED


def test_approving_an_extension_moves_the_due_date(client, queue):
    client.force_login(queue.secretariat)
    response = client.post(
        reverse("reports:queue_extension", args=[queue.extension.pk]), {"decision": "approve", "due_date": "05/07/2023"}
    )
    assert response.status_code == 302
    queue.late.refresh_from_db()
    assert queue.late.due_date == datetime.date(2023, 7, 5)
    assert queue.late.original_due_date == TODAY + datetime.timedelta(days=2)


def test_refusing_an_extension_needs_a_reason(client, queue):
    client.force_login(queue.secretariat)
    url = reverse("reports:queue_extension", args=[queue.extension.pk])
    assert client.post(url, {"decision": "reject"}).status_code == 400
    assert ExtensionRequest.objects.get().status == "pending"
    assert client.post(url, {"decision": "reject", "note": "Đã quá hạn chót của tỉnh"}).status_code == 302
    assert ExtensionRequest.objects.get().status == "rejected"


def test_an_obstacle_is_answered_forwarded_and_closed(client, queue):
    client.force_login(queue.secretariat)
    url = reverse("reports:queue_obstacle", args=[queue.obstacle.pk])
    assert client.post(url, {"action": "answer", "answer": ""}).status_code == 400
    assert client.post(url, {"action": "forward", "agency": queue.agency.pk}).status_code == 302
    assert Obstacle.objects.get().forwarded_to == queue.agency
    # The agency it was forwarded to reads and answers it.
    client.force_login(queue.head_agency)
    assert "Thiếu máy đọc chip" in client.get(reverse("tasks:obstacles")).content.decode()
    answer = client.post(reverse("tasks:obstacle", args=[queue.obstacle.pk]), {"answer": "Sở sẽ cấp 2 máy"})
    assert answer.status_code == 302
    obstacle = Obstacle.objects.get()
    assert (obstacle.status, obstacle.answered_by) == ("answered", queue.head_agency)
    client.force_login(queue.head_commune)
    assert "Sở sẽ cấp 2 máy" in client.get(reverse("tasks:obstacle", args=[obstacle.pk])).content.decode()
    client.force_login(queue.secretariat)
    assert client.post(url, {"action": "close"}).status_code == 302
    assert Obstacle.objects.get().status == "closed"


def test_an_obstacle_cannot_be_forwarded_to_a_commune(client, queue):
    client.force_login(queue.secretariat)
    response = client.post(
        reverse("reports:queue_obstacle", args=[queue.obstacle.pk]), {"action": "forward", "agency": queue.commune.pk}
    )
    assert response.status_code == 400
    assert Obstacle.objects.get().forwarded_to is None


def test_leaders_read_the_queue_but_every_decision_is_403(client, queue):
    client.force_login(queue.leader)
    page = client.get(reverse("reports:work_queue"))
    assert page.status_code == 200 and "Thiếu máy đọc chip" in page.content.decode()
    assert 'action="/hang-doi/xac-nhan' not in page.content.decode()
    for name, pk, data in [
        ("reports:queue_confirm", queue.reported.pk, {"version": queue.reported.version}),
        ("reports:queue_send_back", queue.reported.pk, {"version": queue.reported.version, "reason": "x"}),
        ("reports:queue_extension", queue.extension.pk, {"decision": "approve"}),
        ("reports:queue_obstacle", queue.obstacle.pk, {"action": "close"}),
    ]:
        assert client.post(reverse(name, args=[pk]), data).status_code == 403
    queue.reported.refresh_from_db()
    assert queue.reported.work_status == S.REPORTED


@pytest.mark.parametrize("who", ["head_commune", "head_district", "head_agency"])
def test_unit_users_get_403_on_the_queue(client, queue, who):
    client.force_login(getattr(queue, who))
    assert client.get(reverse("reports:work_queue")).status_code == 403
    assert client.post(reverse("reports:queue_confirm", args=[queue.reported.pk]), {"version": 2}).status_code == 403


def test_another_provinces_secretariat_gets_404(client, queue):
    other = Tree(code="01", name="Thành phố Hà Nội")
    client.force_login(other.secretariat)
    response = client.post(
        reverse("reports:queue_confirm", args=[queue.reported.pk]), {"version": queue.reported.version}
    )
    assert response.status_code == 404
    assert "Lập danh sách" not in client.get(reverse("reports:work_queue")).content.decode()


def test_the_queue_costs_the_same_queries_for_1_and_30_items(client, queue, django_assert_max_num_queries):
    client.force_login(queue.secretariat)
    with django_assert_max_num_queries(15) as small:
        client.get(reverse("reports:work_queue"))
    for i in range(30):
        a = make_assignment(queue.commune, make_task(), due_date=TODAY)
        services.assignment_report(
            assignment=a, user=queue.head_commune, version=1, work_status=S.REPORTED, progress=100, note=f"Báo cáo {i}"
        )
        services.obstacle_raise(user=queue.head_commune, category="data", text=f"Vướng {i}")
    with django_assert_max_num_queries(15) as large:
        client.get(reverse("reports:work_queue"))
    assert len(small.captured_queries) == len(large.captured_queries)

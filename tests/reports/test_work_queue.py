"""The secretariat's work queue: confirm or send back, decide extensions, answer obstacles."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import Notification
from tasks import services
from tasks.models import Assignment, ExtensionRequest, HistoryEntry, Obstacle
from tests.conftest import TODAY
from tests.factories import Tree, bulk_assignments, bulk_communes, make_assignment, make_task, make_user

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
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("reports:work_queue"))
    for i in range(30):
        a = make_assignment(queue.commune, make_task(), due_date=TODAY)
        services.assignment_report(
            assignment=a, user=queue.head_commune, version=1, work_status=S.REPORTED, progress=100, note=f"Báo cáo {i}"
        )
        services.obstacle_raise(user=queue.head_commune, category="data", text=f"Vướng {i}")
    with django_assert_max_num_queries(20) as large:
        client.get(reverse("reports:work_queue"))
    assert len(small.captured_queries) == len(large.captured_queries)


# Paging, filters, search and confirming ticked completions (issue 12, item 7) -----------------


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


@pytest.fixture
def crowded(queue):
    """60 completions reported ten days ago by communes of Diễn Châu, before the one of the fixture,
    reported today under another document in Diễn Kỷ."""
    communes = bulk_communes(queue.area, 60)
    bulk_assignments(
        communes,
        make_task(title="Cập nhật dữ liệu"),
        due_date=TODAY,
        work_status=S.REPORTED,
        progress=100,
        reported_at=_at(TODAY - datetime.timedelta(days=10)),
    )
    Assignment.objects.filter(pk=queue.reported.pk).update(reported_at=_at(TODAY))
    return queue


def test_a_report_just_made_is_found_by_paging_search_and_filters(client, crowded):
    client.force_login(crowded.secretariat)
    url = reverse("reports:work_queue")
    first = client.get(url)
    assert first.context["confirmation_count"] == 61
    assert "Lập danh sách" not in first.content.decode()  # the 50 oldest come first
    assert "?&amp;kind=confirmations" in first.content.decode()  # "see all"
    second = client.get(url, {"kind": "confirmations", "page": 2})
    assert [a.pk for a in second.context["confirmations"]][-1] == crowded.reported.pk
    assert "Trang 2/2" in second.content.decode()
    for params in (
        {"q": "lap danh sach"},
        {"q": "Diễn Kỷ"},
        {"age": "new"},
        {"document": crowded.reported.task.document_id},
    ):
        found = client.get(url, params)
        assert found.status_code == 200
        assert [a.pk for a in found.context["confirmations"]] == [crowded.reported.pk], params
        assert "Lập danh sách" in found.content.decode()
    older = client.get(url, {"age": "older", "kind": "confirmations"})
    assert older.context["confirmation_count"] == 60
    assert crowded.reported.pk not in {a.pk for a in older.context["confirmations"]}
    elsewhere = client.get(url, {"area": crowded.other_district.code})
    assert (elsewhere.context["confirmation_count"], elsewhere.context["extension_count"]) == (0, 0)
    assert client.get(url, {"area": crowded.area.code}).context["confirmation_count"] == 61


def test_one_kind_is_shown_alone_with_its_own_pager(client, queue):
    client.force_login(queue.secretariat)
    page = client.get(reverse("reports:work_queue"), {"kind": "obstacles"}).content.decode()
    assert "Thiếu máy đọc chip" in page
    assert "Đã lập xong danh sách" not in page and "Chờ kinh phí" not in page


def test_ticked_completions_are_confirmed_together_and_a_stale_one_is_refused(client, queue):
    queue.head_commune.email = "dienky@example.vn"
    queue.head_commune.save()
    second = make_assignment(queue.commune, make_task(title="Thu thập thông tin"), due_date=TODAY)
    stale = make_assignment(queue.commune, make_task(title="Làm sạch dữ liệu"), due_date=TODAY)
    for assignment in (second, stale):
        services.assignment_report(
            assignment=assignment, user=queue.head_commune, version=1, work_status=S.REPORTED, progress=100, note="Xong"
        )
    other = Tree(code="01", name="Thành phố Hà Nội")
    foreign = make_assignment(other.commune, make_task(title="Việc của Hà Nội"), due_date=TODAY)
    services.assignment_report(
        assignment=foreign, user=other.head_commune, version=1, work_status=S.REPORTED, progress=100, note="Xong"
    )
    mails_before = Notification.objects.count()
    history_before = HistoryEntry.objects.count()

    client.force_login(queue.secretariat)
    page = client.get(reverse("reports:work_queue")).content.decode()
    assert f'name="selected" form="confirm-selected" value="{second.pk}:2"' in page
    response = client.post(
        reverse("reports:queue_confirm_selected"),
        {
            "selected": [f"{queue.reported.pk}:2", f"{second.pk}:2", f"{stale.pk}:1", f"{foreign.pk}:2"],
            "next": "kind=confirmations&q=x&evil=https://example.com",
        },
        follow=True,
    )
    assert response.redirect_chain == [(f"{reverse('reports:work_queue')}?kind=confirmations&q=x", 302)]
    text = response.content.decode()
    assert "Đã xác nhận 2 báo cáo hoàn thành." in text
    assert "Làm sạch dữ liệu" in text and "đã thay đổi trong lúc bạn xem" in text
    assert "không còn chờ xác nhận trong tỉnh của bạn" in text
    statuses = dict(Assignment.objects.values_list("pk", "work_status"))
    assert (statuses[queue.reported.pk], statuses[second.pk]) == (S.CONFIRMED, S.CONFIRMED)
    assert (statuses[stale.pk], statuses[foreign.pk]) == (S.REPORTED, S.REPORTED)
    assert Assignment.objects.get(pk=stale.pk).version == 2  # nothing of the refused row changed
    assert HistoryEntry.objects.count() == history_before + 2
    assert Notification.objects.count() == mails_before + 2  # one mail per confirmed completion
    assert set(Notification.objects.order_by("-pk").values_list("recipient", flat=True)[:2]) == {"dienky@example.vn"}


def test_confirming_nothing_ticked_or_only_stale_rows_is_refused(client, queue):
    client.force_login(queue.secretariat)
    url = reverse("reports:queue_confirm_selected")
    nothing = client.post(url, {})
    assert nothing.status_code == 400 and "Hãy đánh dấu ít nhất một" in nothing.content.decode()
    stale = client.post(url, {"selected": [f"{queue.reported.pk}:1", "x:y", "99999999999999999999:1", "²:1"]})
    assert stale.status_code == 400
    assert "Không đọc được một dòng đã đánh dấu" in stale.content.decode()
    queue.reported.refresh_from_db()
    assert queue.reported.work_status == S.REPORTED


def test_leaders_see_no_tick_boxes_and_cannot_confirm_ticked_rows(client, queue):
    client.force_login(queue.leader)
    assert 'name="selected"' not in client.get(reverse("reports:work_queue")).content.decode()
    response = client.post(reverse("reports:queue_confirm_selected"), {"selected": [f"{queue.reported.pk}:2"]})
    assert response.status_code == 403
    queue.reported.refresh_from_db()
    assert queue.reported.work_status == S.REPORTED


@pytest.mark.parametrize(
    "params", [{}, {"kind": "confirmations", "page": "2"}, {"area": "401", "age": "older", "q": "du lieu"}]
)
def test_the_filtered_and_paged_queue_costs_the_same_queries_for_60_and_600_items(
    client, queue, django_assert_max_num_queries, params
):
    client.force_login(queue.secretariat)
    task = make_task(title="Cập nhật dữ liệu")
    sizes = []
    for n, prefix in ((60, "A"), (540, "B")):
        bulk_assignments(
            bulk_communes(queue.area, n, prefix=prefix),
            task,
            due_date=TODAY,
            work_status=S.REPORTED,
            progress=100,
            reported_at=_at(TODAY - datetime.timedelta(days=10)),
        )
        with django_assert_max_num_queries(20) as queries:
            response = client.get(reverse("reports:work_queue"), params)
        assert response.status_code == 200 and response.context["confirmation_count"] >= n
        sizes.append(len(queries.captured_queries))
    assert sizes[0] == sizes[1]

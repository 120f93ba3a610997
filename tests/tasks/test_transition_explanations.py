"""Explanation requests across a structure transition (issue 16, item 4): the not-closed requests of
a unit that ends follow its work to one successor, the old rows are closed with where they went and
still read as they were before the effective date; two open requests about the same thing become
one; reminders go to the successor; the official report counts each matter once."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports import reminders
from reports.models import Notification, ReminderMark
from reports.selectors import explanations_for_report
from tasks import services
from tasks.models import Assignment, ExplanationRequest, Target
from tasks.transitions import Link, TransitionInput, transition_apply, transition_preview
from tests.factories import Tree, make_assignment, make_eid_targets, make_task, make_unit, make_user
from tests.pages import visible_text
from units.loaders import UnitRow
from units.models import Unit, User

EFFECTIVE = datetime.date(2025, 7, 1)
ASKED_ON = datetime.date(2025, 6, 20)
X = ExplanationRequest.Status
OPENING = timezone.make_aware(datetime.datetime(2025, 7, 1))


def commune(code, name, parent="40"):
    return UnitRow(code, name, Unit.Level.COMMUNE, Unit.Kind.WARD, parent)


def merge_input(prefix="40", **fields) -> TransitionInput:
    """Diễn Châu ends; its two communes merge into Phường Thành Vinh, which reuses the first's code."""
    fields.setdefault("new_units", [commune(f"{prefix}11", "Phường Thành Vinh", prefix)])
    fields.setdefault("links", [Link(f"{prefix}11", f"{prefix}11"), Link(f"{prefix}12", f"{prefix}11")])
    fields.setdefault("ended", [f"{prefix}1"])
    return TransitionInput(province_code=prefix, effective_on=EFFECTIVE, basis="1674/NQ-UBTVQH15", **fields)


def successor(code="4011"):
    return Unit.objects.get(code=code, valid_from=EFFECTIVE)


@pytest.fixture
def asking(settings):
    """Requests are asked on 20/06/2025; the transition is applied on 02/07/2025."""
    settings.APP_TODAY = ASKED_ON

    def ask(tree, unit, *, due=10, reason="Vì sao chậm tiến độ?", **fields):
        return services.explanation_ask(
            unit=unit,
            user=tree.secretariat,
            reason=reason,
            due_date=ASKED_ON + datetime.timedelta(days=due),
            **fields,
        )

    return ask


def apply(settings, data, tree):
    settings.APP_TODAY = EFFECTIVE + datetime.timedelta(days=1)
    return transition_apply(data, by=tree.secretariat)


def test_an_open_request_follows_its_assignment_to_the_successor_and_the_old_one_reads_as_it_was(
    tree, asking, settings, client
):
    task = make_task(title="Kích hoạt định danh điện tử")
    assignment = make_assignment(tree.commune, task, due_date=datetime.date(2025, 6, 15))
    request = asking(tree, tree.commune, assignment=assignment, reason="Vì sao chưa kích hoạt xong?")

    transition = apply(settings, merge_input(), tree)

    new = ExplanationRequest.objects.get(unit=successor())
    carried_assignment = Assignment.objects.get(unit=successor(), task=task)
    assert (new.assignment, new.status, new.reason, new.due_date) == (
        carried_assignment,
        X.OPEN,
        "Vì sao chưa kích hoạt xong?",
        ASKED_ON + datetime.timedelta(days=10),
    )
    assert (new.asked_by, new.asked_by_unit) == (tree.secretariat, tree.police)
    assert new.asked_at == OPENING and timezone.localdate(new.asked_first) == ASKED_ON
    assert list(new.carried_from.all()) == [request]
    request.refresh_from_db()
    assert request.status == X.CLOSED and request.ended_by == transition and request.closed_at == OPENING
    assert request.close_note == "Đơn vị đã sắp xếp từ 01/07/2025; yêu cầu chuyển cho Phường Thành Vinh."
    assert request.unit == tree.commune and request.assignment == assignment  # history is not rewritten
    assert transition.summary["explanations_carried"] == 1
    # As at 30/06/2025 the old commune's page shows it waiting, the successor's has none yet.
    client.force_login(tree.secretariat)
    before = client.get(f"/don-vi/{tree.commune.code}/", {"as_at": "30/06/2025"})
    assert [(x.pk, x.shown_status) for x in before.context["explanations"]] == [(request.pk, X.OPEN)]
    now = client.get(f"/don-vi/{successor().code}/")
    assert [(x.pk, x.shown_status) for x in now.context["explanations"]] == [(new.pk, X.OPEN)]
    assert "20/06/2025" in visible_text(now.content.decode())  # asked on the origin's date
    # The successor's head (the old commune's, handed over) answers it.
    tree.head_commune.refresh_from_db()
    answered = services.explanation_answer(request=new, user=tree.head_commune, version=new.version, answer="Đã xong.")
    assert answered.status == X.ANSWERED


def test_the_request_pages_link_the_old_and_the_carried_request(tree, asking, settings, client):
    request = asking(tree, tree.commune)
    apply(settings, merge_input(), tree)
    new = ExplanationRequest.objects.get(unit=successor())
    client.force_login(tree.secretariat)
    old_page = client.get(f"/giai-trinh/{request.pk}/").content.decode()
    assert "Đơn vị đã sắp xếp từ 01/07/2025; yêu cầu chuyển cho Phường Thành Vinh." in old_page
    assert f"/giai-trinh/{new.pk}/" in old_page
    new_page = client.get(f"/giai-trinh/{new.pk}/").content.decode()
    assert f"/giai-trinh/{request.pk}/" in new_page
    assert "Chuyển từ yêu cầu đối với Xã Diễn Kỷ (4011) theo sắp xếp đơn vị 1674/NQ-UBTVQH15 ngày 01/07/2025" in (
        new_page
    )


def test_an_answered_request_keeps_its_answer_on_the_successor(tree, asking, settings):
    request = asking(tree, tree.commune2)
    settings.APP_TODAY = ASKED_ON + datetime.timedelta(days=2)
    head = make_user(tree.commune2)
    services.explanation_answer(request=request, user=head, version=1, answer="Thiếu máy đọc chip.")
    request.refresh_from_db()

    apply(settings, merge_input(), tree)

    new = ExplanationRequest.objects.get(unit=successor())
    assert (new.status, new.answer, new.answered_by, new.answered_at) == (
        X.ANSWERED,
        "Thiếu máy đọc chip.",
        head,
        request.answered_at,
    )
    request.refresh_from_db()
    assert request.status == X.CLOSED
    assert request.status_on(OPENING - datetime.timedelta(seconds=1)) == X.ANSWERED


def test_two_merged_units_with_an_open_request_each_give_one_request_that_names_both(tree, asking, settings):
    first = asking(tree, tree.commune, due=12, reason="Vì sao chậm cấp tài khoản?")
    second = asking(tree, tree.commune2, due=8, reason="Vì sao chậm tuyên truyền?")

    transition = apply(settings, merge_input(), tree)

    new = ExplanationRequest.objects.get(unit=successor())  # one open request per unit and subject
    assert set(new.carried_from.all()) == {first, second}
    # The one due first is carried; the other's reason is kept in the note.
    assert (new.reason, new.due_date) == ("Vì sao chậm tuyên truyền?", ASKED_ON + datetime.timedelta(days=8))
    assert "Xã Diễn Kỷ (4011)" in new.carried_note and "Thị trấn Diễn Châu (4012)" in new.carried_note
    assert "Yêu cầu đối với Xã Diễn Kỷ (4011) (hạn giải trình 02/07/2025) được gộp vào yêu cầu này" in new.carried_note
    assert "“Vì sao chậm cấp tài khoản?”" in new.carried_note
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == X.CLOSED
    assert first.close_note == (
        "Đơn vị đã sắp xếp từ 01/07/2025; yêu cầu chuyển cho Phường Thành Vinh, gộp vào yêu cầu cùng nội dung "
        "đang chờ giải trình."
    )
    assert second.close_note == "Đơn vị đã sắp xếp từ 01/07/2025; yêu cầu chuyển cho Phường Thành Vinh."
    assert (transition.summary["explanations_carried"], transition.summary["explanations_merged"]) == (1, 1)


def test_a_request_about_a_merged_task_goes_to_the_merged_assignment(tree, asking, settings):
    task = make_task()
    first = asking(tree, tree.commune, assignment=make_assignment(tree.commune, task))
    second = asking(tree, tree.commune2, assignment=make_assignment(tree.commune2, task))
    general = asking(tree, tree.commune2)

    apply(settings, merge_input(), tree)

    merged = Assignment.objects.get(unit=successor(), task=task)
    about_task = ExplanationRequest.objects.get(unit=successor(), assignment=merged)
    assert set(about_task.carried_from.all()) == {first, second}
    assert ExplanationRequest.objects.get(unit=successor(), assignment=None).carried_from.get() == general


def test_the_successors_own_open_request_takes_the_arriving_one(tree, asking, settings):
    science = make_unit(parent=tree.province, level=Unit.Level.AGENCY, code="SKHCN40", name="Sở Khoa học và Công nghệ")
    own = asking(tree, science, reason="Vì sao chậm số hóa hồ sơ?")
    arriving = asking(tree, tree.agency, reason="Vì sao chậm kết nối dữ liệu?")
    data = TransitionInput(
        province_code="40", effective_on=EFFECTIVE, basis="Quyết định 1/QĐ-UBND", links=[Link("STTTT40", "SKHCN40")]
    )

    apply(settings, data, tree)

    assert list(ExplanationRequest.objects.filter(unit=science)) == [own]
    own.refresh_from_db()
    assert own.status == X.OPEN and own.version == 2
    assert "Sở Thông tin và Truyền thông (STTTT40)" in own.carried_note
    assert "“Vì sao chậm kết nối dữ liệu?”" in own.carried_note
    assert list(own.carried_from.all()) == [arriving]
    arriving.refresh_from_db()
    assert arriving.status == X.CLOSED and "gộp vào yêu cầu cùng nội dung" in arriving.close_note


def test_a_split_unit_sends_its_requests_to_the_successor_with_the_largest_share(tree, asking, settings):
    indicator = make_eid_targets({tree.other_commune: 1000})
    Target.objects.update(due_date=datetime.date(2025, 12, 31))
    target = Target.objects.get(unit=tree.other_commune)
    about_target = asking(tree, tree.other_commune, target=target)
    data = TransitionInput(
        province_code="40",
        effective_on=EFFECTIVE,
        basis="1674/NQ-UBTVQH15",
        new_units=[commune("40901", "Xã Mới A", "402"), commune("40902", "Xã Mới B", "402")],
        links=[Link("4021", "40901", "partial", 400_000), Link("4021", "40902", "partial", 600_000)],
    )
    preview = transition_preview(data)
    assert preview.ok
    assert (preview.totals["explanations"], preview.totals["explanations_carried"]) == (1, 1)

    apply(settings, data, tree)

    new = ExplanationRequest.objects.get(carried_from=about_target)
    assert new.unit == successor("40902")
    assert new.target == Target.objects.get(unit=successor("40902"), indicator=indicator)
    assert not ExplanationRequest.objects.filter(unit=successor("40901")).exists()


def test_a_request_about_finished_work_becomes_a_request_about_the_work_in_general(tree, asking, settings):
    assignment = make_assignment(tree.commune, make_task(title="Lắp đặt máy đọc chip"))
    request = asking(tree, tree.commune, assignment=assignment)
    Assignment.objects.filter(pk=assignment.pk).update(
        work_status=Assignment.WorkStatus.CONFIRMED, completed_on=datetime.date(2025, 6, 25)
    )
    apply(settings, merge_input(), tree)
    new = ExplanationRequest.objects.get(carried_from=request)
    assert new.assignment is None and new.target is None
    assert "Trước đây về:" in new.carried_note and "Lắp đặt máy đọc chip" in new.carried_note


def test_a_closed_unit_closes_its_requests_with_the_closure_reason(tree, asking, settings):
    request = asking(tree, tree.commune2)
    data = merge_input(links=[Link("4011", "4011")], closures={"4012": "Giải thể theo Nghị quyết"})
    preview = transition_preview(data)
    assert (preview.totals["explanations"], preview.totals["explanations_carried"]) == (1, 0)

    transition = apply(settings, data, tree)

    request.refresh_from_db()
    assert (request.status, request.close_note, request.ended_by) == (X.CLOSED, "Giải thể theo Nghị quyết", transition)
    assert not request.carried_to.exists()
    assert transition.summary["explanations_closed"] == 1


def test_a_unit_ended_without_successor_closes_its_requests_with_a_note(tree, asking, settings):
    district_request = asking(tree, tree.area)
    apply(settings, merge_input(), tree)  # the district ends, with no open work and no successor
    district_request.refresh_from_db()
    assert district_request.status == X.CLOSED
    assert district_request.close_note == (
        "Đơn vị kết thúc hoạt động từ 01/07/2025 (1674/NQ-UBTVQH15), không có đơn vị kế thừa; yêu cầu được đóng lại."
    )


def test_the_preview_page_counts_the_requests_each_ending_unit_carries(tree, asking, settings):
    asking(tree, tree.commune)
    asking(tree, tree.commune2)
    settings.APP_TODAY = EFFECTIVE
    preview = transition_preview(merge_input())
    counts = {d.unit.code: d.explanations for d in preview.destinations}
    assert counts == {"401": 0, "4011": 1, "4012": 1}
    assert preview.totals["explanations_carried"] == 2


def test_reminders_after_the_transition_go_to_the_successor_and_an_escalation_is_not_repeated(tree, asking, settings):
    for user in User.objects.all():
        user.email = f"{user.username}@example.org"
        user.save()
    work = make_assignment(tree.commune, due_date=datetime.date(2025, 9, 30))
    soon = asking(tree, tree.commune, due=13, assignment=work)  # explain by 03/07/2025
    late = asking(tree, tree.commune2, due=1)  # explain by 21/06/2025: escalated on 22/06
    assert reminders.reminders_decide(today=ASKED_ON + datetime.timedelta(days=2)).escalations
    assert ReminderMark.objects.filter(explanation=late, stage="escalated").exists()
    before = set(Notification.objects.values_list("pk", flat=True))

    apply(settings, merge_input(), tree)
    reminders.reminders_decide(today=datetime.date(2025, 7, 2))

    mails = Notification.objects.exclude(pk__in=before)
    new_soon = ExplanationRequest.objects.get(carried_from=soon)
    # The successor is reminded of what it inherited, once; nothing goes to the ended communes.
    reminded = mails.filter(dedupe_key__startswith="explanation-reminder")
    assert set(reminded.values_list("unit", flat=True)) == {successor().pk}
    assert "Vì sao chậm tiến độ?" in reminded.first().body_text
    assert not mails.filter(unit__in=[tree.commune, tree.commune2]).exists()
    assert ReminderMark.objects.filter(explanation=new_soon, stage="reminded").exists()
    # The late request was escalated before: the secretariat is not told again.
    assert not mails.filter(dedupe_key__startswith="explanation-escalation").exists()
    assert ReminderMark.objects.filter(explanation__carried_from=late, stage="escalated").exists()
    sent = Notification.objects.filter(dedupe_key__startswith="explanation-").count()
    reminders.reminders_decide(today=datetime.date(2025, 7, 3))  # reminded once
    assert Notification.objects.filter(dedupe_key__startswith="explanation-").count() == sent


def test_the_official_report_counts_a_carried_request_once_with_its_first_date(tree, asking, settings):
    request = asking(tree, tree.commune)
    apply(settings, merge_input(), tree)
    province = tree.province

    june = explanations_for_report(province=province, start=datetime.date(2025, 6, 1), end=datetime.date(2025, 6, 30))
    assert [(row.request.pk, row.unit, row.status) for row in june] == [(request.pk, tree.commune, X.OPEN)]
    quarter = explanations_for_report(
        province=province, start=datetime.date(2025, 6, 1), end=datetime.date(2025, 7, 31)
    )
    assert [(row.unit, row.asked_on, row.status) for row in quarter] == [(successor(), ASKED_ON, X.OPEN)]


def test_the_number_of_queries_does_not_grow_with_the_requests(db, settings):
    counts = {}
    for prefix, per_commune in (("40", 3), ("41", 10)):
        tree = Tree(prefix)
        settings.APP_TODAY = ASKED_ON
        for n in range(per_commune):
            task = make_task()
            for unit in (tree.commune, tree.commune2):
                assignment = make_assignment(unit, task)
                services.explanation_ask(
                    unit=unit,
                    user=tree.secretariat,
                    reason=f"Việc {n}",
                    due_date=ASKED_ON + datetime.timedelta(days=n + 1),
                    assignment=assignment,
                )
        settings.APP_TODAY = EFFECTIVE
        with CaptureQueriesContext(connection) as queries:
            transition = transition_apply(merge_input(prefix), by=tree.secretariat)
        assert transition.summary["explanations_carried"] == per_commune
        assert transition.summary["explanations_merged"] == per_commune
        counts[per_commune] = len(queries)
    assert counts[3] == counts[10], counts


def test_the_transition_page_shows_the_requests_before_and_after_applying(tree, asking, settings, client):
    asking(tree, tree.commune)
    asking(tree, tree.commune2, assignment=make_assignment(tree.commune2))
    settings.APP_TODAY = EFFECTIVE
    client.force_login(tree.secretariat)
    data = {
        "effective_on": "01/07/2025",
        "basis": "1674/NQ-UBTVQH15",
        "accounts": "follow",
        "units_text": "code,name,level,kind,parent_code\n40111,Phường Thành Vinh,commune,ward,\n",
        "mapping_text": "old_code,new_code,share\n4011,40111,full\n4012,40111,full\n",
        "extra_mapping": "",
        "closures_text": "",
        "end": "401",
        "action": "preview",
    }
    preview = visible_text(client.post("/ke-hoach/sap-xep-don-vi/", data).content.decode())
    assert "Yêu cầu giải trình chưa đóng: 2, trong đó 2 chuyển cho đơn vị kế thừa (còn lại được đóng)." in preview
    done = client.post("/ke-hoach/sap-xep-don-vi/", {**data, "action": "apply"})
    assert done.status_code == 200
    assert "Yêu cầu giải trình chuyển sang / gộp / đóng 2 / 0 / 0" in visible_text(done.content.decode())
    assert ExplanationRequest.objects.filter(unit__code="40111", status=X.OPEN).count() == 2


def test_a_request_whose_asking_district_ended_is_escalated_to_the_secretariat_only(tree, settings):
    for user in User.objects.all():
        user.email = f"{user.username}@example.org"
        user.save()
    Unit.objects.filter(pk=tree.area.pk).update(contact_emails="vanthu-dienchau@example.org")
    settings.APP_TODAY = ASKED_ON
    request = services.explanation_ask(
        unit=tree.commune,
        user=tree.head_district,
        reason="Vì sao chậm?",
        due_date=datetime.date(2025, 6, 30),
    )
    apply(settings, merge_input(), tree)  # Diễn Châu, the district that asked, ends

    reminders.reminders_decide(today=datetime.date(2025, 7, 2))

    new = ExplanationRequest.objects.get(carried_from=request)
    assert new.asked_by_unit == tree.area
    escalated = Notification.objects.filter(dedupe_key__startswith="explanation-escalation")
    assert set(escalated.values_list("recipient", flat=True)) == {"secretariat40@example.org"}
    assert tree.secretariat.has_perm("tasks.close_explanation", new)

"""The structure transition service (tasks.transitions): merges, splits, closures, what is
unresolved, idempotency, a code reused, concurrent edits, agencies, query counts."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tasks import services
from tasks.models import Assignment, IndicatorReport, Target
from tasks.summaries import indicator_totals_rebuild, province_daily_totals
from tasks.transitions import Link, TransitionInput, divide, transition_apply, transition_preview
from tests.factories import Tree, bulk_assignments, make_assignment, make_eid_targets, make_task, make_unit, make_user
from units.loaders import UnitRow
from units.models import StructureTransition, Unit, UnitSuccession, User
from units.selectors import unit_by_code

EFFECTIVE = datetime.date(2025, 7, 1)
A = Assignment.WorkStatus


def commune(code, name, parent="40"):
    return UnitRow(code, name, Unit.Level.COMMUNE, Unit.Kind.WARD, parent)


def merge_input(tree, **fields) -> TransitionInput:
    """Diễn Châu (401) ends; its two communes merge into a new commune that reuses 4011."""
    fields.setdefault("new_units", [commune("4011", "Phường Thành Vinh")])
    fields.setdefault("links", [Link("4011", "4011"), Link("4012", "4011")])
    fields.setdefault("ended", ["401"])
    return TransitionInput(province_code="40", effective_on=EFFECTIVE, basis="1674/NQ-UBTVQH15", **fields)


def new_unit(code="4011"):
    return Unit.objects.get(code=code, valid_from=EFFECTIVE)


@pytest.fixture
def today(settings):
    settings.APP_TODAY = datetime.date(2025, 7, 2)


def test_two_merged_units_with_the_same_task_give_one_assignment_with_both_origins(tree, today):
    task = make_task()
    first = make_assignment(
        tree.commune, task, due_date=datetime.date(2025, 9, 30), progress=20, work_status=A.IN_PROGRESS
    )
    second = make_assignment(
        tree.commune2, task, due_date=datetime.date(2025, 8, 31), progress=60, work_status=A.IN_PROGRESS
    )
    only_second = make_assignment(
        tree.commune2, due_date=datetime.date(2025, 12, 31), work_status=A.REPORTED, progress=100
    )
    done = make_assignment(tree.commune, work_status=A.CONFIRMED, completed_on=datetime.date(2024, 1, 2))

    transition = transition_apply(merge_input(tree), by=tree.secretariat)

    successor = new_unit()
    carried = Assignment.objects.get(unit=successor, task=task)
    assert carried.due_date == datetime.date(2025, 8, 31)  # the earliest
    assert carried.progress == 60  # the furthest
    assert set(carried.carried_from.all()) == {first, second}
    assert timezone.localtime(carried.created_at) == timezone.make_aware(datetime.datetime(2025, 7, 1))
    # A reported completion stays reported on the successor.
    assert Assignment.objects.get(unit=successor, task=only_second.task).work_status == A.REPORTED
    # History is not rewritten: the old rows stay on the old units, their status as it was.
    first.refresh_from_db()
    assert (first.unit, first.work_status, first.progress, first.ended_by) == (
        tree.commune,
        A.IN_PROGRESS,
        20,
        transition,
    )
    assert first.version == 2
    assert not Assignment.objects.filter(task=done.task, unit=successor).exists()
    # Units: old ones ended, the new one starts, successions recorded.
    tree.commune.refresh_from_db()
    assert (tree.commune.valid_to, tree.commune.is_active) == (EFFECTIVE, False)
    assert successor.parent == tree.province and successor.area == successor
    assert set(UnitSuccession.objects.filter(successor=successor).values_list("predecessor__code", flat=True)) == {
        "4011",
        "4012",
    }
    assert transition.summary["assignments_carried"] == 2
    # The head of the unit that kept the code heads the successor.
    tree.head_commune.refresh_from_db()
    assert (tree.head_commune.unit, tree.head_commune.role) == (successor, User.Role.UNIT_HEAD)
    # No open assignment or target is left counted on an ended unit.
    assert (
        not Assignment.objects.filter(unit__is_active=False, ended_by__isnull=True)
        .exclude(work_status__in=[A.CONFIRMED, A.CANCELLED])
        .exists()
    )


def test_a_partial_split_divides_the_target_and_the_opening_figure(tree, today):
    indicator = make_eid_targets({tree.province: 5000, tree.other_district: 2000, tree.other_commune: 1001})
    Target.objects.update(due_date=datetime.date(2025, 12, 31))
    IndicatorReport.objects.create(
        indicator=indicator, unit=tree.other_commune, as_of=datetime.date(2025, 6, 1), value=100
    )
    IndicatorReport.objects.create(
        indicator=indicator, unit=tree.other_commune, as_of=datetime.date(2025, 6, 20), value=333
    )
    indicator_totals_rebuild(province_id=tree.province.pk)
    data = TransitionInput(
        province_code="40",
        effective_on=EFFECTIVE,
        basis="1674/NQ-UBTVQH15",
        new_units=[commune("40901", "Xã Mới A", "402"), commune("40902", "Xã Mới B", "402")],
        links=[Link("4021", "40901", "partial", 600_000), Link("4021", "40902", "partial", 400_000)],
    )
    assert transition_preview(data).ok

    transition_apply(data, by=tree.secretariat)

    a, b = new_unit("40901"), new_unit("40902")
    assert Target.objects.get(unit=a).value == 601 and Target.objects.get(unit=b).value == 400
    assert Target.objects.get(unit=tree.other_commune).ended_by is not None
    opening = {f.unit: f for f in IndicatorReport.objects.filter(carried=True)}
    assert (opening[a].value, opening[b].value) == (200, 133)
    assert opening[a].as_of == EFFECTIVE
    # The province's total neither doubles nor drops on the transition's day.
    series, _total, _last = province_daily_totals(
        province_id=tree.province.pk, indicator_id=indicator.pk, start=datetime.date(2025, 6, 30), end=EFFECTIVE
    )
    assert [value for _day, value in series] == [333, 333]


def test_a_split_without_fractions_is_unresolved_when_the_unit_has_a_target(tree, today):
    make_eid_targets({tree.province: 10, tree.other_district: 10, tree.other_commune: 10})
    Target.objects.update(due_date=datetime.date(2025, 12, 31))
    data = TransitionInput(
        province_code="40",
        effective_on=EFFECTIVE,
        basis="x",
        new_units=[commune("40901", "Xã Mới A", "402"), commune("40902", "Xã Mới B", "402")],
        links=[Link("4021", "40901", "partial"), Link("4021", "40902", "partial")],
    )
    preview = transition_preview(data)
    assert [item.code for item in preview.unresolved] == ["4021"]
    assert "tỷ lệ" in preview.unresolved[0].reason


def test_fractions_over_the_whole_unit_are_unresolved(tree, today):
    data = TransitionInput(
        province_code="40",
        effective_on=EFFECTIVE,
        basis="x",
        new_units=[commune("40901", "Xã Mới A", "402"), commune("40902", "Xã Mới B", "402")],
        links=[Link("4021", "40901", "partial", 700_000), Link("4021", "40902", "partial", 400_000)],
    )
    assert [item.code for item in transition_preview(data).unresolved] == ["4021"]


def test_an_unmapped_unit_blocks_apply_with_a_vietnamese_message_and_nothing_changes(tree, today):
    make_assignment(tree.commune2)
    data = merge_input(tree, links=[Link("4011", "4011")])
    preview = transition_preview(data)
    assert [item.code for item in preview.unresolved] == ["4012"]
    units_before = Unit.objects.count()

    with pytest.raises(ValidationError) as refused:
        transition_apply(data, by=tree.secretariat)

    message = refused.value.messages[0]
    assert message.startswith("Chưa xác định đơn vị kế thừa cho: Thị trấn Diễn Châu (4012).")
    assert "Hãy ánh xạ hoặc đóng công việc đang mở" in message
    assert Unit.objects.count() == units_before
    assert not StructureTransition.objects.exists()
    assert Unit.objects.get(code="4011").is_active


def test_closing_the_open_work_resolves_an_unmapped_unit(tree, today):
    assignment = make_assignment(tree.commune2)
    data = merge_input(tree, links=[Link("4011", "4011")], closures={"4012": "Giải thể theo Nghị quyết"})
    transition_apply(data, by=tree.secretariat)
    assignment.refresh_from_db()
    assert assignment.end_reason == "Giải thể theo Nghị quyết"
    assert assignment.work_status == A.NOT_STARTED
    assert not assignment.carried_to.exists()


def test_a_link_to_no_unit_is_unresolved(tree, today):
    data = merge_input(tree, links=[Link("4011", "4011"), Link("4012", "99999")])
    preview = transition_preview(data)
    assert [(item.code, "99999" in item.reason) for item in preview.unresolved] == [("4012", True)]


def test_applying_twice_changes_nothing(tree, today):
    make_assignment(tree.commune)
    first = transition_apply(merge_input(tree), by=tree.secretariat)
    counts = (Unit.objects.count(), Assignment.objects.count(), UnitSuccession.objects.count())

    again = transition_apply(merge_input(tree), by=tree.secretariat)

    assert again == first
    assert (Unit.objects.count(), Assignment.objects.count(), UnitSuccession.objects.count()) == counts
    assert transition_preview(merge_input(tree)).applied == first


def test_a_code_reused_after_the_effective_date_resolves_by_date(tree, client, today):
    transition_apply(merge_input(tree), by=tree.secretariat)
    units = Unit.objects.filter(code="4011")
    assert unit_by_code(units, "4011", on=datetime.date(2025, 6, 30)) == tree.commune
    assert unit_by_code(units, "4011", on=EFFECTIVE) == new_unit()
    client.force_login(tree.secretariat)
    assert "Phường Thành Vinh" in client.get("/don-vi/4011/").content.decode()


def test_an_edit_after_the_preview_is_carried_and_a_stale_form_is_refused(tree, client, today):
    assignment = make_assignment(tree.commune, progress=10, work_status=A.IN_PROGRESS)
    data = merge_input(tree)
    assert transition_preview(data).ok
    stale = Assignment.objects.get(pk=assignment.pk)
    # The unit reports after the preview: nothing of it is lost.
    services.assignment_report(
        assignment=stale,
        user=tree.head_commune,
        version=stale.version,
        work_status=A.IN_PROGRESS,
        progress=70,
        note="x",
    )
    seen = Assignment.objects.get(pk=assignment.pk)  # the secretariat's form shows this version

    transition_apply(data, by=tree.secretariat)

    assert Assignment.objects.get(unit=new_unit(), task=assignment.task).progress == 70
    with pytest.raises(services.AssignmentConflict):
        services.assignment_report(
            assignment=seen,
            user=tree.secretariat,
            version=seen.version,
            work_status=A.PAUSED,
            progress=70,
            note="tạm dừng",
        )
    # Through the page: the stale form is refused with the existing message, nothing saved.
    client.force_login(tree.secretariat)
    response = client.post(
        f"/nhiem-vu/{assignment.pk}/",
        {"version": seen.version, "work_status": A.PAUSED, "progress": 70, "note": "tạm dừng"},
        follow=True,
    )
    assert response.status_code == 409
    assert "Nội dung vừa nhập chưa được lưu" in response.content.decode()
    assert Assignment.objects.get(pk=assignment.pk).work_status == A.IN_PROGRESS


def test_an_agency_merger(tree, today):
    science = make_unit(parent=tree.province, level=Unit.Level.AGENCY, code="SKHCN40", name="Sở Khoa học và Công nghệ")
    task = make_task()
    make_assignment(tree.agency, task, due_date=datetime.date(2025, 10, 1))
    make_assignment(science, task, due_date=datetime.date(2025, 11, 1))
    staff = make_user(tree.agency, User.Role.UNIT_STAFF)
    science_head = make_user(science)
    data = TransitionInput(
        province_code="40", effective_on=EFFECTIVE, basis="Quyết định 1/QĐ-UBND", links=[Link("STTTT40", "SKHCN40")]
    )

    transition_apply(data, by=tree.secretariat)

    merged = Assignment.objects.get(unit=science, task=task)
    assert merged.due_date == datetime.date(2025, 10, 1)
    assert merged.carried_from.get().unit == tree.agency
    assert merged.version == 2
    tree.head_agency.refresh_from_db()
    staff.refresh_from_db()
    # The science department had a head: the arriving head becomes staff.
    assert (tree.head_agency.unit, tree.head_agency.role) == (science, User.Role.UNIT_STAFF)
    assert staff.unit == science
    assert User.objects.get(pk=science_head.pk).role == User.Role.UNIT_HEAD
    assert Unit.objects.get(code="SKHCN40").is_active and not Unit.objects.get(code="STTTT40").is_active


def test_an_agency_rename_is_an_end_and_a_new_unit_with_the_same_code(tree, today):
    make_assignment(tree.agency)
    data = TransitionInput(
        province_code="40",
        effective_on=EFFECTIVE,
        basis="Quyết định 2/QĐ-UBND",
        new_units=[UnitRow("STTTT40", "Sở Chuyển đổi số", Unit.Level.AGENCY, Unit.Kind.DEPARTMENT, "40")],
        links=[Link("STTTT40", "STTTT40")],
        accounts="deactivate",
    )
    transition_apply(data, by=tree.secretariat)
    renamed = new_unit("STTTT40")
    assert renamed.name == "Sở Chuyển đổi số" and renamed.level == Unit.Level.AGENCY
    assert Assignment.objects.filter(unit=renamed).count() == 1
    tree.head_agency.refresh_from_db()
    assert tree.head_agency.unit == renamed


def test_accounts_of_a_closed_unit_are_deactivated(tree, today):
    data = merge_input(tree, links=[Link("4011", "4011")], closures={"4012": "Giải thể"})
    staff = make_user(tree.commune2, User.Role.UNIT_STAFF)
    transition_apply(data, by=tree.secretariat)
    staff.refresh_from_db()
    assert not staff.is_active


def test_the_progress_callback_is_told_per_batch(tree, today):
    calls = []
    make_assignment(tree.commune)
    transition_apply(merge_input(tree), by=None, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1]


def test_divide_keeps_the_whole():
    assert divide(1001, [600_000, 400_000]) == [601, 400]
    assert divide(10, [1_000_000]) == [10]
    assert sum(divide(7, [333_333, 333_333, 333_334])) == 7


def test_the_number_of_queries_does_not_grow_with_the_assignments(db, today):
    counts = {}
    for code, per_unit in (("40", 2), ("41", 30)):
        tree = Tree(code)
        for _n in range(per_unit):
            bulk_assignments([tree.commune, tree.commune2], make_task(), due_date=datetime.date(2025, 9, 1))
        data = TransitionInput(
            province_code=code,
            effective_on=EFFECTIVE,
            basis="1674/NQ-UBTVQH15",
            new_units=[commune(f"{code}11", "Phường Mới", code)],
            links=[Link(f"{code}11", f"{code}11"), Link(f"{code}12", f"{code}11")],
            ended=[f"{code}1"],
        )
        with CaptureQueriesContext(connection) as queries:
            transition_apply(data, by=tree.secretariat)
        assert Assignment.objects.filter(unit__code=f"{code}11", unit__valid_from=EFFECTIVE).count() == per_unit
        counts[per_unit] = len(queries)
    assert counts[2] == counts[30], counts

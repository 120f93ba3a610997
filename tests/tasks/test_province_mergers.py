"""A transition that absorbs whole provinces (the 2025 reform: 02 Hà Giang into 08 Tuyên Quang):
units of both provinces end into the continuing one, open work is carried, the absorbed root
ends with a full succession, and "as at" the day before both provinces stand as they were."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from tasks.deadlines import counted_q
from tasks.models import Assignment
from tasks.transitions import Link, TransitionInput, input_digest, transition_apply, transition_preview
from tests.factories import Tree, make_assignment, make_task
from units.loaders import UnitRow
from units.models import StructureTransition, Unit, UnitSuccession, User

EFFECTIVE = datetime.date(2025, 7, 1)
EVE = EFFECTIVE - datetime.timedelta(days=1)
A = Assignment.WorkStatus
CLOSED = "Cấp huyện kết thúc hoạt động từ 01/07/2025"


@pytest.fixture
def trees(db, settings):
    settings.APP_TODAY = datetime.date(2025, 7, 2)
    return Tree("08", "Tỉnh Tuyên Quang"), Tree("02", "Tỉnh Hà Giang")


def commune(code, name):
    return UnitRow(code, name, Unit.Level.COMMUNE, Unit.Kind.COMMUNE, "08")


def merger_input(tuyen_quang, ha_giang, **fields) -> TransitionInput:
    """08 absorbs 02: the communes of both go to two new communes of 08 (0221 moves as itself),
    the agencies of 02 to those of 08, every district ends with its open work closed."""
    districts = ["081", "082", "021", "022"]
    fields.setdefault("absorbed_provinces", ["02"])
    fields.setdefault(
        "links",
        [
            Link("0811", "08001"),
            Link("0812", "08001"),
            Link("0211", "08001"),
            Link("0212", "08001"),
            Link("0821", "08002"),
            Link("0221", "0221"),
            Link("CAT02", "CAT08"),
            Link("STTTT02", "STTTT08"),
        ],
    )
    return TransitionInput(
        province_code="08",
        effective_on=EFFECTIVE,
        basis="202/2025/QH15",
        new_units=[commune("08001", "Phường Minh Xuân"), commune("08002", "Xã Mới"), commune("0221", "Xã Mường Xén")],
        ended=districts,
        closures=dict.fromkeys(districts, CLOSED),
        **fields,
    )


def test_a_province_merger_carries_the_work_of_both_and_ends_the_absorbed_root(trees):
    tuyen_quang, ha_giang = trees
    task = make_task()
    ours = make_assignment(tuyen_quang.commune, task, due_date=datetime.date(2025, 9, 30), progress=20)
    theirs = make_assignment(
        ha_giang.commune, task, due_date=datetime.date(2025, 8, 31), progress=50, work_status=A.IN_PROGRESS
    )
    agency_work = make_assignment(ha_giang.agency, due_date=datetime.date(2025, 10, 1))
    moved_work = make_assignment(ha_giang.other_commune, due_date=datetime.date(2025, 10, 1))
    district_work = make_assignment(ha_giang.area, due_date=datetime.date(2025, 10, 1))
    # They existed before the transition (the as-at rule counts rows created by the end of a day).
    Assignment.objects.update(created_at=datetime.datetime(2025, 1, 2, tzinfo=datetime.UTC))
    path_before = tuyen_quang.province.path
    data = merger_input(tuyen_quang, ha_giang)

    preview = transition_preview(data)
    assert preview.ok, (preview.errors, preview.unresolved)
    # The absorbed root is among the ending units, going in full to the continuing province.
    root = next(d for d in preview.destinations if d.unit == ha_giang.province)
    assert [(s.code, s.share) for s in root.successors] == [("08", UnitSuccession.Share.FULL)]

    transition = transition_apply(data, by=tuyen_quang.secretariat)

    # One assignment of the task on the new commune, with both histories.
    carried = Assignment.objects.get(unit__code="08001", unit__valid_from=EFFECTIVE, task=task)
    assert set(carried.carried_from.all()) == {ours, theirs}
    assert (carried.due_date, carried.progress) == (datetime.date(2025, 8, 31), 50)
    assert carried.unit.province == tuyen_quang.province
    # The agency's work goes to the continuing province's agency; the moved commune is a new
    # version under the continuing root, reusing its code.
    assert Assignment.objects.get(carried_from=agency_work).unit == tuyen_quang.agency
    moved = Unit.objects.get(code="0221", valid_from=EFFECTIVE)
    assert moved.province == tuyen_quang.province and moved.path.startswith(path_before)
    assert Assignment.objects.get(carried_from=moved_work).unit == moved
    # The district's work is closed with the reason, not carried.
    district_work.refresh_from_db()
    assert district_work.end_reason == CLOSED and not Assignment.objects.filter(carried_from=district_work).exists()
    # The absorbed root ends with a full succession; the continuing one keeps its row and path.
    ha_giang.province.refresh_from_db()
    assert (ha_giang.province.valid_to, ha_giang.province.is_active) == (EFFECTIVE, False)
    succession = UnitSuccession.objects.get(predecessor=ha_giang.province)
    assert (succession.successor, succession.share, succession.transition) == (
        tuyen_quang.province,
        UnitSuccession.Share.FULL,
        transition,
    )
    tuyen_quang.province.refresh_from_db()
    assert (tuyen_quang.province.is_active, tuyen_quang.province.path) == (True, path_before)
    assert not Unit.objects.filter(province=ha_giang.province, is_active=True).exists()
    # Accounts: the absorbed province's secretariat and leader follow to the continuing one.
    ha_giang.secretariat.refresh_from_db()
    ha_giang.leader.refresh_from_db()
    assert (ha_giang.secretariat.unit, ha_giang.secretariat.role) == (tuyen_quang.police, User.Role.SECRETARIAT)
    assert (ha_giang.leader.unit, ha_giang.leader.role, ha_giang.leader.is_active) == (
        tuyen_quang.province,
        User.Role.LEADER,
        True,
    )
    # No open work is left counted on an ended unit.
    assert (
        not Assignment.objects.filter(unit__is_active=False, ended_by__isnull=True)
        .exclude(work_status__in=[A.CONFIRMED, A.CANCELLED])
        .exists()
    )
    assert transition.summary["provinces_absorbed"] == 1

    # As at the day before, both provinces stand as they were, each with its own work.
    provinces_then = set(Unit.objects.filter(level=Unit.Level.PROVINCE).valid_on(EVE).values_list("code", flat=True))
    assert provinces_then == {"02", "08"}
    assert set(Unit.objects.filter(level=Unit.Level.PROVINCE).valid_on(EFFECTIVE).values_list("code", flat=True)) == {
        "08"
    }
    counted_then = Assignment.objects.filter(counted_q(as_at=EVE))
    then_absorbed = set(counted_then.filter(unit__province=ha_giang.province))
    assert then_absorbed == {theirs, agency_work, moved_work, district_work}
    assert set(counted_then.filter(unit__province=tuyen_quang.province)) == {ours}
    counted_now = Assignment.objects.filter(counted_q(as_at=EFFECTIVE))
    assert not counted_now.filter(unit__province=ha_giang.province).exists()
    assert counted_now.filter(unit__province=tuyen_quang.province).count() == 3  # carried, agency, moved

    # Applied again: nothing changes.
    units, assignments = Unit.objects.count(), Assignment.objects.count()
    assert transition_apply(data, by=tuyen_quang.secretariat) == transition
    assert (Unit.objects.count(), Assignment.objects.count(), StructureTransition.objects.count()) == (
        units,
        assignments,
        1,
    )


def test_an_absorbed_unit_left_unmapped_blocks_the_merger(trees):
    tuyen_quang, ha_giang = trees
    make_assignment(ha_giang.agency, due_date=datetime.date(2025, 10, 1))
    links = [link for link in merger_input(*trees).links if link.old_code != "STTTT02"]
    data = merger_input(*trees, links=links)

    preview = transition_preview(data)

    assert [item.code for item in preview.unresolved] == ["STTTT02"]
    with pytest.raises(ValidationError, match="STTTT02"):
        transition_apply(data, by=tuyen_quang.secretariat)
    ha_giang.province.refresh_from_db()
    assert ha_giang.province.is_active and not StructureTransition.objects.exists()


def test_a_renamed_continuing_province_keeps_its_row_and_the_former_name(trees):
    tuyen_quang, _ha_giang = trees
    data = merger_input(*trees, province_name="Tỉnh Tuyên Quang mới")

    transition = transition_apply(data, by=None)

    tuyen_quang.province.refresh_from_db()
    assert tuyen_quang.province.name == "Tỉnh Tuyên Quang mới" and tuyen_quang.province.is_active
    assert transition.summary["province_renamed_from"] == "Tỉnh Tuyên Quang"


def test_merger_input_errors(trees):
    _tuyen_quang, ha_giang = trees
    # A code in force in both provinces cannot be told apart: refused, nothing written.
    Unit.objects.filter(pk=ha_giang.agency.pk).update(code="STTTT08")
    preview = transition_preview(merger_input(*trees))
    assert any("STTTT08" in error for error in preview.errors)
    assert any("99" in error for error in transition_preview(merger_input(*trees, absorbed_provinces=["99"])).errors)
    assert transition_preview(merger_input(*trees, absorbed_provinces=["08"])).errors


def test_the_digest_of_an_input_without_mergers_is_unchanged():
    data = TransitionInput(province_code="40", effective_on=EFFECTIVE, basis="x", links=[Link("1", "2")])
    # The digest of this input before province mergers existed (transitions applied then stay applied).
    assert input_digest(data) == "5805a166dfb85541a5bffc38e522d8e29962217cf738ff15372b0b6e4d904285"

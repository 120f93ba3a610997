"""The national transition of 01/07/2025 (tasks.national_transition, apply_transition --national):
one input per new province from the files of data/ (here small files of the same format), the
absorbed provinces' agencies mapped by kind, every district closed, applied province by province
with a progress bar; nothing written while a unit is unresolved."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tasks.models import Assignment
from tasks.national_transition import DISTRICTS_CLOSED, agency_suffix, national_inputs, national_preview
from tests.factories import make_assignment, make_task, small_country
from units.models import StructureTransition, Unit, User

EFFECTIVE = datetime.date(2025, 7, 1)


@pytest.fixture
def country(db, settings, tmp_path):
    settings.APP_TODAY = datetime.date(2025, 7, 2)
    return small_country(tmp_path), tmp_path


def test_agency_suffix():
    assert agency_suffix("02-STTTT", "02") == "STTTT"
    assert agency_suffix("STTTT", "40") == "STTTT"
    assert agency_suffix("08-STTTT", "02") == "08-STTTT"


def test_the_inputs_merge_provinces_close_districts_and_map_agencies_by_kind(country):
    _trees, data_dir = country
    plan = national_inputs(data_dir=data_dir, effective_on=EFFECTIVE, basis="x", equal_splits=True)

    tuyen_quang, nghe_an = plan.inputs
    assert (tuyen_quang.province_code, tuyen_quang.absorbed_provinces, nghe_an.absorbed_provinces) == ("08", ["02"], [])
    assert tuyen_quang.ended == ["021", "022", "081", "082"]
    assert set(tuyen_quang.closures.values()) == {DISTRICTS_CLOSED}
    links = {(link.old_code, link.new_code) for link in tuyen_quang.links}
    assert {("02-CAT", "08-CAT"), ("02-STTTT", "08-STTTT")} <= links
    split = [link for link in tuyen_quang.links if link.old_code == "08012"]
    assert sum(link.fraction_ppm for link in split) == 1_000_000 and all(link.illustrative for link in split)
    assert tuyen_quang.illustrative and not nghe_an.illustrative
    assert [row.code for row in tuyen_quang.new_units] == ["08001", "08002"]
    assert all(preview.ok for preview in national_preview(plan)), [p.unresolved for p in national_preview(plan)]


def test_the_national_command_applies_every_province_with_a_progress_bar(country):
    trees, data_dir = country
    task = make_task()
    make_assignment(trees["02"].commune, task, due_date=datetime.date(2025, 9, 30))
    make_assignment(trees["08"].commune, task, due_date=datetime.date(2025, 8, 31))
    make_assignment(trees["02"].agency, due_date=datetime.date(2025, 9, 30))
    make_assignment(trees["40"].other_commune, due_date=datetime.date(2025, 9, 30))
    out = StringIO()
    args = ["--national", "--effective", "01/07/2025", "--basis", "202/2025/QH15", "--data-dir", str(data_dir)]

    call_command("apply_transition", *args, stdout=out, stderr=StringIO())

    text = out.getvalue()
    assert "2/2 tỉnh" in text and "Đã áp dụng cho 2 tỉnh" in text
    assert StructureTransition.objects.count() == 2
    assert set(Unit.objects.filter(level=Unit.Level.PROVINCE, is_active=True).values_list("code", flat=True)) == {
        "08",
        "40",
    }
    assert not Unit.objects.filter(level=Unit.Level.DISTRICT, is_active=True).exists()
    assert set(Unit.objects.filter(level=Unit.Level.COMMUNE, is_active=True).values_list("code", flat=True)) == {
        "08001",
        "08002",
        "40001",
    }
    merged = Assignment.objects.get(task=task, unit__code="08001", ended_by__isnull=True)
    assert merged.carried_from.count() == 2 and merged.due_date == datetime.date(2025, 8, 31)
    assert User.objects.get(username="secretariat02").unit.code == "08-CAT"
    # Run again: every province is already applied, nothing changes.
    units = Unit.objects.count()
    call_command("apply_transition", *args, stdout=StringIO(), stderr=StringIO())
    assert (Unit.objects.count(), StructureTransition.objects.count()) == (units, 2)


def test_an_unmapped_agency_of_an_absorbed_province_stops_the_whole_run(country):
    trees, data_dir = country
    Unit.objects.filter(pk=trees["08"].agency.pk).update(code="08-SKHCN")  # no counterpart for 02-STTTT
    make_assignment(trees["02"].agency, due_date=datetime.date(2025, 9, 30))
    out = StringIO()

    with pytest.raises(CommandError):
        call_command(
            "apply_transition",
            "--national",
            "--effective",
            "01/07/2025",
            "--basis",
            "x",
            "--data-dir",
            str(data_dir),
            stdout=out,
            stderr=StringIO(),
        )

    assert "02-STTTT" in out.getvalue()
    assert not StructureTransition.objects.exists() and Unit.objects.filter(code="02", is_active=True).exists()

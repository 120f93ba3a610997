"""manage.py apply_transition: files checked with line numbers, a dry run that changes nothing, an
apply with a progress bar and a summary, the same files applied twice."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from tasks.models import Assignment
from tests.factories import make_assignment
from units.loaders import DataFileError, parse_transition_mapping, parse_transition_units
from units.models import StructureTransition, Unit

UNITS = (
    "province_code,province_name,province_kind,commune_code,commune_name,commune_kind\n"
    "40,Tỉnh Nghệ An,province,40111,Phường Thành Vinh,ward\n"
    "41,Tỉnh Khác,province,41111,Xã Khác,commune\n"
)
MAPPING = (
    "old_province_code,old_commune_code,old_commune_name,new_province_code,new_commune_code,new_commune_name,share\n"
    "40,4011,Xã Diễn Kỷ,40,40111,Phường Thành Vinh,full\n"
    "40,4012,Thị trấn Diễn Châu,40,40111,Phường Thành Vinh,full\n"
    "41,4111,Xã X,41,41111,Xã Khác,full\n"
)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "units.csv").write_text(UNITS, encoding="utf-8")
    (tmp_path / "mapping.csv").write_text(MAPPING, encoding="utf-8")
    return tmp_path


def run(files, *extra):
    out = io.StringIO()
    call_command(
        "apply_transition",
        "--province=40",
        "--effective=01/07/2025",
        "--basis=1674/NQ-UBTVQH15",
        f"--units={files / 'units.csv'}",
        f"--mapping={files / 'mapping.csv'}",
        "--end=districts",
        *extra,
        stdout=out,
    )
    return out.getvalue()


def test_the_dry_run_prints_the_preview_and_changes_nothing(tree, files):
    make_assignment(tree.commune)
    units = Unit.objects.count()
    output = run(files, "--dry-run")
    assert "4011 Xã Diễn Kỷ → 40111 Phường Thành Vinh" in output
    assert Unit.objects.count() == units and not StructureTransition.objects.exists()


def test_unresolved_units_are_listed_and_refused(tree, files):
    make_assignment(tree.other_commune)
    # Kỳ Sơn (402) ends with the other districts, and its commune is in no mapping.
    with pytest.raises(CommandError, match="Chưa xác định đơn vị kế thừa cho: Xã Mường Xén \\(4021\\)"):
        run(files)
    assert not StructureTransition.objects.exists()


def test_apply_then_again(tree, files):
    (files / "closures.csv").write_text("code,reason\n4021,Chuyển về tỉnh khác\n", encoding="utf-8")
    make_assignment(tree.commune, due_date=datetime.date(2025, 9, 1))
    output = run(files, f"--closures={files / 'closures.csv'}")
    assert "assignments_carried: 1" in output
    assert "] 2/2" in output  # the progress bar, at its end (one row ended, one carried)
    new = Unit.objects.get(code="40111")
    assert new.valid_from == datetime.date(2025, 7, 1) and new.parent == tree.province
    assert not Unit.objects.filter(level=Unit.Level.DISTRICT, is_active=True, province=tree.province).exists()
    count = Assignment.objects.count()
    again = run(files, f"--closures={files / 'closures.csv'}")
    assert "Đã áp dụng" in again
    assert Assignment.objects.count() == count


def test_a_bad_line_is_named():
    with pytest.raises(DataFileError, match=r"m\.csv, dòng 3"):
        parse_transition_mapping("m.csv", "old_code,new_code,share\nA,B,full\nA,C,half\n", "40")
    with pytest.raises(DataFileError, match=r"u\.csv, dòng 2"):
        parse_transition_units("u.csv", "code,name,level,kind,parent_code\nSKHCN,Sở,province,department,\n", "40")


def test_fractions_are_read_as_millionths():
    rows = parse_transition_mapping(
        "m.csv", 'old_code,new_code,share,fraction\nA,B,partial,"0,4"\nA,C,partial,60%\nD,E,full,\n', "40"
    )
    assert [row.fraction_ppm for row in rows] == [400_000, 600_000, None]


def test_the_generic_units_format_reads_agencies():
    rows = parse_transition_units(
        "u.csv", "code,name,level,kind,parent_code\nSKHCN40,Sở Khoa học và Công nghệ,agency,department,\n", "40"
    )
    assert rows[0].level == Unit.Level.AGENCY and rows[0].parent_code == "40"


def test_a_transition_after_today_is_previewed_but_not_applied(tree, files, settings):
    settings.APP_TODAY = datetime.date(2025, 6, 30)  # the day before the effective date
    (files / "closures.csv").write_text("code,reason\n4021,Chuyển về tỉnh khác\n", encoding="utf-8")
    make_assignment(tree.commune, due_date=datetime.date(2025, 9, 1))
    units = Unit.objects.count()
    preview = run(files, f"--closures={files / 'closures.csv'}", "--dry-run")
    assert "4011 Xã Diễn Kỷ → 40111 Phường Thành Vinh" in preview
    with pytest.raises(CommandError, match="Chỉ áp dụng được từ ngày hiệu lực 01/07/2025"):
        run(files, f"--closures={files / 'closures.csv'}")
    assert Unit.objects.count() == units and not StructureTransition.objects.exists()
    assert Unit.objects.get(code="4011").is_active
    settings.APP_TODAY = datetime.date(2025, 7, 1)  # on the day it applies
    run(files, f"--closures={files / 'closures.csv'}")
    assert not Unit.objects.get(code="4011", valid_to=datetime.date(2025, 7, 1)).is_active

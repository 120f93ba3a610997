"""The readers of the reform files: every bad row stops the reading with the file, the line and a
Vietnamese reason, before anything is written."""

from pathlib import Path

import pytest
from django.conf import settings

from units.loaders import (
    DataFileError,
    admin_units_2024,
    read_admin_units,
    read_admin_units_2025,
    read_commune_changes_2024,
    read_commune_mergers_2024,
    read_province_merges,
    read_reform_2025,
)
from units.models import Unit

DATA = Path(settings.BASE_DIR) / "data"
H2025 = "province_code,province_name,province_kind,commune_code,commune_name,commune_kind\n"
HMERGE = "new_province_code,new_province_name,old_province_code,old_province_name\n"
HREFORM = (
    "old_province_code,old_commune_code,old_commune_name,new_province_code,new_commune_code,new_commune_name,share\n"
)
HCHANGES = (
    "commune_code,name_2023,district_code_2023,district_name_2023,name_2025-03,district_code_2025-03,"
    "district_name_2025-03,status\n"
)
HMERGERS = (
    "old_commune_code,old_commune_name,old_district_code,merged_into_code,merged_into_name,resolution,source,"
    "confidence,notes\n"
)
ROW_2025 = "40,Tỉnh Nghệ An,province,16681,Phường Thành Vinh,ward\n"
MERGER = "16684,Phường Đội Cung,412,,,1243,src,low/unresolved,notes\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("reader", "text", "message"),
    [
        (read_admin_units_2025, H2025 + ROW_2025 + "40,Tỉnh Nghệ An,province,1668,Phường X,ward\n", "dòng 3"),
        (read_admin_units_2025, H2025 + "40,Tỉnh Nghệ An,province,16681,Phường X,hamlet\n", "hamlet"),
        (read_admin_units_2025, H2025 + ROW_2025 + ROW_2025, "16681"),
        (read_admin_units_2025, H2025 + "40,Tỉnh Nghệ An,province,16681,,ward\n", "dòng 2"),
        (read_admin_units_2025, "province_code,province_name\n40,Tỉnh Nghệ An\n", "commune_code"),
        (
            read_province_merges,
            HMERGE + "08,Tỉnh Tuyên Quang,02,Tỉnh Hà Giang\n08,Tỉnh Tuyên Quang,02,Tỉnh Hà Giang\n",
            "dòng 3",
        ),
        (read_province_merges, HMERGE + "8,Tỉnh Tuyên Quang,02,Tỉnh Hà Giang\n", "dòng 2"),
        (read_province_merges, HMERGE, "không có tỉnh"),
        (
            lambda p: read_reform_2025(p, "40"),
            HREFORM + "40,16663,Phường Đông Vĩnh,40,16681,Phường Thành Vinh,most\n",
            "most",
        ),
        (
            lambda p: read_reform_2025(p, "40"),
            HREFORM + "40,17647,Xã Hòa Sơn,40,17357,Xã Vĩnh Tường,partial\n",
            "dòng 2",
        ),
        (
            lambda p: read_reform_2025(p, "40"),
            HREFORM + "40,17647,Xã Hòa Sơn,40,17357,Xã A,full\n40,17647,Xã Hòa Sơn,40,17677,Xã B,partial\n",
            "dòng 3",
        ),
        (lambda p: read_reform_2025(p, "40"), HREFORM + "42,18070,Xã X,42,18070,Xã X,full\n", "40"),
        (read_commune_changes_2024, HCHANGES + "16702,Xã Nghi Phú,412,Thành phố Vinh,,,,renamed\n", "dòng 2"),
        (read_commune_changes_2024, HCHANGES + "16702,Xã Nghi Phú,412,Thành phố Vinh,,,,vanished\n", "vanished"),
        (
            read_commune_changes_2024,
            HCHANGES + "16702,Xã Nghi Phú,412,Thành phố Vinh,Ấp Nghi Phú,412,Thành phố Vinh,renamed\n",
            "Ấp",
        ),
        (read_commune_mergers_2024, HMERGERS + MERGER + MERGER, "dòng 3"),
        (read_commune_mergers_2024, HMERGERS + "16963,Xã Nghĩa Thọ,419,,,1243,src,medium (inferred),\n", "dòng 2"),
        (read_commune_mergers_2024, HMERGERS + "16963,Xã Nghĩa Thọ,419,16969,,1243,src,low/unresolved,\n", "dòng 2"),
        (read_commune_mergers_2024, HMERGERS + "16963,Xã Nghĩa Thọ,419,16969,,1243,src,high,\n", "high"),
    ],
)
def test_a_bad_row_is_named_by_file_and_line_in_vietnamese(tmp_path, reader, text, message):
    path = write(tmp_path, "reform.csv", text)
    with pytest.raises(DataFileError) as error:
        reader(path)
    assert "reform.csv" in str(error.value) and message in str(error.value)


def test_the_real_files_are_read_and_nghe_an_2024_agrees_with_the_2025_mapping():
    rows_2023 = read_admin_units(DATA / "vn_admin_units_2023-04-10.csv", "40")
    changes_file = DATA / "nghe_an_communes_2023_vs_2025-03.csv"
    mergers = read_commune_mergers_2024(DATA / "nghe_an_communes_2024_mergers.csv")
    rows_2024 = admin_units_2024(rows_2023, read_commune_changes_2024(changes_file), mergers, path=changes_file)
    communes = {row.code: row for row in rows_2024 if row.level == Unit.Level.COMMUNE}
    assert len(communes) == 412
    assert len([row for row in rows_2024 if row.level == Unit.Level.DISTRICT]) == 20
    assert len([m for m in mergers if m.merged_into is None]) == 19
    # The old side of the 2025 mapping is exactly Nghệ An's 2024 state, names included.
    reform = read_reform_2025(DATA / "vn_admin_reform_2025-07-01.csv", "40")
    assert {row.old_code: row.old_name for row in reform} == {code: row.name for code, row in communes.items()}
    assert len({row.new_code for row in reform}) == 130
    assert [row.new_code for row in reform if row.share == "partial"] == ["17357", "17677", "17464", "17827"]
    rows_2025 = read_admin_units_2025(DATA / "vn_admin_units_2025-07-01.csv", "40")["40"]
    assert {row.code for row in rows_2025[1:]} == {row.new_code for row in reform}
    assert all(row.parent_code == "40" for row in rows_2025[1:])


def test_the_files_must_agree_with_each_other(tmp_path):
    rows_2023 = read_admin_units(DATA / "vn_admin_units_2023-04-10.csv", "40")
    changes = write(
        tmp_path, "changes.csv", HCHANGES + "16684,Phường Đội Cung,413,Thị xã Cửa Lò,,,,removed_in_2025-03\n"
    )
    mergers = read_commune_mergers_2024(write(tmp_path, "mergers.csv", HMERGERS + MERGER))
    with pytest.raises(DataFileError, match=r"changes.csv, dòng 2.*16684"):
        admin_units_2024(rows_2023, read_commune_changes_2024(changes), mergers, path=changes)
    changes = write(tmp_path, "changes.csv", HCHANGES)
    with pytest.raises(DataFileError, match="16684"):  # a merger of a commune that was not removed
        admin_units_2024(rows_2023, read_commune_changes_2024(changes), mergers, path=changes)

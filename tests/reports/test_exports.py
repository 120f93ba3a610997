import datetime
import re
from decimal import Decimal
from io import BytesIO
from urllib.parse import quote

import openpyxl
import pytest

from reports.exports import Column, build_workbook, overview_columns, overview_rows, safe_text, xlsx_response
from reports.selectors import StatusBreakdown

REPORT_DATE = datetime.date(2023, 6, 20)

COLUMNS = [
    Column("Đơn vị", width=30),
    Column("Số hồ sơ", kind="int"),
    Column("Tỷ lệ", kind="percent"),
    Column("Hạn", kind="date"),
    Column("Cập nhật", kind="datetime"),
    Column("Điểm", kind="decimal"),
]

ROW = [
    "UBND xã A",
    1269779,
    0.873,
    datetime.date(2023, 6, 30),
    datetime.datetime(2023, 6, 20, 2, 0, tzinfo=datetime.UTC),
    Decimal("7.25"),
]

FORMULA_LIKE = ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x","y")']


def open_sheet(content):
    return openpyxl.load_workbook(BytesIO(content)).active


def build(rows, columns=COLUMNS, **kwargs):
    kwargs.setdefault("title", "Tiến độ Đề án 06")
    kwargs.setdefault("report_date", REPORT_DATE)
    return build_workbook(columns=columns, rows=rows, **kwargs)


@pytest.fixture
def sheet():
    return open_sheet(build([ROW]))


def test_it_shows_the_title_merged_across_the_columns(sheet):
    assert sheet["A1"].value == "Tiến độ Đề án 06"
    assert sheet["A1"].font.b
    assert "A1:F1" in {str(r) for r in sheet.merged_cells.ranges}


def test_it_shows_the_report_date_as_dd_mm_yyyy(sheet):
    assert sheet["A2"].value == "Ngày báo cáo: 20/06/2023"
    assert sheet["A3"].value is None


def test_it_appends_the_subtitle_to_the_date_line():
    sheet = open_sheet(build([ROW], subtitle="Tỉnh Hà Nam"))
    assert sheet["A2"].value == "Ngày báo cáo: 20/06/2023 · Tỉnh Hà Nam"


def test_it_shows_bold_headers_in_row_4_with_the_column_widths(sheet):
    assert [c.value for c in sheet[4]] == [c.header for c in COLUMNS]
    assert all(c.font.b for c in sheet[4])
    assert sheet["A4"].alignment.wrap_text
    # Widths in characters, plus the padding Excel adds to each column.
    assert sheet.column_dimensions["A"].width == pytest.approx(30, abs=1)
    assert sheet.column_dimensions["B"].width == pytest.approx(18, abs=1)


def test_it_keeps_the_headers_visible_and_filterable(sheet):
    assert sheet.freeze_panes == "A5"
    assert sheet.auto_filter.ref == "A4:F5"


def test_it_names_the_sheet():
    assert open_sheet(build([ROW])).title == "Báo cáo"
    assert open_sheet(build([ROW], sheet_name="Đơn vị chậm")).title == "Đơn vị chậm"
    # Excel forbids []:*?/\ and more than 31 characters in a sheet name.
    long_name = "Q2/2023: chậm tiến độ " + "x" * 40
    assert open_sheet(build([ROW], sheet_name=long_name)).title == "Q2 2023  chậm tiến độ xxxxxxxxx"


def test_it_stores_counts_as_numbers(sheet):
    cell = sheet["B5"]
    assert cell.data_type == "n"
    assert cell.value == 1269779
    assert cell.number_format == "#,##0"


def test_it_stores_rates_as_fractions_shown_as_percent(sheet):
    cell = sheet["C5"]
    assert cell.data_type == "n"
    assert cell.value == pytest.approx(0.873)
    assert cell.number_format == "0.0%"


def test_it_stores_decimals_as_numbers(sheet):
    cell = sheet["F5"]
    assert cell.data_type == "n"
    assert cell.value == pytest.approx(7.25)
    assert cell.number_format == "#,##0.0"


def test_it_stores_dates_as_real_dates(sheet):
    cell = sheet["D5"]
    assert cell.is_date
    assert cell.value == datetime.datetime(2023, 6, 30)
    assert cell.number_format == "DD/MM/YYYY"


def test_it_shows_aware_datetimes_in_vietnam_time(sheet):
    cell = sheet["E5"]
    assert cell.is_date
    assert cell.value == datetime.datetime(2023, 6, 20, 9, 0)
    assert cell.number_format == "DD/MM/YYYY HH:MM"


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_it_never_turns_text_into_a_formula(text):
    sheet = open_sheet(build([[text, None, None, None, None, None]]))
    cell = sheet["A5"]
    assert isinstance(cell.value, str)
    assert cell.data_type == "s"
    assert cell.value.startswith("'")
    # The file stores a carriage return as the OOXML escape _x000D_, which Excel and LibreOffice
    # decode (openpyxl, reading it here, does not).
    assert re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), cell.value) == "'" + text
    assert safe_text(text) == "'" + text


def test_it_has_no_formula_anywhere_in_the_workbook():
    rows = [[text, text, text, text, text, text] for text in FORMULA_LIKE]
    content = build(rows, title="=1+2", subtitle="=3+4", columns=[Column(f"=H{i}") for i in range(6)])
    sheet = open_sheet(content)
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert len(cells) > len(FORMULA_LIKE) * 6
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert sheet["A1"].value == "'=1+2"
    assert sheet["A4"].value == "'=H0"


def test_it_also_protects_numeric_columns_from_formulas():
    sheet = open_sheet(build([["x", "=1+2", "=1+2", "=1+2", "=1+2", "=1+2"]]))
    assert [c.value for c in sheet[5]][1:] == ["'=1+2"] * 5
    assert {c.data_type for c in sheet[5]} == {"s"}


def test_it_leaves_an_equals_sign_in_the_middle_untouched():
    sheet = open_sheet(build([["a=b", None, None, None, None, None]]))
    assert sheet["A5"].value == "a=b"
    assert sheet["A5"].data_type == "s"


def test_it_writes_a_wrong_kind_value_as_safe_text():
    row = ["x", "không rõ", "-5%", "30/06/2023", datetime.date(2023, 6, 30), True]
    sheet = open_sheet(build([row]))
    assert [c.value for c in sheet[5]] == ["x", "không rõ", "'-5%", "30/06/2023", "2023-06-30", "True"]
    assert {c.data_type for c in sheet[5]} == {"s"}


def test_it_leaves_none_values_empty():
    sheet = open_sheet(build([[None] * 6, ROW]))
    assert [c.value for c in sheet[5]] == [None] * 6
    assert sheet.auto_filter.ref == "A4:F6"


def test_it_builds_an_empty_table():
    sheet = open_sheet(build([]))
    assert [c.value for c in sheet[4]] == [c.header for c in COLUMNS]
    assert sheet.max_row == 4
    assert sheet.auto_filter.ref == "A4:F4"


def test_it_drops_characters_excel_cannot_hold():
    assert safe_text("a\x00b\x07c") == "abc"
    # A hidden control character cannot smuggle a leading "=" past the check.
    assert safe_text("\x01=1+2") == "'=1+2"
    sheet = open_sheet(build([["\x01=1+2", None, None, None, None, None]]))
    assert sheet["A5"].value == "'=1+2"


def test_it_refuses_rows_that_do_not_match_the_columns():
    with pytest.raises(ValueError, match="Row 2"):
        build([ROW, ROW[:-1]])


def test_it_refuses_an_unknown_column_kind():
    with pytest.raises(ValueError, match="money"):
        Column("Tiền", kind="money")


def test_it_downloads_as_an_xlsx_attachment():
    content = build([ROW])
    response = xlsx_response(filename="Báo cáo đơn vị chậm 20-06-2023.xlsx", content=content)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="Bao_cao_don_vi_cham_20-06-2023.xlsx"' in disposition
    assert "filename*=UTF-8''" + quote("Báo cáo đơn vị chậm 20-06-2023.xlsx", safe="") in disposition
    assert "%C4%91%C6%A1n" in disposition  # "đơn" percent-encoded as UTF-8
    assert open_sheet(response.content)["A1"].value == "Tiến độ Đề án 06"


def test_it_names_the_download_safely():
    response = xlsx_response(filename='../"báo cáo"\r\nX-Evil: 1', content=b"")
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition
    assert "\n" not in disposition
    assert 'filename="bao_cao_X-Evil_1.xlsx"' in disposition
    assert "filename*=UTF-8''_%22b%C3%A1o%20c%C3%A1o%22_X-Evil%3A%201.xlsx" in disposition


def test_it_builds_a_large_table():
    rows = (
        [f"Đơn vị {i}", i, i / 20000, REPORT_DATE, datetime.datetime(2023, 6, 20, tzinfo=datetime.UTC), i / 3, "x", i]
        for i in range(20000)
    )
    columns = [*COLUMNS, Column("Ghi chú"), Column("Mã", kind="int")]
    content = build(rows, columns=columns)
    sheet = openpyxl.load_workbook(BytesIO(content), read_only=True).active
    assert sheet.max_row == 4 + 20000
    assert sheet.cell(row=20004, column=8).value == 19999


def test_the_overview_rows_are_built_without_a_request_one_per_district_level_and_document():
    counts = {
        "overdue": 1,
        "due_soon": 0,
        "not_due": 1,
        "no_deadline": 0,
        "done_on_time": 2,
        "done_late": 0,
        "total": 4,
    }
    breakdown = StatusBreakdown(
        province=counts,
        by_level=[{**counts, "label": "Cấp xã"}],
        by_area=[{**counts, "name": "Huyện A"}, {**counts, "name": "Huyện B"}],
        by_document=[{**counts, "number": "06/QĐ-TTg"}],
    )

    rows = overview_rows(breakdown)

    assert [row[1] for row in rows] == ["Huyện A", "Huyện B", "Cấp xã", "06/QĐ-TTg"]
    assert all(len(row) == len(overview_columns()) for row in rows)
    assert rows[0][-2:] == [4, 2 / 3]  # the total, then done on time out of those whose deadline has come

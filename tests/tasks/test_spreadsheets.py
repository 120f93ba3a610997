"""Spreadsheet imports: what the secretariat's file is read as, and what is refused before it is opened."""

import datetime
import io
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tasks.spreadsheets import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    MatchError,
    Table,
    UnitMatcher,
    check_import_file,
    missing_columns,
    parse_date,
    parse_int,
    read_table,
    unit_key,
)
from tests.factories import make_unit
from units.models import Unit

COLUMNS = {
    "code": ("mã đơn vị", "ma dv", "code"),
    "name": ("tên đơn vị", "đơn vị"),
    "date": ("ngày", "ngày báo cáo"),
    "value": ("giá trị", "số lượng", "lũy kế"),
}
HEADER = ["Mã đơn vị", "Tên đơn vị", "Ngày báo cáo", "Lũy kế"]
MARCH_5 = datetime.datetime(2026, 3, 5)


def workbook_bytes(*sheets: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for number, rows in enumerate(sheets):
        sheet = workbook.active if number == 0 else workbook.create_sheet(f"Sheet{number + 1}")
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_file(rows: list[list], name: str = "so-lieu.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, workbook_bytes(rows))


def csv_file(text: str, name: str = "so-lieu.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode())


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def xlsx_members() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(workbook_bytes([HEADER, ["16663", "Xã Diễn Kỷ", MARCH_5, 1]]))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def refusal(call, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value


class UnreadableBytes(io.BytesIO):
    def read(self, size: int | None = -1) -> bytes:
        raise AssertionError("the content was read")


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """200 MB of zeros in a ZIP of a few hundred KB, written without holding the 200 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("xl/zeros.bin", "w") as member:
        zeros = bytes(1024 * 1024)
        for _ in range(200):
            member.write(zeros)
    assert len(buffer.getvalue()) < MAX_IMPORT_BYTES
    return buffer.getvalue()


@pytest.fixture
def workbook_never_opened(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(openpyxl, "load_workbook", fail)


# Reading a workbook.


def test_it_reads_every_row_of_a_workbook_with_the_row_numbers_excel_shows():
    rows = [[f"{16000 + n}", f"Xã Thử {n}", MARCH_5, 1000 + n] for n in range(460)]
    rows[1][3] = 12.5

    table = read_table(xlsx_file([HEADER, *rows]), columns=COLUMNS)

    assert len(table.rows) == 460
    assert table.header_row == 1
    assert table.headers == HEADER
    assert table.rows[0] == (2, {"code": "16000", "name": "Xã Thử 0", "date": MARCH_5, "value": 1000})
    assert table.rows[1][1]["value"] == 12.5
    assert table.rows[-1] == (461, {"code": "16459", "name": "Xã Thử 459", "date": MARCH_5, "value": 1459})
    assert parse_date(table.rows[0][1]["date"]) == datetime.date(2026, 3, 5)


def test_it_finds_the_header_below_the_title_of_the_report():
    table = read_table(
        xlsx_file(
            [
                ["BÁO CÁO SỐ TÀI KHOẢN ĐỊNH DANH ĐIỆN TỬ ĐÃ KÍCH HOẠT"],
                ["(Số liệu tính đến ngày 05/03/2026)"],
                HEADER,
                ["16663", "Xã Diễn Kỷ", MARCH_5, 1269],
                ["16666", "Xã Diễn Hoa", MARCH_5, 980],
            ]
        ),
        columns=COLUMNS,
    )

    assert table.header_row == 3
    assert [number for number, _row in table.rows] == [4, 5]
    assert table.rows[0][1]["name"] == "Xã Diễn Kỷ"


@pytest.mark.parametrize("code_header", ["MÃ ĐƠN VỊ", "ma don vi", "Mã đơn vị", " Mã ĐV: "])
def test_it_reads_a_column_whatever_the_accents_and_case_of_its_header(code_header):
    table = read_table(
        xlsx_file(
            [
                ["STT", code_header, "Tên đơn vị", "Ghi chú", "LŨY KẾ"],
                [1, "16663", "Xã Diễn Kỷ", "đủ", 1269],
                [],
                [None, None, None, None, None],
                [3],  # a numbered row of the template, left empty
                [4, "16666", "Xã Diễn Hoa", "", 980],
            ]
        ),
        columns=COLUMNS,
    )

    assert table.headers == ["STT", code_header.strip(), "Tên đơn vị", "Ghi chú", "LŨY KẾ"]
    assert table.columns == {"code": code_header.strip(), "name": "Tên đơn vị", "value": "LŨY KẾ"}
    assert table.rows == [
        (2, {"code": "16663", "name": "Xã Diễn Kỷ", "value": 1269}),
        (6, {"code": "16666", "name": "Xã Diễn Hoa", "value": 980}),
    ]


def test_it_reads_the_first_sheet_even_when_another_one_is_open():
    workbook = openpyxl.load_workbook(
        io.BytesIO(workbook_bytes([HEADER, ["16663", "Xã Diễn Kỷ", MARCH_5, 1]], [HEADER, ["1", "Khác", MARCH_5, 2]]))
    )
    workbook.active = 1
    buffer = io.BytesIO()
    workbook.save(buffer)

    table = read_table(SimpleUploadedFile("so-lieu.xlsx", buffer.getvalue()), columns=COLUMNS)

    assert [row["name"] for _number, row in table.rows] == ["Xã Diễn Kỷ"]


def test_it_never_evaluates_a_formula():
    # openpyxl saves a formula without the value Excel would have computed: it reads as empty.
    table = read_table(xlsx_file([HEADER, ["16663", "Xã Diễn Kỷ", MARCH_5, "=1+2"]]), columns=COLUMNS)

    assert table.rows == [(2, {"code": "16663", "name": "Xã Diễn Kỷ", "date": MARCH_5, "value": None})]


def test_it_tells_which_columns_are_missing():
    table = read_table(xlsx_file([["Tên đơn vị", "Ghi chú"], ["Xã Diễn Kỷ", ""]]), columns=COLUMNS)

    assert missing_columns(table, [{"code", "name"}, {"date"}, {"value"}]) == ["date", "value"]
    assert missing_columns(Table(headers=[], rows=[]), [("code", "name")]) == ["code / name"]


def test_it_refuses_two_columns_that_mean_the_same_thing():
    error = refusal(read_table, xlsx_file([["Mã đơn vị", "Code", "Lũy kế"], ["16663", "16666", 1]]), columns=COLUMNS)

    assert error.code == "duplicate_column"
    assert "“Mã đơn vị”" in error.messages[0]
    assert "“Code”" in error.messages[0]


def test_it_refuses_a_sheet_without_the_expected_header():
    error = refusal(read_table, xlsx_file([["Họ và tên", "Số điện thoại"], ["Nguyễn Văn A", "0912"]]), columns=COLUMNS)

    assert error.code == "no_header"
    assert "so-lieu.xlsx" in error.messages[0]


def test_it_refuses_a_damaged_workbook():
    members = xlsx_members()
    members["xl/workbook.xml"] = b"<workbook>not closed"

    error = refusal(read_table, SimpleUploadedFile("so-lieu.xlsx", zip_bytes(members)), columns=COLUMNS)

    assert error.code == "corrupt"
    assert "so-lieu.xlsx" in error.messages[0]


# Reading a CSV.


@pytest.mark.parametrize(
    "text",
    [
        "\ufeffMã đơn vị;Tên đơn vị;Ngày;Lũy kế\r\n16663;Xã Diễn Kỷ, Diễn Châu;05/03/2026;1.269.779\r\n",
        'Mã đơn vị,Tên đơn vị,Ngày,Lũy kế\n16663,"Xã Diễn Kỷ, Diễn Châu",05/03/2026,"1.269.779"\n',
        '\ufeffMã đơn vị,Tên đơn vị,Ngày,Lũy kế\n16663,"Xã Diễn Kỷ, Diễn Châu",05/03/2026,"1.269.779"\n',
    ],
    ids=["semicolons-bom", "commas", "commas-bom"],
)
def test_it_reads_a_csv_with_commas_or_semicolons(text):
    table = read_table(csv_file(text), columns=COLUMNS)

    assert table.headers == ["Mã đơn vị", "Tên đơn vị", "Ngày", "Lũy kế"]
    assert table.rows == [
        (2, {"code": "16663", "name": "Xã Diễn Kỷ, Diễn Châu", "date": "05/03/2026", "value": "1.269.779"})
    ]


def test_it_numbers_csv_rows_as_excel_does_when_a_cell_holds_a_line_break():
    text = 'Mã đơn vị,Tên đơn vị\n16663,"Xã Diễn Kỷ\n(Diễn Châu)"\n\n16666,Xã Diễn Hoa\n'

    table = read_table(csv_file(text), columns=COLUMNS)

    assert [(number, row["code"]) for number, row in table.rows] == [(2, "16663"), (4, "16666")]


def test_it_refuses_a_csv_saved_in_a_windows_code_page():
    uploaded = SimpleUploadedFile("so-lieu.csv", "Mã;Tên\n16663;Xã\n".encode("latin-1"))

    error = refusal(check_import_file, uploaded)

    assert error.code == "bad_content"
    assert "so-lieu.csv" in error.messages[0]
    assert "CSV UTF-8" in error.messages[0]


def test_it_refuses_a_csv_that_stops_being_utf8_after_its_beginning():
    text = "Mã đơn vị;Lũy kế\n" + "".join(f"{16000 + n};{n}\n" for n in range(10_000))
    uploaded = SimpleUploadedFile("so-lieu.csv", text.encode() + "16663;Xã Diễn Kỷ\n".encode("cp1252", "replace"))
    assert len(uploaded.read()) > 64 * 1024

    assert check_import_file(uploaded) == "csv"
    assert refusal(read_table, uploaded, columns=COLUMNS).code == "bad_content"


def test_it_refuses_a_binary_file_named_csv():
    uploaded = SimpleUploadedFile("so-lieu.csv", b"Ma don vi;Luy ke\n16663;1\x00\x00\n")

    assert refusal(check_import_file, uploaded).code == "bad_content"


# Cells.


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("05/03/2026", datetime.date(2026, 3, 5)),
        ("5/3/2026", datetime.date(2026, 3, 5)),
        (" 05-03-2026 ", datetime.date(2026, 3, 5)),
        ("2026-03-05", datetime.date(2026, 3, 5)),
        (datetime.datetime(2026, 3, 5, 17, 30), datetime.date(2026, 3, 5)),
        (datetime.date(2026, 3, 5), datetime.date(2026, 3, 5)),
    ],
)
def test_it_reads_dates_day_first(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["31/02/2026", "03/15/2026", "hôm qua", "05/03/26", "", None, 46086, "05/03-2026"])
def test_it_refuses_what_is_not_a_date_rather_than_guess(value):
    with pytest.raises(ValueError):
        parse_date(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.269.779", 1_269_779),
        (1269779.0, 1_269_779),
        (1269779, 1_269_779),
        ("1 269 779", 1_269_779),
        ("1\u00a0269\u00a0779", 1_269_779),
        ("1269779", 1_269_779),
        (" 980 ", 980),
        ("1.234", 1234),
        ("0", 0),
        ("-5", -5),
    ],
)
def test_it_reads_whole_numbers_as_vietnamese_write_them(value, expected):
    assert parse_int(value) == expected


@pytest.mark.parametrize(
    "value", ["12,5", "12.5", "1.2345", "1.269 779", "1,269,779", "abc", "", None, 12.5, True, float("nan")]
)
def test_it_refuses_what_is_not_a_whole_number(value):
    with pytest.raises(ValueError):
        parse_int(value)


# Units.


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("UBND xã Diễn Kỷ", "dien ky"),
        ("Ủy ban nhân dân xã Diễn Kỷ.", "dien ky"),
        ("Xã Diễn Kỷ", "dien ky"),
        ("dien  ky", "dien ky"),
        ("Thị trấn Diễn Châu", "dien chau"),
        ("Huyện Diễn Châu", "dien chau"),
        ("Thành phố Vinh", "vinh"),
        ("Phường Quán Bàu", "quan bau"),
        ("Xã Xá Lượng", "xa luong"),
        ("Xá Lượng", "xa luong"),
    ],
)
def test_it_compares_unit_names_without_prefix_accents_or_case(name, key):
    assert unit_key(name) == key


def units_of_nghe_an() -> dict[str, Unit]:
    """Unsaved units: the matcher needs no database."""
    province = Unit(code="40", name="Tỉnh Nghệ An", level=Unit.Level.PROVINCE)
    dien_chau = Unit(code="414", name="Huyện Diễn Châu", level=Unit.Level.DISTRICT, parent=province)
    hung_nguyen = Unit(code="424", name="Huyện Hưng Nguyên", level=Unit.Level.DISTRICT, parent=province)
    tuong_duong = Unit(code="410", name="Huyện Tương Dương", level=Unit.Level.DISTRICT, parent=province)
    quan_bau = Unit(code="16675", name="Phường Quán Bàu", level=Unit.Level.COMMUNE, parent=province)
    return {
        "province": province,
        "dien_chau": dien_chau,
        "hung_nguyen": hung_nguyen,
        "dien_ky": Unit(code="16663", name="Xã Diễn Kỷ", level=Unit.Level.COMMUNE, parent=dien_chau),
        "dien_chau_town": Unit(code="16627", name="Thị trấn Diễn Châu", level=Unit.Level.COMMUNE, parent=dien_chau),
        "hung_tay_dc": Unit(code="16700", name="Xã Hưng Tây", level=Unit.Level.COMMUNE, parent=dien_chau),
        "hung_tay_hn": Unit(code="17950", name="Xã Hưng Tây", level=Unit.Level.COMMUNE, parent=hung_nguyen),
        "xa_luong": Unit(code="16520", name="Xã Xá Lượng", level=Unit.Level.COMMUNE, parent=tuong_duong),
        "quan_bau": quan_bau,
    }


@pytest.mark.parametrize("name", ["UBND xã Diễn Kỷ", "Xã Diễn Kỷ", "dien ky", "XÃ DIỄN KỶ"])
def test_it_finds_a_commune_however_its_name_is_written(name):
    units = units_of_nghe_an()

    assert UnitMatcher(units.values()).match(code=None, name=name) is units["dien_ky"]


@pytest.mark.parametrize("code", ["16663", " 16663 ", 16663, 16663.0])
def test_it_finds_a_unit_by_its_code_before_its_name(code):
    units = units_of_nghe_an()

    assert UnitMatcher(units.values()).match(code=code, name="Xã Hưng Tây") is units["dien_ky"]


def test_it_does_not_take_a_name_for_a_prefix():
    units = units_of_nghe_an()
    matcher = UnitMatcher(units.values())

    assert matcher.match(code=None, name="Xá Lượng") is units["xa_luong"]
    assert matcher.match(code=None, name="xa luong") is units["xa_luong"]
    assert matcher.match(code=None, name="Quán Bàu") is units["quan_bau"]


def test_it_tells_a_township_from_the_district_of_the_same_name():
    units = units_of_nghe_an()
    matcher = UnitMatcher(units.values())

    assert matcher.match(code=None, name="Thị trấn Diễn Châu") is units["dien_chau_town"]
    assert matcher.match(code=None, name="UBND huyện Diễn Châu") is units["dien_chau"]
    with pytest.raises(MatchError) as caught:
        matcher.match(code=None, name="Diễn Châu")
    assert caught.value.kind == "ambiguous"
    assert caught.value.candidates == [units["dien_chau"], units["dien_chau_town"]]


def test_it_names_an_unknown_unit():
    matcher = UnitMatcher(units_of_nghe_an().values())

    with pytest.raises(MatchError) as by_name:
        matcher.match(code=None, name="Xã Không Có")
    with pytest.raises(MatchError) as by_code:
        matcher.match(code="99999", name="Xã Diễn Kỷ")

    assert (by_name.value.kind, by_name.value.value) == ("unknown", "Xã Không Có")
    assert (by_code.value.kind, by_code.value.value) == ("unknown", "99999")


def test_it_does_not_guess_between_two_communes_of_the_same_name():
    units = units_of_nghe_an()

    with pytest.raises(MatchError) as caught:
        UnitMatcher(units.values()).match(code=None, name="Xã Hưng Tây", parent_hint="Huyện Nghi Lộc")

    assert caught.value.kind == "ambiguous"
    assert caught.value.candidates == [units["hung_tay_dc"], units["hung_tay_hn"]]


@pytest.mark.parametrize("hint", ["Hưng Nguyên", "Huyện Hưng Nguyên", "hung nguyen", "424"])
def test_it_tells_two_communes_of_the_same_name_apart_by_their_district(hint):
    units = units_of_nghe_an()

    assert UnitMatcher(units.values()).match(code=None, name="Xã Hưng Tây", parent_hint=hint) is units["hung_tay_hn"]


def test_it_matches_units_from_the_database_without_a_query_per_row(db, django_assert_num_queries):
    province = make_unit(code="40", name="Tỉnh Nghệ An")
    dien_chau = make_unit(parent=province, code="414", name="Huyện Diễn Châu")
    hung_nguyen = make_unit(parent=province, code="424", name="Huyện Hưng Nguyên")
    make_unit(parent=dien_chau, code="16700", name="Xã Hưng Tây")
    hung_tay = make_unit(parent=hung_nguyen, code="17950", name="Xã Hưng Tây")
    matcher = UnitMatcher(Unit.objects.all())

    with django_assert_num_queries(0):
        assert matcher.match(code=None, name="UBND xã Hưng Tây", parent_hint="Hưng Nguyên") == hung_tay


# Files refused before they are read.


def test_it_refuses_a_file_over_10_mb_without_reading_it():
    uploaded = SimpleUploadedFile("so-lieu.xlsx", bytes(MAX_IMPORT_BYTES + 1))
    assert uploaded.size == MAX_IMPORT_BYTES + 1
    uploaded.file = UnreadableBytes()

    error = refusal(read_table, uploaded, columns=COLUMNS)

    assert error.code == "too_large"
    assert "so-lieu.xlsx" in error.messages[0]
    assert "10 MB" in error.messages[0]


def test_it_refuses_an_empty_file():
    assert refusal(check_import_file, SimpleUploadedFile("so-lieu.csv", b"")).code == "empty"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("so-lieu.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)),
        ("so-lieu.xlsm", workbook_bytes([HEADER])),
        ("so-lieu.ods", b"PK\x03\x04" + bytes(64)),
        ("so-lieu.txt", b"Ma don vi;Luy ke\n"),
        ("so-lieu", workbook_bytes([HEADER])),
    ],
)
def test_it_refuses_other_kinds_of_files_by_their_name(name, content):
    error = refusal(check_import_file, SimpleUploadedFile(name, content))

    assert error.code == "bad_extension"
    assert name in error.messages[0]


def test_it_refuses_a_text_file_named_xlsx(workbook_never_opened):
    uploaded = SimpleUploadedFile("so-lieu.xlsx", "Mã đơn vị;Lũy kế\n16663;1269\n".encode())

    error = refusal(read_table, uploaded, columns=COLUMNS)

    assert error.code == "bad_content"
    assert "so-lieu.xlsx" in error.messages[0]


def test_it_refuses_a_workbook_with_macros(workbook_never_opened):
    members = xlsx_members()
    members["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 not really a macro"

    error = refusal(read_table, SimpleUploadedFile("so-lieu.xlsx", zip_bytes(members)), columns=COLUMNS)

    assert error.code == "macro"
    assert "so-lieu.xlsx" in error.messages[0]


def test_it_refuses_a_zip_bomb_named_xlsx_without_opening_it(zip_bomb, workbook_never_opened):
    error = refusal(read_table, SimpleUploadedFile("so-lieu.xlsx", zip_bomb), columns=COLUMNS)

    assert error.code == "archive_too_large"
    assert "so-lieu.xlsx" in error.messages[0]


def test_it_refuses_a_zip_bomb_in_little_memory(zip_bomb):
    uploaded = SimpleUploadedFile("so-lieu.xlsx", zip_bomb)
    tracemalloc.start()
    try:
        error = refusal(read_table, uploaded, columns=COLUMNS)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert error.code == "archive_too_large"
    assert peak < 20 * 1024 * 1024


def test_it_refuses_more_rows_than_it_reads_and_stops_there():
    rows = "".join(f"{16000 + n};Xã Thử {n};{n}\n" for n in range(MAX_IMPORT_ROWS + 10_000))
    # Bytes that are not UTF-8 far below the last row allowed: reading them would be another error.
    content = f"Mã đơn vị;Tên đơn vị;Lũy kế\n{rows}".encode() + b"\xff\xfe\xff\n"

    error = refusal(read_table, SimpleUploadedFile("so-lieu.csv", content), columns=COLUMNS)

    assert error.code == "too_many_rows"
    assert "20.000" in error.messages[0]


def test_it_reads_as_many_rows_as_allowed():
    rows = "".join(f"{16000 + n};Xã Thử {n};{n}\n" for n in range(MAX_IMPORT_ROWS))

    table = read_table(csv_file(f"Mã đơn vị;Tên đơn vị;Lũy kế\n{rows}"), columns=COLUMNS)

    assert len(table.rows) == MAX_IMPORT_ROWS
    assert table.rows[-1] == (MAX_IMPORT_ROWS + 1, {"code": "35999", "name": "Xã Thử 19999", "value": "19999"})


def test_it_refuses_too_many_rows_in_a_workbook():
    rows = [[f"{16000 + n}", f"Xã Thử {n}", MARCH_5, n] for n in range(6)]

    assert refusal(read_table, xlsx_file([HEADER, *rows]), columns=COLUMNS, max_rows=5).code == "too_many_rows"
    assert len(read_table(xlsx_file([HEADER, *rows[:5]]), columns=COLUMNS, max_rows=5).rows) == 5


def units_of_ha_noi() -> dict[str, Unit]:
    """Hà Nội's codes: the province 01, the district 001 (Ba Đình), the ward 00001 (Phúc Xá), and the
    ward 00004 (Ba Đình) whose number no other unit of the city has at another width."""
    province = Unit(code="01", name="Thành phố Hà Nội", level=Unit.Level.PROVINCE)
    ba_dinh = Unit(code="001", name="Quận Ba Đình", level=Unit.Level.DISTRICT, parent=province)
    return {
        "province": province,
        "ba_dinh": ba_dinh,
        "phuc_xa": Unit(code="00001", name="Phường Phúc Xá", level=Unit.Level.COMMUNE, parent=ba_dinh),
        "truc_bach": Unit(code="00004", name="Phường Trúc Bạch", level=Unit.Level.COMMUNE, parent=ba_dinh),
    }


@pytest.mark.parametrize("code, unit", [("01", "province"), ("001", "ba_dinh"), ("00001", "phuc_xa")])
def test_codes_written_as_text_are_the_official_strings(code, unit):
    units = units_of_ha_noi()

    assert UnitMatcher(units.values()).match(code=code, name=None) is units[unit]


@pytest.mark.parametrize("code", ["1", "0001", "000001", "4"])
def test_a_text_code_with_other_zeros_is_no_code(code):
    with pytest.raises(MatchError) as caught:
        UnitMatcher(units_of_ha_noi().values()).match(code=code, name="Phường Phúc Xá")

    assert caught.value.kind == "unknown"


@pytest.mark.parametrize("number", [1, 1.0])
def test_a_number_that_could_be_several_codes_is_refused_never_guessed(number):
    units = units_of_ha_noi()

    with pytest.raises(MatchError) as caught:
        UnitMatcher(units.values()).match(code=number, name="Phường Phúc Xá")

    assert caught.value.kind == "ambiguous_number"
    assert {unit.code for unit in caught.value.candidates} == {"01", "001", "00001"}


@pytest.mark.parametrize("number", [4, 4.0])
def test_a_number_that_is_one_code_with_its_zeros_is_taken(number):
    units = units_of_ha_noi()

    assert UnitMatcher(units.values()).match(code=number, name=None) is units["truc_bach"]


@pytest.mark.parametrize("number", [4.5, -4, 1234567])
def test_a_number_that_is_no_code_of_any_width_is_refused(number):
    with pytest.raises(MatchError) as caught:
        UnitMatcher(units_of_ha_noi().values()).match(code=number, name=None)

    assert caught.value.kind in {"not_a_code", "unknown"}

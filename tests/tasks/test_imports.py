"""Importing spreadsheets on the real Nghệ An units: preview, all-or-nothing apply, row errors."""

import datetime
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tasks.models import Assignment, HistoryEntry, ImportRecord, Indicator, IndicatorReport, Target
from tests.conftest import TODAY
from tests.factories import make_document, make_user
from units.loaders import read_admin_units, read_agencies
from units.models import Unit, User
from units.services import unit_tree_load

DATA = Path(settings.BASE_DIR) / "data"


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def nghe_an(db):
    """The real 514 units, an e-ID target for every commune, the secretariat and two district heads."""
    rows = read_admin_units(DATA / "vn_admin_units_2023-04-10.csv", "40")
    unit_tree_load(rows=[rows[0], *read_agencies(DATA / "nghe_an_provincial_units.csv", "40"), *rows[1:]])
    province = Unit.objects.get(code="40")
    indicator = Indicator.objects.create(
        code="DDDT", name="Kích hoạt tài khoản định danh điện tử", unit_of_measure="tk"
    )
    communes = list(Unit.objects.filter(level=Unit.Level.COMMUNE))
    Target.objects.bulk_create(
        [
            Target(
                indicator=indicator,
                unit=c,
                value=3000,
                start_date=datetime.date(2023, 1, 1),
                due_date=datetime.date(2023, 6, 30),
            )
            for c in communes
        ]
    )
    return {
        "province": province,
        "indicator": indicator,
        "communes": communes,
        "secretariat": make_user(Unit.objects.get(code="CAT"), User.Role.SECRETARIAT, username="secretariat"),
        "head_vinh": make_user(Unit.objects.get(code="412"), User.Role.UNIT_HEAD, username="head-412"),
        "head_commune": make_user(Unit.objects.get(code="16663"), User.Role.UNIT_HEAD, username="head-16663"),
    }


def xlsx(rows, headers=("Mã đơn vị", "Tên đơn vị", "Huyện", "Ngày", "Giá trị lũy kế", "Ghi chú"), name="so-lieu.xlsx"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    output = BytesIO()
    workbook.save(output)
    return SimpleUploadedFile(name, output.getvalue())


def upload(client, user, file, kind="figures", indicator=None):
    client.force_login(user)
    data = {"kind": kind, "file": file}
    if indicator:
        data["indicator"] = indicator.pk
    return client.post(reverse("tasks:import_start"), data)


def all_communes_file(world, value=1500, day=TODAY):
    return xlsx([(c.code, c.name, "", day, value, "") for c in world["communes"]])


def seen(client, record) -> str:
    """The fingerprint the record's preview page sends with "Apply" (empty when the page is refused)."""
    page = client.get(reverse("tasks:import_preview", args=[record.pk]))
    return page.context["fingerprint"] if page.status_code == 200 else ""


def apply(client, record, fingerprint=None, **data):
    """Press "Apply" on the record's preview page."""
    fingerprint = seen(client, record) if fingerprint is None else fingerprint
    return client.post(reverse("tasks:import_apply", args=[record.pk]), {"seen": fingerprint, **data})


def test_a_clean_file_of_460_communes_applies_at_once_and_a_second_time_changes_nothing(client, nghe_an):
    response = upload(client, nghe_an["secretariat"], all_communes_file(nghe_an), indicator=nghe_an["indicator"])
    record = ImportRecord.objects.get()
    assert response.url == reverse("tasks:import_preview", args=[record.pk])
    preview = client.get(response.url)
    assert preview.context["counts"] == {"create": 460, "update": 0, "unchanged": 0, "errors": 0}
    assert apply(client, record).status_code == 302
    assert IndicatorReport.objects.filter(as_of=TODAY, value=1500).count() == 460
    assert HistoryEntry.objects.filter(import_record=record).count() == 460
    record.refresh_from_db()
    assert record.status == "applied" and record.counts["create"] == 460

    upload(client, nghe_an["secretariat"], all_communes_file(nghe_an), indicator=nghe_an["indicator"])
    again = ImportRecord.objects.latest("pk")
    assert client.get(reverse("tasks:import_preview", args=[again.pk])).context["counts"]["unchanged"] == 460
    apply(client, again)
    assert IndicatorReport.objects.count() == 460
    assert HistoryEntry.objects.filter(import_record=again).count() == 0


def test_one_bad_row_applies_nothing_and_names_that_row(client, nghe_an):
    rows = [(c.code, c.name, "", TODAY, 1500, "") for c in nghe_an["communes"]]
    rows[99] = (rows[99][0], rows[99][1], "", TODAY, "một nghìn", "")  # spreadsheet row 101
    upload(client, nghe_an["secretariat"], xlsx(rows), indicator=nghe_an["indicator"])
    record = ImportRecord.objects.get()
    preview = client.get(reverse("tasks:import_preview", args=[record.pk]))
    (error,) = preview.context["preview"].errors
    assert (error.row, error.column) == (101, "Giá trị")
    assert "một nghìn" in error.reason and not preview.context["can_apply"]
    refused = apply(client, record)
    assert refused.status_code == 400
    assert not IndicatorReport.objects.exists()
    assert ImportRecord.objects.get().status == "previewed"


def test_names_match_without_accents_or_prefixes(client, nghe_an):
    rows = [
        ("", "UBND xã Diễn Kỷ", "", TODAY, 100, ""),
        ("", "phuong dong vinh", "", TODAY, 200, ""),
        ("", "Thị trấn Diễn Châu", "", TODAY, 300, ""),
    ]
    upload(client, nghe_an["secretariat"], xlsx(rows), indicator=nghe_an["indicator"])
    preview = client.get(reverse("tasks:import_preview", args=[ImportRecord.objects.get().pk])).context["preview"]
    assert preview.errors == []
    assert [c.unit.code for c in preview.create] == [
        Unit.objects.get(name="Xã Diễn Kỷ").code,
        "16663",
        Unit.objects.get(name="Thị trấn Diễn Châu").code,
    ]


def test_an_ambiguous_name_is_reported_never_guessed(client, nghe_an):
    rows = [("", "Xã Châu Tiến", "", TODAY, 100, ""), ("", "Xã Châu Tiến", "Quỳ Hợp", TODAY, 100, "")]
    upload(client, nghe_an["secretariat"], xlsx(rows), indicator=nghe_an["indicator"])
    preview = client.get(reverse("tasks:import_preview", args=[ImportRecord.objects.get().pk])).context["preview"]
    (error,) = preview.errors
    assert error.row == 2 and "16792" in error.reason and "17041" in error.reason
    assert [c.unit.code for c in preview.create] == ["17041"]


def test_future_dates_negative_values_and_unknown_units_are_row_errors(client, nghe_an):
    rows = [
        ("16663", "", "", TODAY + datetime.timedelta(days=1), 100, ""),
        ("16663", "", "", TODAY, -5, ""),
        ("", "Xã Không Có", "", TODAY, 5, ""),
        ("16663", "", "", "32/06/2023", 5, ""),
    ]
    upload(client, nghe_an["secretariat"], xlsx(rows), indicator=nghe_an["indicator"])
    errors = client.get(reverse("tasks:import_preview", args=[ImportRecord.objects.get().pk])).context["preview"].errors
    assert [(e.row, e.column) for e in errors] == [(2, "Ngày"), (3, "Giá trị"), (4, "Đơn vị"), (5, "Ngày")]


def test_a_district_head_imports_only_its_communes(client, nghe_an):
    vinh = [c for c in nghe_an["communes"] if c.parent.code == "412"]
    other = next(c for c in nghe_an["communes"] if c.parent.code != "412")
    rows = [(c.code, c.name, "", TODAY, 10, "") for c in vinh] + [(other.code, other.name, "", TODAY, 10, "")]
    upload(client, nghe_an["head_vinh"], xlsx(rows), indicator=nghe_an["indicator"])
    preview = client.get(reverse("tasks:import_preview", args=[ImportRecord.objects.get().pk])).context["preview"]
    assert len(preview.create) == len(vinh)
    assert [e.row for e in preview.errors] == [len(vinh) + 2]
    # Assignments are the secretariat's: the district head is not offered them and is refused.
    response = upload(client, nghe_an["head_vinh"], xlsx([]), kind="assignments")
    assert response.status_code == 400 and not ImportRecord.objects.filter(kind="assignments").exists()


def test_a_commune_head_cannot_import_and_another_users_import_is_404(client, nghe_an):
    client.force_login(nghe_an["head_commune"])
    assert client.get(reverse("tasks:import_start")).status_code == 403
    upload(client, nghe_an["secretariat"], all_communes_file(nghe_an), indicator=nghe_an["indicator"])
    record = ImportRecord.objects.get()
    client.force_login(nghe_an["head_vinh"])
    assert client.get(reverse("tasks:import_preview", args=[record.pk])).status_code == 404
    assert apply(client, record).status_code == 404
    assert not IndicatorReport.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("so-lieu.xlsx", b"this is not a workbook", "so-lieu.xlsx"),
        ("so-lieu.xls", b"\xd0\xcf\x11\xe0old excel", "so-lieu.xls"),
        ("so-lieu.xlsx", b"", "Tập tin được gửi là rỗng."),
    ],
)
def test_files_that_are_not_clean_spreadsheets_are_refused_before_anything_is_kept(
    client, nghe_an, name, content, reason
):
    response = upload(client, nghe_an["secretariat"], SimpleUploadedFile(name, content), indicator=nghe_an["indicator"])
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not ImportRecord.objects.exists()


def test_assignments_import_creates_missing_tasks_under_an_existing_document(client, nghe_an):
    make_document("4505/UBND-KSTT")
    headers = ("Số văn bản", "Mục", "Tên nhiệm vụ", "Mã đơn vị", "Tên đơn vị", "Vai trò", "Hạn hoàn thành")
    rows = [
        ("4505/UBND-KSTT", "8", "Rà soát hồ sơ chưa kích hoạt", "412", "", "Chủ trì", "15/07/2023"),
        (
            "4505/UBND-KSTT",
            "8",
            "Rà soát hồ sơ chưa kích hoạt",
            "",
            "Huyện Diễn Châu",
            "phoi hop",
            datetime.date(2023, 7, 20),
        ),
        ("999/KH-UBND", "1", "Không có văn bản", "412", "", "", "15/07/2023"),
    ]
    upload(client, nghe_an["secretariat"], xlsx(rows, headers=headers, name="giao-viec.xlsx"), kind="assignments")
    record = ImportRecord.objects.get()
    preview = client.get(reverse("tasks:import_preview", args=[record.pk])).context["preview"]
    assert [(e.row, e.column) for e in preview.errors] == [(4, "Văn bản")]
    assert apply(client, record).status_code == 400 and not Assignment.objects.exists()

    upload(client, nghe_an["secretariat"], xlsx(rows[:2], headers=headers, name="giao-viec.xlsx"), kind="assignments")
    record = ImportRecord.objects.latest("pk")
    assert apply(client, record).status_code == 302
    assignments = {a.unit.code: a for a in Assignment.objects.select_related("unit", "task")}
    assert assignments["412"].role == "lead" and assignments["412"].due_date == datetime.date(2023, 7, 15)
    assert assignments["425"].role == "support" and assignments["425"].task.title == "Rà soát hồ sơ chưa kích hoạt"
    assert HistoryEntry.objects.filter(import_record=record, action="created").count() == 2


def test_the_templates_have_vietnamese_headers_and_an_example(client, nghe_an):
    client.force_login(nghe_an["secretariat"])
    response = client.get(reverse("tasks:import_template", args=["figures"]))
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    assert [c.value for c in sheet[1]][:5] == ["Mã đơn vị", "Tên đơn vị", "Địa bàn", "Ngày", "Giá trị lũy kế"]
    assert isinstance(sheet["D2"].value, datetime.datetime)


@pytest.mark.parametrize(
    ("kind", "name", "fallback"),
    [
        ("figures", "Mẫu nhập số liệu chỉ tiêu.xlsx", "Mau_nhap_so_lieu_chi_tieu.xlsx"),
        ("assignments", "Mẫu nhập nhiệm vụ được giao.xlsx", "Mau_nhap_nhiem_vu_duoc_giao.xlsx"),
    ],
)
def test_the_templates_download_under_a_vietnamese_file_name(client, nghe_an, kind, name, fallback):
    client.force_login(nghe_an["secretariat"])
    response = client.get(reverse("tasks:import_template", args=[kind]))
    disposition = response["Content-Disposition"]
    assert disposition.isascii()
    assert f'filename="{fallback}"' in disposition
    assert unquote(disposition.partition("filename*=UTF-8''")[2]) == name


def test_applying_460_rows_makes_batched_queries_not_one_per_row(client, nghe_an, django_assert_max_num_queries):
    upload(client, nghe_an["secretariat"], all_communes_file(nghe_an, value=100), indicator=nghe_an["indicator"])
    fingerprint = seen(client, ImportRecord.objects.latest("pk"))
    with django_assert_max_num_queries(40):  # 460 new figures and 460 history entries
        apply(client, ImportRecord.objects.latest("pk"), fingerprint)
    upload(client, nghe_an["secretariat"], all_communes_file(nghe_an, value=200), indicator=nghe_an["indicator"])
    fingerprint = seen(client, ImportRecord.objects.latest("pk"))
    with django_assert_max_num_queries(40):  # 460 changed figures
        apply(client, ImportRecord.objects.latest("pk"), fingerprint)
    assert IndicatorReport.objects.filter(value=200).count() == 460


def test_an_applied_import_moves_the_provinces_total_on_the_dashboard(client, nghe_an):
    from reports.selectors import indicator_summaries

    province, indicator = nghe_an["province"], nghe_an["indicator"]
    period = {"start_date": datetime.date(2023, 1, 1), "due_date": datetime.date(2023, 6, 30), "value": 1}
    Target.objects.bulk_create(
        [
            Target(indicator=indicator, unit=unit, **period)
            for unit in Unit.objects.filter(level__in=[Unit.Level.PROVINCE, Unit.Level.DISTRICT])
        ]
    )
    upload(client, nghe_an["secretariat"], all_communes_file(nghe_an, value=1500), indicator=indicator)
    apply(client, ImportRecord.objects.get())
    (summary,) = indicator_summaries(province=province, today=TODAY)
    assert (summary.node.actual, summary.node.as_of) == (460 * 1500, TODAY)

"""Keys per province (issue 15, item 1): every province has its own 78/KH-UBND and its own indicator
codes; a number or code is unique within its scope (the province, or the nation) and is looked up
there; unit codes are the official strings, zeros included."""

import datetime
import importlib
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from tasks.loaders import DocumentRow
from tasks.models import Document, ImportRecord, Indicator, Target
from tasks.services import documents_load
from tests.conftest import TODAY
from tests.factories import Tree, make_document, make_task, make_unit, make_user
from units.models import Unit, User

NUMBER = "78/KH-UBND"
ASSIGNMENT_HEADERS = ("Số văn bản", "Mục", "Tên nhiệm vụ", "Mã đơn vị", "Tên đơn vị", "Vai trò", "Hạn hoàn thành")
FIGURE_HEADERS = ("Mã đơn vị", "Tên đơn vị", "Huyện", "Ngày", "Giá trị lũy kế", "Ghi chú")


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def two(db):
    """Nghệ An (40) and Tuyên Quang (08), each with its own 78/KH-UBND (a task "1" in each) and its
    own indicator "CT-01", under one national decision."""
    trees = {"40": Tree("40"), "08": Tree("08", "Tỉnh Tuyên Quang")}
    national = make_document("06/QĐ-TTg", kind=Document.Kind.DECISION, issuer="Thủ tướng Chính phủ")
    for code, tree in trees.items():
        tree.plan = make_document(NUMBER, province=tree.province, implements=national, title=f"Kế hoạch {code}")
        tree.task = make_task(tree.plan, ref="1", title=f"Nhiệm vụ của tỉnh {code}")
        tree.indicator = Indicator.objects.create(
            code="CT-01", name=f"Chỉ tiêu của tỉnh {code}", unit_of_measure="tk", province=tree.province
        )
    trees["national"] = national
    return trees


def xlsx(rows, headers, name="giao-viec.xlsx"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    output = BytesIO()
    workbook.save(output)
    return SimpleUploadedFile(name, output.getvalue())


def preview_of(client, user, file, **data):
    client.force_login(user)
    response = client.post(reverse("tasks:import_start"), {"file": file, **data})
    assert response.status_code == 302, response.content.decode()[:2000]
    record = ImportRecord.objects.latest("pk")
    return client.get(reverse("tasks:import_preview", args=[record.pk])).context["preview"]


# The constraints (SQLite and PostgreSQL) --------------------------------------------------------------


def test_two_provinces_keep_the_same_document_number_and_indicator_code(two):
    assert Document.objects.filter(number=NUMBER).count() == 2
    assert Indicator.objects.filter(code="CT-01").count() == 2
    assert {d.province.code for d in Document.objects.filter(number=NUMBER)} == {"40", "08"}


def test_a_number_or_code_twice_in_one_scope_is_refused_by_the_database(two):
    for create in (
        lambda: make_document(NUMBER, province=two["40"].province),
        lambda: make_document("06/QĐ-TTg"),  # national twice
        lambda: Indicator.objects.create(code="CT-01", name="x", unit_of_measure="tk", province=two["08"].province),
        lambda: [Indicator.objects.create(code="QG-01", name="x", unit_of_measure="tk") for _ in range(2)],
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            create()


def test_a_province_may_number_its_own_document_like_a_national_one(two):
    own = make_document("06/QĐ-TTg", province=two["40"].province)

    assert Document.objects.filter(number="06/QĐ-TTg").count() == 2 and own.province == two["40"].province


# What each secretariat sees ---------------------------------------------------------------------------


def test_each_secretariat_sees_its_own_plan_and_the_national_decision(client, two):
    for code, other in (("40", "08"), ("08", "40")):
        client.force_login(two[code].secretariat)
        page = client.get(reverse("tasks:plan"))
        assert page.status_code == 200
        assert {d.pk for d in page.context["documents"]} == {two[code].plan.pk, two["national"].pk}
        assert [i.pk for i in page.context["indicators"]] == [two[code].indicator.pk]
        html = page.content.decode()
        assert f"Chỉ tiêu của tỉnh {code}" in html and f"Chỉ tiêu của tỉnh {other}" not in html
        assert client.get(reverse("reports:document", args=[two[code].plan.pk])).status_code == 200
        assert client.get(reverse("reports:document", args=[two[other].plan.pk])).status_code == 404
        assert client.get(reverse("tasks:document_edit", args=[two[other].plan.pk])).status_code == 404
        targets = reverse("tasks:targets_edit", args=[two[other].indicator.pk, two[code].province.code])
        assert client.get(targets).status_code == 404


def test_a_superuser_sees_both_provinces_documents_and_indicators_in_the_admin(client, two):
    client.force_login(make_user(None, username="root", is_superuser=True, is_staff=True))

    documents = client.get(reverse("admin:tasks_document_changelist"))
    indicators = client.get(reverse("admin:tasks_indicator_changelist"))

    assert {d.province.code for d in documents.context["cl"].result_list if d.number == NUMBER} == {"40", "08"}
    assert {i.province.code for i in indicators.context["cl"].result_list} == {"40", "08"}
    assert "Tỉnh Tuyên Quang" in documents.content.decode()


# The planning form ------------------------------------------------------------------------------------


def test_a_number_taken_in_the_province_is_refused_with_the_usual_message(client, two):
    client.force_login(two["40"].secretariat)
    data = {"number": NUMBER, "kind": "plan", "issued_on": "03/02/2023", "issuer": "UBND tỉnh Nghệ An"}

    refused = client.post(reverse("tasks:document_new"), data)

    assert refused.status_code == 400
    assert refused.context["form"].errors["number"] == ["Văn bản có Số hiệu đã tồn tại."]
    assert Document.objects.filter(number=NUMBER).count() == 2

    data["number"] = "79/KH-UBND"  # the province's own new number: saved in its scope
    assert client.post(reverse("tasks:document_new"), data).status_code == 302
    saved = Document.objects.get(number="79/KH-UBND")
    assert saved.province == two["40"].province

    # Another province's secretariat may give its own document that number.
    client.force_login(two["08"].secretariat)
    assert client.post(reverse("tasks:document_new"), data).status_code == 302
    assert Document.objects.filter(number="79/KH-UBND").count() == 2


def test_editing_a_document_keeps_its_number_and_its_province(client, two):
    client.force_login(two["08"].secretariat)
    data = {"number": NUMBER, "kind": "plan", "issued_on": "03/02/2023", "issuer": "UBND tỉnh Tuyên Quang"}

    response = client.post(reverse("tasks:document_edit", args=[two["08"].plan.pk]), data)

    assert response.status_code == 302
    two["08"].plan.refresh_from_db()
    assert two["08"].plan.issuer == "UBND tỉnh Tuyên Quang" and two["08"].plan.province == two["08"].province


# Loaders ----------------------------------------------------------------------------------------------


def test_loading_a_second_province_gives_it_its_own_documents_under_one_national_decision(db):
    rows = [
        DocumentRow("06/QĐ-TTg", Document.Kind.DECISION, datetime.date(2022, 1, 6), "Thủ tướng Chính phủ", "", ""),
        DocumentRow(NUMBER, Document.Kind.PLAN, datetime.date(2022, 1, 28), "UBND tỉnh", "", "06/QĐ-TTg"),
    ]
    nghe_an, tuyen_quang = make_unit(code="40"), make_unit(code="08")

    assert documents_load(rows=rows, province=nghe_an) == 2
    assert documents_load(rows=rows, province=tuyen_quang) == 1
    assert documents_load(rows=rows, province=tuyen_quang) == 0

    national = Document.objects.get(number="06/QĐ-TTg")
    assert national.province is None
    plans = Document.objects.filter(number=NUMBER)
    assert {(p.province.code, p.implements_id) for p in plans} == {("40", national.pk), ("08", national.pk)}


def test_the_migration_gives_an_indicator_its_documents_province_else_the_nation(two):
    migration = importlib.import_module("tasks.migrations.0011_indicator_province_data")
    of_plan = Indicator.objects.create(code="A", name="a", unit_of_measure="tk", document=two["08"].plan)
    of_decision = Indicator.objects.create(code="B", name="b", unit_of_measure="tk", document=two["national"])
    loose = Indicator.objects.create(code="C", name="c", unit_of_measure="tk")

    from django.apps import apps

    migration.indicators_to_their_province(apps, None)

    assert Indicator.objects.get(pk=of_plan.pk).province == two["08"].province
    assert Indicator.objects.get(pk=of_decision.pk).province is None
    assert Indicator.objects.get(pk=loose.pk).province is None


# The Excel import -------------------------------------------------------------------------------------


def test_an_assignment_import_matches_the_number_in_the_importers_province(client, two):
    for code in ("40", "08"):
        district = two[code].area
        rows = [(NUMBER, "1", "", district.code, "", "Chủ trì", "15/07/2023")]

        preview = preview_of(client, two[code].secretariat, xlsx(rows, ASSIGNMENT_HEADERS), kind="assignments")

        assert preview.errors == []
        (change,) = preview.create
        assert change.unit == district
        assert change.data["document"] == two[code].plan and change.data["current"] is None


def test_a_provinces_own_number_wins_over_a_national_one(client, two):
    own = make_document("06/QĐ-TTg", province=two["40"].province)
    make_task(own, ref="1", title="Nhiệm vụ riêng")
    rows = [("06/QĐ-TTg", "1", "", two["40"].area.code, "", "Chủ trì", "15/07/2023")]

    preview = preview_of(client, two["40"].secretariat, xlsx(rows, ASSIGNMENT_HEADERS), kind="assignments")

    assert preview.errors == [] and preview.create[0].data["document"] == own


def test_the_figures_import_offers_only_the_provinces_indicators(client, two):
    client.force_login(two["40"].secretariat)
    file = xlsx([], FIGURE_HEADERS, name="so-lieu.xlsx")

    page = client.get(reverse("tasks:import_start"))
    refused = client.post(
        reverse("tasks:import_start"), {"kind": "figures", "indicator": two["08"].indicator.pk, "file": file}
    )

    assert list(page.context["form"].fields["indicator"].queryset) == [two["40"].indicator]
    assert refused.status_code == 400 and "indicator" in refused.context["form"].errors
    assert not ImportRecord.objects.exists()


@pytest.fixture
def ha_noi(db):
    """Hà Nội's codes: the city 01, the district 001, the wards 00001 and 00004, a target each."""
    city = make_unit(code="01", name="Thành phố Hà Nội")
    police = make_unit(parent=city, level=Unit.Level.AGENCY, code="01-CAT", kind=Unit.Kind.STANDING_BODY)
    ba_dinh = make_unit(parent=city, code="001", name="Quận Ba Đình", kind=Unit.Kind.URBAN_DISTRICT)
    wards = [
        make_unit(parent=ba_dinh, code=code, name=name, kind=Unit.Kind.WARD)
        for code, name in (("00001", "Phường Phúc Xá"), ("00004", "Phường Trúc Bạch"))
    ]
    indicator = Indicator.objects.create(code="DDDT", name="Định danh", unit_of_measure="tk", province=city)
    for ward in wards:
        Target.objects.create(
            indicator=indicator,
            unit=ward,
            value=3000,
            start_date=datetime.date(2023, 1, 1),
            due_date=datetime.date(2023, 6, 30),
        )
    return {"indicator": indicator, "secretariat": make_user(police, User.Role.SECRETARIAT), "wards": wards}


def test_unit_codes_in_an_import_are_the_official_strings_and_a_bare_number_must_be_unambiguous(client, ha_noi):
    rows = [
        ("00001", "", "", TODAY, 10, ""),  # the text code: Phúc Xá
        (1, "", "", TODAY, 20, ""),  # Excel's 1: 01, 001 or 00001? refused
        (4, "", "", TODAY, 30, ""),  # Excel's 4: only 00004 in the city, with the ward's five digits
        ("1", "", "", TODAY, 40, ""),  # text "1" is no code
    ]

    preview = preview_of(
        client,
        ha_noi["secretariat"],
        xlsx(rows, FIGURE_HEADERS, name="so-lieu.xlsx"),
        kind="figures",
        indicator=ha_noi["indicator"].pk,
    )

    assert [(c.unit.code, c.new) for c in preview.create] == [("00001", 10), ("00004", 30)]
    assert [(e.row, e.column) for e in preview.errors] == [(3, "Đơn vị"), (5, "Đơn vị")]
    assert preview.errors[0].reason == (
        "Số 1 ở cột mã có thể là nhiều mã (00001, 001, 01). Hãy ghi mã dạng văn bản, đủ các số 0 ở đầu."
    )
    assert preview.errors[1].reason == "Không có đơn vị “1” trong tỉnh."

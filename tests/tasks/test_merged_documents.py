"""Documents, tasks and indicators across a province merger (issue 15, items 1–2): after 08 Tuyên
Quang absorbs 02 Hà Giang, Hà Giang's documents and indicators stay Hà Giang's (history; both
provinces have a "78/KH-UBND" and a "DDDT"), and Tuyên Quang's secretariat sees and works on them,
labelled with their province; the import asks which province's "78/KH-UBND" a row means; as at the
day before the merger the old picture stands; the national counts count nothing twice."""

import datetime
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import national
from reports.selectors import status_breakdown
from tasks.models import Assignment, Document, ImportRecord, Indicator, IndicatorReport, Target, Task
from tasks.selectors import DocumentNumbers, document_numbers, documents_by_number, province_documents
from tasks.summaries import indicator_totals_rebuild
from tasks.transitions import transition_apply
from tests.factories import Tree, make_assignment, make_document, make_task, make_user
from tests.tasks.test_province_mergers import EVE, merger_input
from units.models import User
from units.selectors import carried_province_ids

NUMBER = "78/KH-UBND"
TODAY = datetime.date(2025, 7, 2)
EVE_PARAM = EVE.strftime("%d/%m/%Y")
ASSIGNMENT_HEADERS = ("Số văn bản", "Mục", "Tên nhiệm vụ", "Mã đơn vị", "Tên đơn vị", "Vai trò", "Hạn hoàn thành")
DUE = datetime.date(2025, 9, 30)


def _province_plan(tree: Tree, code: str, national: Document, target: int) -> None:
    """The province's own 78/KH-UBND with task "1" given to two communes, and its own e-ID
    indicator "DDDT" with a target for the province and its agency, which reported for ten days."""
    tree.plan = make_document(NUMBER, province=tree.province, implements=national, title=f"Kế hoạch {code}")
    tree.task = make_task(tree.plan, ref="1", title=f"Nhiệm vụ của tỉnh {code}")
    make_assignment(tree.commune, tree.task, due_date=DUE)
    make_assignment(tree.other_commune, tree.task, due_date=EVE - datetime.timedelta(days=3))  # overdue
    tree.indicator = Indicator.objects.create(
        code="DDDT", name="Kích hoạt tài khoản định danh điện tử", unit_of_measure="tk", province=tree.province
    )
    period = {"start_date": datetime.date(2025, 1, 1), "due_date": datetime.date(2025, 12, 31)}
    for unit in (tree.province, tree.agency):
        Target.objects.create(indicator=tree.indicator, unit=unit, value=target, **period)
    for day in range(10):
        as_of = EVE - datetime.timedelta(days=9 - day)
        IndicatorReport.objects.create(indicator=tree.indicator, unit=tree.agency, as_of=as_of, value=10 * (day + 1))
    indicator_totals_rebuild(province_id=tree.province.pk)


@pytest.fixture
def merged(db, settings):
    """Tuyên Quang (08) and Hà Giang (02), each with its own 78/KH-UBND and DDDT under the national
    decision 06/QĐ-TTg, merged on 01/07/2025 (Hà Giang into Tuyên Quang); today is 02/07/2025."""
    settings.APP_TODAY = TODAY
    tuyen_quang, ha_giang = Tree("08", "Tỉnh Tuyên Quang"), Tree("02", "Tỉnh Hà Giang")
    decision = make_document("06/QĐ-TTg", kind=Document.Kind.DECISION, issuer="Thủ tướng Chính phủ")
    _province_plan(tuyen_quang, "08", decision, 1000)
    _province_plan(ha_giang, "02", decision, 600)
    Assignment.objects.update(created_at=datetime.datetime(2025, 1, 2, tzinfo=datetime.UTC))
    # Counted before the merger, to compare with what the pages show as at the eve.
    tuyen_quang.before = status_breakdown(province=tuyen_quang.province, today=EVE).province
    ha_giang.before = status_breakdown(province=ha_giang.province, today=EVE).province
    transition_apply(merger_input(tuyen_quang, ha_giang), by=None)
    for tree in (tuyen_quang, ha_giang):
        tree.province.refresh_from_db()
        tree.secretariat.refresh_from_db()
    return tuyen_quang, ha_giang, decision


def xlsx(rows, name="giao-viec.xlsx"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(ASSIGNMENT_HEADERS))
    for row in rows:
        sheet.append(list(row))
    output = BytesIO()
    workbook.save(output)
    return SimpleUploadedFile(name, output.getvalue())


# The selector -------------------------------------------------------------------------------------


def test_the_successor_carries_the_absorbed_provinces_documents_from_the_merger_on(merged):
    tuyen_quang, ha_giang, decision = merged

    assert carried_province_ids(tuyen_quang.province) == [tuyen_quang.province.pk, ha_giang.province.pk]
    assert carried_province_ids(tuyen_quang.province, on=EVE) == [tuyen_quang.province.pk]
    now = set(province_documents(tuyen_quang.province))
    assert now == {tuyen_quang.plan, ha_giang.plan, decision}
    assert set(province_documents(tuyen_quang.province, on=EVE)) == {tuyen_quang.plan, decision}
    # The documents stay their own province's: history is not rewritten.
    ha_giang.plan.refresh_from_db()
    assert ha_giang.plan.province == ha_giang.province
    # Labelled with their province where two share a number.
    labels = {d.pk: d.label for d in province_documents(tuyen_quang.province)}
    assert labels[tuyen_quang.plan.pk] == "78/KH-UBND · Tỉnh Tuyên Quang (08)"
    assert labels[ha_giang.plan.pk] == "78/KH-UBND · Tỉnh Hà Giang (02)"
    assert labels[decision.pk] == "06/QĐ-TTg"
    # A province that carries nothing else: numbers alone, as before.
    assert {d.label for d in province_documents(tuyen_quang.province, on=EVE)} == {NUMBER, "06/QĐ-TTg"}
    # The demo's and loaders' look-up: the province's own number wins.
    assert documents_by_number(tuyen_quang.province)[NUMBER] == tuyen_quang.plan


@pytest.mark.parametrize(
    ("written", "expected", "reason"),
    [
        ("78/KH-UBND (02)", "02", ""),
        ("78/kh-ubnd  (08)", "08", ""),
        ("78/KH-UBND (Hà Giang)", "02", ""),
        ("78/KH-UBND (tinh tuyen quang)", "08", ""),
        ("06/QĐ-TTg", "national", ""),
        (
            "78/KH-UBND",
            None,
            "Có nhiều văn bản số “78/KH-UBND”: Tỉnh Hà Giang (02), Tỉnh Tuyên Quang (08). Ghi rõ văn bản của tỉnh "
            "nào sau số văn bản, ví dụ “78/KH-UBND (08)”.",
        ),
        ("78/KH-UBND (44)", None, "Không có văn bản số “78/KH-UBND” của tỉnh “44”."),
        ("79/KH-UBND", None, "Không có văn bản số “79/KH-UBND”."),
    ],
)
def test_a_number_two_provinces_share_is_matched_only_when_the_row_says_which(merged, written, expected, reason):
    tuyen_quang, ha_giang, decision = merged
    numbers = document_numbers(tuyen_quang.province)

    document, refused = numbers.find(written)

    wanted = {"08": tuyen_quang.plan, "02": ha_giang.plan, "national": decision, None: None}[expected]
    assert (document, refused) == (wanted, reason)


def test_a_renamed_province_with_an_absorbed_ones_name_asks_for_the_code(merged):
    tuyen_quang, ha_giang, _decision = merged
    tuyen_quang.province.name = "Tỉnh Hà Giang"  # as 15 Yên Bái took the name of 10 Lào Cai
    tuyen_quang.province.save()

    document, refused = document_numbers(tuyen_quang.province).find("78/KH-UBND (Hà Giang)")

    assert document is None and "ví dụ “78/KH-UBND (08)”" in refused
    assert DocumentNumbers(province_documents(tuyen_quang.province).select_related("province")).find(
        "78/KH-UBND (02)"
    ) == (ha_giang.plan, "")


# The successor's secretariat's pages ---------------------------------------------------------------


def test_the_successors_secretariat_sees_both_plans_labelled_and_works_on_the_absorbed_one(client, merged):
    tuyen_quang, ha_giang, _decision = merged
    client.force_login(tuyen_quang.secretariat)

    page = client.get(reverse("tasks:plan"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Tỉnh Hà Giang (02)" in html and "Tỉnh Tuyên Quang (08)" in html
    assert {d.pk for d in page.context["documents"] if d.number == NUMBER} == {tuyen_quang.plan.pk, ha_giang.plan.pk}
    assert {i.label for i in page.context["indicators"]} == {
        "Kích hoạt tài khoản định danh điện tử · Tỉnh Hà Giang (02)",
        "Kích hoạt tài khoản định danh điện tử · Tỉnh Tuyên Quang (08)",
    }
    assert reverse("tasks:document_edit", args=[ha_giang.plan.pk]) in html
    # The document's page: its tasks with the carried work counted in the successor's units.
    document = client.get(reverse("reports:document", args=[ha_giang.plan.pk]))
    assert document.status_code == 200
    assert document.context["document"].origin == "Tỉnh Hà Giang (02)"
    (task,) = document.context["tasks"]
    assert task.total == 2  # its two communes' work, carried to Tuyên Quang's units
    # Planning in it: a new task, assigned to the successor's communes.
    added = client.post(
        reverse("tasks:task_new", args=[ha_giang.plan.pk]), {"ref": "2", "title": "Rà soát dữ liệu dân cư"}
    )
    assert added.status_code == 302
    new_task = Task.objects.get(document=ha_giang.plan, ref="2")
    assigned = client.post(
        reverse("tasks:task_assign", args=[new_task.pk]),
        {"target": "agencies", "agencies": [tuyen_quang.agency.pk], "role": "lead", "due_date": "30/09/2025"},
    )
    assert assigned.status_code == 302, assigned.content.decode()[:3000]
    assert Assignment.objects.get(task=new_task).unit == tuyen_quang.agency
    assert client.get(reverse("tasks:document_edit", args=[ha_giang.plan.pk])).status_code == 200
    # Targets of the absorbed province's indicator, for the successor's units.
    targets = reverse("tasks:targets_edit", args=[ha_giang.indicator.pk, tuyen_quang.province.code])
    assert client.get(targets).status_code == 200
    # The figures import offers both indicators, labelled.
    start = client.get(reverse("tasks:import_start"))
    choices = [label for _value, label in start.context["form"].fields["indicator"].choices]
    assert "Kích hoạt tài khoản định danh điện tử · Tỉnh Hà Giang (02)" in choices


def test_the_overview_counts_each_document_apart_with_its_province(client, merged):
    tuyen_quang, ha_giang, decision = merged
    client.force_login(tuyen_quang.leader)

    now = client.get(reverse("reports:overview"))
    then = client.get(reverse("reports:overview"), {"as_at": EVE_PARAM})

    rows = {row["label"]: row["total"] for row in now.context["by_document"]}
    assert rows == {"78/KH-UBND · Tỉnh Hà Giang (02)": 2, "78/KH-UBND · Tỉnh Tuyên Quang (08)": 2}
    links = [row["link"] for row in now.context["by_document"]]
    assert reverse("reports:document", args=[ha_giang.plan.pk]) in links
    # As at the eve: Tuyên Quang's own work only, as it stood; Hà Giang's is Hà Giang's.
    assert [row["label"] for row in then.context["by_document"]] == [NUMBER]
    assert then.context["total"] == tuyen_quang.before["total"]
    # The document filters follow the date too.
    lagging_then = client.get(reverse("reports:lagging"), {"as_at": EVE_PARAM})
    assert set(lagging_then.context["form"].fields["document"].queryset) == {tuyen_quang.plan, decision}
    listed = client.get(reverse("reports:assignments"))
    assert ha_giang.plan in set(listed.context["form"].fields["document"].queryset)
    # The indicators: both, each labelled; as at the eve only the own one, with its own target.
    assert [s.node.target.indicator.label for s in now.context["indicators"]] == [
        "Kích hoạt tài khoản định danh điện tử · Tỉnh Tuyên Quang (08)",  # by code, then the older one
        "Kích hoạt tài khoản định danh điện tử · Tỉnh Hà Giang (02)",
    ]
    assert [s.node.target.value for s in now.context["indicators"]] == [1000, 600]
    assert [(s.node.target.indicator, s.node.target.value) for s in then.context["indicators"]] == [
        (tuyen_quang.indicator, 1000)
    ]


def test_another_province_and_other_roles_still_get_nothing_of_the_absorbed_plan(client, merged):
    tuyen_quang, ha_giang, _decision = merged
    stranger = Tree("44", "Tỉnh Quảng Bình")
    client.force_login(stranger.secretariat)
    assert client.get(reverse("reports:document", args=[ha_giang.plan.pk])).status_code == 404
    assert client.get(reverse("tasks:document_edit", args=[ha_giang.plan.pk])).status_code == 404
    assert stranger.secretariat.has_perm("tasks.plan", ha_giang.plan) is False
    # The successor's leader reads it and plans nothing; a unit head opens no province page.
    client.force_login(tuyen_quang.leader)
    assert client.get(reverse("reports:document", args=[ha_giang.plan.pk])).status_code == 200
    assert client.get(reverse("tasks:document_edit", args=[ha_giang.plan.pk])).status_code == 403
    client.force_login(tuyen_quang.head_agency)
    assert client.get(reverse("reports:document", args=[ha_giang.plan.pk])).status_code == 403


def test_the_import_asks_which_provinces_number_a_row_means(client, merged):
    tuyen_quang, ha_giang, _decision = merged
    client.force_login(tuyen_quang.secretariat)
    rows = [
        (NUMBER, "1", "", tuyen_quang.agency.code, "", "Chủ trì", "30/09/2025"),
        ("78/KH-UBND (02)", "1", "", tuyen_quang.agency.code, "", "Chủ trì", "30/09/2025"),
        ("78/KH-UBND (Tuyên Quang)", "1", "", tuyen_quang.agency.code, "", "Phối hợp", "30/09/2025"),
    ]
    response = client.post(reverse("tasks:import_start"), {"kind": "assignments", "file": xlsx(rows)})
    assert response.status_code == 302
    record = ImportRecord.objects.latest("pk")
    preview = client.get(reverse("tasks:import_preview", args=[record.pk])).context["preview"]

    assert [(e.row, e.column, e.reason) for e in preview.errors] == [
        (
            2,
            "Văn bản",
            "Có nhiều văn bản số “78/KH-UBND”: Tỉnh Hà Giang (02), Tỉnh Tuyên Quang (08). Ghi rõ văn bản của tỉnh "
            "nào sau số văn bản, ví dụ “78/KH-UBND (08)”.",
        )
    ]
    assert [(c.row, c.label) for c in preview.create] == [
        (3, f"78/KH-UBND (02) – 1 → {tuyen_quang.agency.name}"),
        (4, f"78/KH-UBND (08) – 1 → {tuyen_quang.agency.name}"),
    ]
    assert [c.data["document"] for c in preview.create] == [ha_giang.plan, tuyen_quang.plan]


def test_the_national_counts_and_indicators_count_nothing_twice_across_the_merger(merged):
    tuyen_quang, ha_giang, _decision = merged

    now = national.province_rows(today=TODAY)
    then = national.province_rows(today=TODAY, as_at=EVE)

    assert [row.province.code for row in now] == ["08"]
    assert {row.province.code: row.counts for row in then} == {"08": tuyen_quang.before, "02": ha_giang.before}
    # Every open assignment is counted once: the carried ones on the successor, none on an ended unit.
    assert national.national_totals(now)["total"] == status_breakdown(province=tuyen_quang.province).province["total"]
    assert national.national_totals(now)["total"] == 4
    assert national.national_totals(then)["total"] == tuyen_quang.before["total"] + ha_giang.before["total"] == 4
    # The e-ID indicator: Tuyên Quang's own and Hà Giang's (carried) make Tuyên Quang's figure now;
    # as at the eve each province has its own; the country's target is the same on both dates.
    indicators_now = national.indicator_attainment(now, day=TODAY)["DDDT"]
    indicators_then = national.indicator_attainment(then, day=EVE, as_at=EVE)["DDDT"]
    assert indicators_now["provinces"]["08"].target == 1000 + 600
    assert {code: part.target for code, part in indicators_then["provinces"].items()} == {"08": 1000, "02": 600}
    assert indicators_now["nation"].target == indicators_then["nation"].target == 1600
    assert indicators_then["nation"].actual == 100 + 100  # each agency's latest figure
    assert indicators_now["nation"].actual == indicators_then["nation"].actual


def test_the_plan_page_takes_as_many_queries_for_more_absorbed_documents(client, merged):
    tuyen_quang, ha_giang, decision = merged
    client.force_login(tuyen_quang.secretariat)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("tasks:plan")).status_code == 200
        return len(queries)

    few = count()
    for n in range(5):
        make_document(f"{100 + n}/KH-UBND", province=ha_giang.province, implements=decision)
        make_document(f"{200 + n}/KH-UBND", province=tuyen_quang.province)
    assert count() == few


def test_a_national_account_drills_into_the_successor_with_both_plans_read_only(client, merged):
    _tuyen_quang, ha_giang, _decision = merged
    client.force_login(make_user(None, User.Role.NATIONAL, username="c06"))

    page = client.get(reverse("tasks:plan"), {"province": "08"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "Tỉnh Hà Giang (02)" in html
    assert reverse("tasks:document_edit", args=[ha_giang.plan.pk]) not in html
    assert f"{reverse('reports:document', args=[ha_giang.plan.pk])}?province=08" in html
    document = client.get(reverse("reports:document", args=[ha_giang.plan.pk]), {"province": "08"})
    assert document.status_code == 200 and document.context["tasks"][0].total == 2


def test_the_work_carried_from_the_absorbed_province_names_its_document_with_the_province(client, merged):
    tuyen_quang, ha_giang, _decision = merged
    client.force_login(tuyen_quang.secretariat)

    listed = client.get(reverse("reports:assignments")).content.decode()
    carried = Assignment.objects.filter(task=ha_giang.task, ended_by__isnull=True).select_related("unit").first()
    unit_page = client.get(reverse("tasks:unit", args=[carried.unit.code])).content.decode()

    assert "78/KH-UBND (Tỉnh Hà Giang) – 1." in listed
    assert "78/KH-UBND – 1." in listed  # its own, as before
    assert "78/KH-UBND (Tỉnh Hà Giang)" in unit_page

"""The scorecard pages and the Excel exports, as the secretariat, leaders and units meet them."""

import datetime
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse

from reports.models import ScorecardSnapshot, ScoreWeights
from tasks.models import Assignment, IndicatorReport
from tests.conftest import TODAY
from tests.factories import make_assignment, make_eid_targets, make_task

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def data(tree):
    task = make_task(title='=HYPERLINK("http://evil","Bấm vào")')  # a formula typed as a task title
    make_assignment(tree.commune, task, due_date=TODAY - datetime.timedelta(days=3))
    make_assignment(
        tree.commune2,
        task,
        due_date=TODAY - datetime.timedelta(days=3),
        work_status="confirmed",
        completed_on=TODAY - datetime.timedelta(days=4),
    )
    return tree


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    return openpyxl.load_workbook(BytesIO(response.content)).active


def test_the_scorecard_ranks_units_within_each_level(client, data):
    client.force_login(data.leader)
    response = client.get(reverse("reports:scorecard"), {"year": 2023})
    assert response.status_code == 200
    communes = {level: rows for _label, level, rows in response.context["levels"]}[4]
    assert [row.unit for row in communes][:2] == [data.commune2, data.commune]
    assert communes[0].rank == 1 and communes[0].on_time_rate == 1
    assert not response.context["can_manage"] and response.context["weights_form"] is None
    assert reverse("reports:scorecard_weights") not in response.content.decode()


def test_the_secretariat_changes_the_weights(client, data):
    client.force_login(data.secretariat)
    url = reverse("reports:scorecard_weights")
    refused = client.post(url, {"on_time": 50, "attainment": 30, "timeliness": 30, "year": 2023})
    assert refused.status_code == 400
    assert "100" in refused.content.decode()
    assert not ScoreWeights.objects.exists()
    assert client.post(url, {"on_time": 60, "attainment": 20, "timeliness": 20}).status_code == 302
    assert ScoreWeights.objects.get().on_time == 60


def test_freezing_a_year_keeps_its_ranking(client, data):
    client.force_login(data.secretariat)
    response = client.post(reverse("reports:scorecard_snapshot"), {"year": 2023, "final": "on", "note": "Chốt năm"})
    assert response.status_code == 302
    before = [
        (r.unit.code, r.score) for r in client.get(reverse("reports:scorecard"), {"year": 2023}).context["card"].rows
    ]
    Assignment.objects.filter(unit=data.commune).update(work_status="confirmed", completed_on=TODAY)
    page = client.get(reverse("reports:scorecard"), {"year": 2023})
    assert page.context["card"].frozen
    assert [(r.unit.code, r.score) for r in page.context["card"].rows] == before
    again = client.post(reverse("reports:scorecard_snapshot"), {"year": 2023, "final": "on"})
    assert again.status_code == 400
    assert ScorecardSnapshot.objects.count() == 1


@pytest.mark.parametrize("name", ["reports:scorecard_weights", "reports:scorecard_snapshot"])
@pytest.mark.parametrize("who", ["leader", "head_commune", "head_district"])
def test_only_the_secretariat_changes_the_scorecard(client, data, name, who):
    client.force_login(getattr(data, who))
    response = client.post(
        reverse(name), {"on_time": 40, "attainment": 40, "timeliness": 20, "year": 2023, "final": "on"}
    )
    assert response.status_code == 403
    assert not ScoreWeights.objects.exists() and not ScorecardSnapshot.objects.exists()


def test_a_year_out_of_range_is_404(client, data):
    client.force_login(data.secretariat)
    assert client.get(reverse("reports:scorecard"), {"year": "abc"}).status_code == 404


def test_the_scorecard_export_has_vietnamese_headers_and_real_numbers(client, data):
    client.force_login(data.secretariat)
    sheet = workbook(client.get(reverse("reports:scorecard_excel"), {"year": 2023}))
    assert "2023" in sheet["A1"].value
    assert sheet["A2"].value.startswith("Ngày báo cáo: 20/06/2023")
    headers = [cell.value for cell in sheet[4]]
    assert headers[:4] == ["Cấp", "Hạng", "Thay đổi", "Đơn vị"]
    ranks = [row[1].value for row in sheet.iter_rows(min_row=5) if row[0].value == "Cấp xã"]
    assert all(isinstance(rank, int) for rank in ranks) and 1 in ranks


def test_the_unit_export_writes_dates_and_neutralises_formulas(client, data):
    client.force_login(data.head_commune)
    sheet = workbook(client.get(reverse("reports:unit_excel", args=[data.commune.code])))
    row = list(sheet[5])
    assert isinstance(row[3].value, datetime.datetime) and row[3].value.date() == TODAY - datetime.timedelta(days=3)
    assert row[6].value == 0 and row[6].number_format == "0.0%"
    task_cell = row[1]
    assert task_cell.data_type == "s" and "HYPERLINK" in task_cell.value and not task_cell.value.startswith("=")
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)


def test_the_exports_write_an_attainment_in_a_text_cell_as_a_vietnamese_percentage(client, data):
    indicator = make_eid_targets({data.commune: 1000})
    IndicatorReport.objects.create(indicator=indicator, unit=data.commune, as_of=TODAY, value=580)
    client.force_login(data.head_commune)
    sheet = workbook(client.get(reverse("reports:unit_excel", args=[data.commune.code])))
    assert "Kích hoạt tài khoản định danh điện tử: 58,0%" in sheet["A2"].value
    assert "58.0%" not in sheet["A2"].value


def test_another_units_export_is_404(client, data):
    client.force_login(data.head_other_commune)
    assert client.get(reverse("reports:unit_excel", args=[data.commune.code])).status_code == 404


def test_the_dashboard_and_lagging_exports_open(client, data):
    client.force_login(data.leader)
    overview = workbook(client.get(reverse("reports:overview_excel")))
    groups = {row[0].value for row in overview.iter_rows(min_row=5)}
    assert groups == {"Địa bàn", "Cấp", "Văn bản"}
    lagging = workbook(client.get(reverse("reports:lagging_excel")))
    units = [row[0].value for row in lagging.iter_rows(min_row=5)]
    assert units == [data.commune.name]
    assert lagging.cell(row=5, column=4).value == 1 and lagging.cell(row=5, column=4).data_type == "n"


@pytest.mark.parametrize("name", ["reports:scorecard", "reports:scorecard_excel", "reports:overview_excel"])
def test_unit_users_cannot_export_province_reports(client, data, name):
    client.force_login(data.head_district)
    assert client.get(reverse(name)).status_code == 403


def test_a_district_exports_only_its_own_lagging_units(client, data):
    client.force_login(data.head_commune)
    assert client.get(reverse("reports:lagging_excel")).status_code == 403
    make_assignment(data.other_commune, make_task(), due_date=TODAY - datetime.timedelta(days=9))
    client.force_login(data.head_district)
    sheet = workbook(client.get(reverse("reports:lagging_excel")))
    assert [row[0].value for row in sheet.iter_rows(min_row=5)] == [data.commune.name]
    assert sheet["A2"].value == f"Ngày báo cáo: 20/06/2023 · {data.area.name}"


def test_each_ranked_unit_links_to_its_page(client, tree):
    from django.urls import reverse

    from tasks.templatetags.deadline_tags import unit_url

    assert unit_url(tree.commune.code) == reverse("tasks:unit", args=[tree.commune.code])
    assert unit_url("A B") == reverse("tasks:unit", args=["A B"])


def test_the_ranking_rows_escape_names_and_show_the_movement(tree):
    from types import SimpleNamespace

    from tasks.templatetags.deadline_tags import score_rows

    def row(name, movement):
        unit = SimpleNamespace(code="X1", name=name)
        return SimpleNamespace(
            unit=unit,
            rank=2,
            movement=movement,
            score=None,
            on_time_rate=0.5,
            attainment=None,
            timeliness=1,
            reporting_rate=None,
        )

    html = score_rows([row("<script>x</script>", 3), row("B", -2), row("C", 0), row("D", None)])
    assert "<script>" not in html and "&lt;script&gt;" in html
    # One row without movement; every row without a score or an attainment.
    assert "▲ 3" in html and "▼ 2" in html and ">=<" in html and html.count(">—<") == 1 + 4 + 4 + 4
    assert "50,0%" in html and "100,0%" in html

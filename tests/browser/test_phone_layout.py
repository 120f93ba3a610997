"""Every page a user reaches works on a 390 px phone: the dashboard's charts are drawn at a readable
size, count tables and stacked rows label their numbers, and no page scrolls sideways."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from reports import reminders
from tasks import services
from tasks.models import Assignment, ImportRecord, IndicatorReport, ReportSlot, Target
from tasks.slots import slots_ensure
from tasks.summaries import indicator_totals_rebuild
from tests.browser.conftest import log_in
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_document, make_eid_targets, make_task, make_unit, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXTRA_DISTRICTS = 10  # with the tree's two: twelve bars, about half a real province's districts

# For each chart: its box, its plot area (Chart.js's chartArea) and how many pixels of the plot area
# carry a data colour (the trend's blue line, the district bars' status colours) rather than a grid.
MEASURE_CHART = """canvas => {
  const chart = Chart.getChart(canvas);
  const box = canvas.getBoundingClientRect();
  const area = chart.chartArea;
  const scale = canvas.width / box.width;
  const pixels = canvas.getContext("2d").getImageData(
    Math.round(area.left * scale), Math.round(area.top * scale),
    Math.max(1, Math.round(area.width * scale)), Math.max(1, Math.round(area.height * scale))).data;
  const colours = chart.config.type === "line"
    ? [[13, 110, 253]]
    : [[220, 53, 69], [255, 193, 7], [13, 202, 240], [108, 117, 125], [13, 110, 253], [25, 135, 84]];
  let inked = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i + 3] > 200 && colours.some(([r, g, b]) =>
        Math.abs(pixels[i] - r) < 24 && Math.abs(pixels[i + 1] - g) < 24 && Math.abs(pixels[i + 2] - b) < 24)) inked++;
  }
  return {width: box.width, height: box.height, plotHeight: area.height, bars: chart.data.labels.length, inked};
}"""

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def world(fixed_today, tmp_path):
    tree = Tree()
    document = make_document("4505/UBND-KSTT", province=tree.province)
    tree.document = document
    tree.overdue = make_assignment(
        tree.commune,
        make_task(document, ref="1", title="Kích hoạt 100% tài khoản định danh điện tử"),
        due_date=TODAY - datetime.timedelta(days=6),
    )
    reported = make_assignment(
        tree.commune2, make_task(document, ref="2", title="Tuyên truyền trực quan"), due_date=TODAY
    )
    head_commune2 = make_user(tree.commune2, username="head-commune2")
    services.assignment_report(
        assignment=reported, user=head_commune2, version=1, work_status="reported", progress=100, note="Xong"
    )
    spread = make_task(document, ref="3", title="Rà soát, làm sạch dữ liệu dân cư")
    make_assignment(tree.area, spread, due_date=TODAY + datetime.timedelta(days=3))
    for i in range(EXTRA_DISTRICTS):
        district = make_unit(parent=tree.province, code=f"45{i}", name=f"Huyện Thử Nghiệm Số {i + 1}")
        make_assignment(district, spread, due_date=TODAY + datetime.timedelta(days=i - 5))
    tree.obstacle = services.obstacle_raise(
        user=tree.head_commune, category="data", text="Thiếu máy đọc chip căn cước cho tổ công tác"
    )
    tree.explanation = services.explanation_ask(
        unit=tree.commune,
        user=tree.head_district,
        reason="Đề nghị giải trình vì sao nhiệm vụ kích hoạt tài khoản định danh điện tử quá hạn 6 ngày",
        due_date=TODAY + datetime.timedelta(days=3),
        assignment=tree.overdue,
    )

    indicator = make_eid_targets(
        {
            tree.province: 3000,
            tree.area: 2000,
            tree.commune: 1000,
            tree.commune2: 1000,
            tree.other_district: 1000,
            tree.other_commune: 1000,
        }
    )
    tree.indicator = indicator
    tree.target = Target.objects.get(indicator=indicator, unit=tree.commune)
    for day in range(30):
        for unit in (tree.commune, tree.commune2, tree.other_commune):
            IndicatorReport.objects.create(
                indicator=indicator, unit=unit, as_of=TODAY - datetime.timedelta(days=29 - day), value=300 + 15 * day
            )
    indicator_totals_rebuild(province_id=tree.province.pk)

    # A monthly report owed by Mường Xén since May (May's missing, June's due today).
    cycle_task = make_task(
        document,
        ref="4",
        title="Báo cáo kết quả tuyên truyền hằng tháng",
        is_recurring=True,
        report_period="monthly",
        due_rule="day_of_period",
        due_day=20,
        cycle_since=datetime.date(2023, 1, 1),
    )
    recurring = make_assignment(tree.other_commune, cycle_task)
    Assignment.objects.filter(pk=recurring.pk).update(created_at=datetime.datetime(2023, 4, 25, 9, tzinfo=datetime.UTC))
    slots_ensure(today=TODAY)
    tree.slot = ReportSlot.objects.filter(assignment=recurring).order_by("period_start").first()

    tree.head_commune.email = "head-commune@example.org"
    tree.head_commune.save()
    reminders.reminders_decide(today=TODAY)

    # An import waiting for its preview, uploaded as the import page would.
    client = Client()
    client.force_login(tree.secretariat)
    csv = tmp_path / "so-lieu.csv"
    csv.write_text(f"Mã đơn vị,Ngày,Giá trị lũy kế\n{tree.commune.code},20/06/2023,900\n", encoding="utf-8")
    with csv.open("rb") as file:
        client.post(reverse("tasks:import_start"), {"kind": "figures", "indicator": indicator.pk, "file": file})
    tree.import_record = ImportRecord.objects.get()
    return tree


def pages_by_role(world) -> dict:
    """The main pages each role reaches (from its menu and the links on its pages)."""
    return {
        world.secretariat: [
            reverse("reports:overview"),
            reverse("reports:lagging"),
            reverse("reports:explanations"),
            reverse("tasks:unit_explanations", args=[world.commune.code]),
            reverse("tasks:explanation", args=[world.explanation.pk]),
            reverse("reports:assignments"),
            reverse("reports:assignments") + "?status=overdue",
            reverse("reports:document", args=[world.document.pk]),
            reverse("reports:scorecard"),
            reverse("reports:search") + "?q=dien chau",
            reverse("reports:work_queue"),
            reverse("reports:notifications"),
            reverse("reports:audit_trail"),
            reverse("tasks:unit", args=[world.area.code]),
            reverse("tasks:assignment", args=[world.overdue.pk]),
            reverse("tasks:obstacle", args=[world.obstacle.pk]),
            reverse("tasks:target", args=[world.target.pk]),
            reverse("tasks:slot", args=[world.slot.pk]),
            reverse("tasks:unit", args=[world.other_commune.code]),
            reverse("tasks:plan"),
            reverse("tasks:document_edit", args=[world.document.pk]),
            reverse("tasks:task_assign", args=[world.overdue.task.pk]),
            reverse("tasks:targets_edit", args=[world.indicator.pk, world.province.code]),
            reverse("tasks:import_start"),
            reverse("tasks:import_preview", args=[world.import_record.pk]),
            reverse("account"),
        ],
        world.leader: [
            reverse("reports:overview"),
            reverse("reports:lagging"),
            reverse("reports:assignments"),
            reverse("reports:scorecard"),
            reverse("tasks:unit", args=[world.province.code]),
            reverse("account"),
        ],
        world.head_district: [
            reverse("tasks:my_unit"),
            reverse("reports:overview"),  # the district's own dashboard and lagging list
            reverse("reports:lagging"),
            reverse("reports:explanations"),
            reverse("tasks:explanation", args=[world.explanation.pk]),
            reverse("tasks:unit", args=[world.commune.code]),
            reverse("tasks:assignment", args=[world.overdue.pk]),
            reverse("reports:audit_trail"),
            reverse("account"),
        ],
        world.head_commune: [
            reverse("tasks:my_unit"),
            reverse("tasks:assignment", args=[world.overdue.pk]),
            reverse("tasks:obstacles"),
            reverse("tasks:obstacle", args=[world.obstacle.pk]),
            reverse("tasks:explanation", args=[world.explanation.pk]),
            reverse("tasks:target", args=[world.target.pk]),
            reverse("reports:search") + "?q=kich hoat",
            reverse("account"),
        ],
    }


def test_the_dashboard_charts_are_drawn_at_a_readable_size_on_a_phone(phone, world):
    log_in(phone, world.secretariat.username)
    phone.wait_for_url("**/tong-quan/")
    phone.wait_for_selector("#area-chart[data-drawn='true']")
    phone.wait_for_selector("canvas.indicator-chart[data-drawn='true']")

    trend = phone.locator("canvas.indicator-chart").first.evaluate(MEASURE_CHART)
    assert trend["width"] >= 300 and trend["height"] >= 200, trend
    assert trend["plotHeight"] >= 120, trend
    assert trend["inked"] > 100, trend  # the actual figures' line is there, not only the grid

    districts = phone.locator("#area-chart").evaluate(MEASURE_CHART)
    assert districts["bars"] > EXTRA_DISTRICTS
    assert districts["width"] >= 300 and districts["height"] >= 150, districts
    assert districts["plotHeight"] >= 18 * districts["bars"], districts  # a readable band per district
    assert districts["inked"] > 1000, districts

    # The tables below the charts become one card per district, each number labelled.
    row = phone.locator("tr", has=phone.get_by_role("link", name="Huyện Diễn Châu", exact=True)).first
    text = row.inner_text()
    assert re.search(r"Quá hạn chưa hoàn thành:\s*1\b", text), text
    assert re.search(r"Tổng số:\s*3\b", text), text
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)


def test_the_periodic_reports_chart_and_tables_fit_a_phone(phone, world):
    log_in(phone, world.secretariat.username)
    phone.wait_for_url("**/tong-quan/")
    phone.wait_for_selector("#reporting-chart[data-drawn='true']")
    chart = phone.locator("#reporting-chart").evaluate(MEASURE_CHART)
    assert chart["width"] >= 300 and chart["height"] >= 200 and chart["plotHeight"] >= 120, chart
    assert chart["inked"] > 100, chart  # the missing reports' red bars
    row = phone.locator("[data-testid='rates-by-area'] tr", has=phone.get_by_role("link", name="Huyện Kỳ Sơn")).first
    assert re.search(r"Chưa nộp:\s*1\b", row.inner_text()), row.inner_text()
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)


def test_a_lagging_card_labels_its_two_timestamps_on_a_phone(phone, world):
    log_in(phone, world.secretariat.username)
    phone.wait_for_url("**/tong-quan/")
    phone.goto(reverse("reports:lagging"))
    card = phone.locator(f"tr[data-unit='{world.commune.code}']")
    text = card.inner_text()
    assert re.search(r"Cập nhật gần nhất: \S", text), text
    assert re.search(r"Lần nhắc gần nhất: \S", text), text


def test_the_labels_of_stacked_cells_stay_hidden_on_a_wide_screen(page, world):
    log_in(page, world.secretariat.username)
    page.wait_for_url("**/tong-quan/")
    page.goto(reverse("reports:lagging"))
    text = page.locator(f"tr[data-unit='{world.commune.code}']").inner_text()
    assert "Lần nhắc gần nhất:" not in text  # the column header says it
    assert page.get_by_role("columnheader", name="Lần nhắc gần nhất").is_visible()


def test_no_page_scrolls_sideways_on_a_phone(phone, world):
    phone.goto(reverse("login"))
    assert phone.evaluate(NO_SIDEWAYS_SCROLL), "login"
    wide = []
    for user, paths in pages_by_role(world).items():
        phone.context.clear_cookies()
        log_in(phone, user.username)
        phone.wait_for_load_state()
        for path in paths:
            response = phone.goto(path)
            assert response.status == 200, (user.username, path, response.status)
            if not phone.evaluate(NO_SIDEWAYS_SCROLL):
                wide.append((user.username, path, phone.evaluate("document.documentElement.scrollWidth")))
        # The opened menu (search field, name, log out) fits too.
        phone.get_by_role("button", name="Menu").click()
        phone.wait_for_selector("#mainnav.show")
        if not phone.evaluate(NO_SIDEWAYS_SCROLL):
            wide.append((user.username, "menu", phone.evaluate("document.documentElement.scrollWidth")))
    assert wide == []

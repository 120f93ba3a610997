"""Reporting rates where the province reads them: the dashboard, the digests, the scorecard."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from reports import digests
from reports.models import Notification, ScoreEntry
from reports.scorecard import scorecard
from reports.services import snapshot_take
from tasks import services
from tasks.models import Assignment, ReportSlot
from tasks.slots import slots_ensure
from tests.factories import bulk_assignments, bulk_communes, make_task, make_user
from tests.pages import visible_text
from units.models import User

D = datetime.date


def open_june(units):
    task = make_task(
        title="Báo cáo tuyên truyền",
        is_recurring=True,
        report_period="monthly",
        due_rule="day_of_period",
        due_day=20,
        cycle_since=D(2023, 1, 1),
    )
    rows = bulk_assignments(units, task)
    Assignment.objects.filter(pk__in=[a.pk for a in rows]).update(
        created_at=datetime.datetime(2023, 5, 25, tzinfo=datetime.UTC)
    )
    slots_ensure(today=D(2023, 6, 1))
    return {slot.unit_id: slot for slot in ReportSlot.objects.select_related("assignment", "unit")}


@pytest.fixture
def june(tree, settings):
    """June's report, due 20/06: the commune on time, the town late, Mường Xén and the agency never."""
    slots = open_june([tree.commune, tree.commune2, tree.other_commune, tree.agency])
    town_head = make_user(tree.commune2, username="head-town")
    for slot, user, day in (
        (slots[tree.commune.pk], tree.head_commune, D(2023, 6, 15)),
        (slots[tree.commune2.pk], town_head, D(2023, 6, 23)),
    ):
        settings.APP_TODAY = day
        services.slot_report(slot=slot, user=user, version=slot.version, outcome="done")
    settings.APP_TODAY = D(2023, 6, 26)
    return tree


def row_texts(page, testid):
    html = page.content.decode()
    start = html.index(f'data-testid="{testid}"')
    return visible_text(html[start : html.index("</table>", start)])


@pytest.mark.django_db
def test_the_dashboard_shows_expected_received_and_on_time_per_area_and_a_late_report_as_late(client, june):
    client.force_login(june.secretariat)
    page = client.get(reverse("reports:overview"))
    assert page.status_code == 200
    text = visible_text(page.content)
    assert "Báo cáo định kỳ từ 01/01/2023 đến 26/06/2023" in text
    assert "Tỷ lệ báo cáo 50,0% · đúng hạn 25,0%" in text and "đã nhận 2/4, 1 báo cáo muộn" in text
    areas = row_texts(page, "rates-by-area")
    assert "Huyện Diễn Châu Phải nộp: 2 Đã nhận: 2 Đúng hạn: 1 Muộn hạn: 1 Chưa nộp: 0" in areas
    assert "Huyện Kỳ Sơn Phải nộp: 1 Đã nhận: 0 Đúng hạn: 0 Muộn hạn: 0 Chưa nộp: 1" in areas
    levels = row_texts(page, "rates-by-level")
    assert "Cơ quan cấp tỉnh Phải nộp: 1 Đã nhận: 0" in levels
    assert 'id="reporting-chart"' in page.content.decode() and "js/reporting.js" in page.content.decode()


@pytest.mark.django_db
def test_the_dashboard_as_at_a_past_date_counts_what_was_received_by_then(client, june):
    client.force_login(june.secretariat)
    page = client.get(reverse("reports:overview"), {"as_at": "22/06/2023"})
    text = visible_text(page.content)
    assert "đã nhận 1/4, 0 báo cáo muộn" in text


@pytest.mark.django_db
def test_a_districts_dashboard_shows_its_own_units(client, june):
    client.force_login(june.head_district)
    page = client.get(reverse("reports:overview"))
    units = row_texts(page, "rates-by-unit")
    assert "Xã Diễn Kỷ" in units and "Thị trấn Diễn Châu" in units and "Mường Xén" not in units
    assert "đã nhận 2/2, 1 báo cáo muộn" in visible_text(page.content)


@pytest.mark.django_db
def test_the_dashboard_takes_the_same_queries_for_few_and_many_reports(client, tree, settings):
    settings.APP_TODAY = D(2023, 6, 26)
    client.force_login(tree.secretariat)

    def queries(n, prefix):
        open_june(bulk_communes(tree.area, n, prefix=prefix))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("reports:overview")).status_code == 200
        return len(captured)

    assert queries(5, "A") == queries(300, "B")


@pytest.mark.django_db
def test_the_digests_carry_the_rates_and_what_a_unit_still_owes(june, settings):
    for user in User.objects.all():
        user.email = f"{user.username}@example.org"
        user.save()
    digests.digests_decide(today=D(2023, 6, 26))
    secretariat = Notification.objects.get(recipient="secretariat40@example.org").body_text
    assert "Báo cáo định kỳ từ 01/01/2023: đã nhận 2/4 (50,0%), đúng hạn 25,0%" in secretariat
    assert "Huyện Kỳ Sơn: thiếu 1 báo cáo" in secretariat
    leader = Notification.objects.get(recipient="leader40@example.org").body_text
    assert "đã nhận 2/4" in leader
    owing = Notification.objects.get(recipient="head-other-commune40@example.org").body_text
    assert "BÁO CÁO ĐỊNH KỲ CHƯA NỘP" in owing and "Báo cáo định kỳ Tháng 06/2023" in owing
    assert "Báo cáo định kỳ năm nay: đã nhận 0/1, 0 báo cáo đúng hạn." in owing
    done = Notification.objects.get(recipient="head-commune40@example.org").body_text
    assert "CHƯA NỘP" not in done and "đã nhận 1/1, 1 báo cáo đúng hạn" in done


@pytest.mark.django_db
def test_the_scorecard_shows_each_units_periodic_reports_on_time_and_a_snapshot_keeps_it(client, june):
    card = scorecard(province=june.province, year=2023, today=D(2023, 6, 26))
    rates = {row.unit.code: row.reporting_rate for row in card.rows}
    assert rates[june.commune.code] == 1 and rates[june.commune2.code] == 0 and rates[june.other_commune.code] == 0
    assert rates[june.area.code] is None  # the district owed no report
    snapshot = snapshot_take(province=june.province, user=june.secretariat, year=2023)
    assert ScoreEntry.objects.get(snapshot=snapshot, unit=june.commune2).reporting_rate == 0

    client.force_login(june.secretariat)
    page = client.get(reverse("reports:scorecard"), {"year": "2023"})
    assert "Báo cáo định kỳ đúng hạn" in visible_text(page.content)
    workbook = load_workbook(io.BytesIO(client.get(reverse("reports:scorecard_excel"), {"year": "2023"}).content))
    sheet = workbook.active
    headers = [cell.value for cell in sheet[4]]
    assert headers[-1] == "Báo cáo định kỳ đúng hạn"

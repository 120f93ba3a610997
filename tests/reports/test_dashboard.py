"""The province dashboard, the lagging-units list, the assignment lists and the document drill-down."""

import datetime

import pytest
from django.urls import reverse

from tasks.models import Assignment, Indicator, IndicatorReport, Target
from tasks.summaries import indicator_totals_rebuild
from tests.conftest import TODAY
from tests.factories import (
    Tree,
    bulk_assignments,
    bulk_communes,
    make_assignment,
    make_document,
    make_eid_targets,
    make_task,
)

START, DUE = datetime.date(2023, 1, 1), datetime.date(2023, 6, 30)


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def data(tree):
    tree.document = make_document("4505/UBND-KSTT")
    tree.task = make_task(tree.document, ref="1", title="Kích hoạt định danh")
    make_assignment(tree.commune, tree.task, due_date=TODAY - datetime.timedelta(days=5))  # overdue
    make_assignment(
        tree.commune2,
        tree.task,
        due_date=TODAY - datetime.timedelta(days=5),
        work_status="confirmed",
        completed_on=TODAY - datetime.timedelta(days=6),
    )  # on time
    make_assignment(
        tree.other_commune,
        tree.task,
        due_date=TODAY - datetime.timedelta(days=5),
        work_status="confirmed",
        completed_on=TODAY - datetime.timedelta(days=1),
    )  # late
    make_assignment(tree.agency, make_task(make_document("78/KH-UBND")), due_date=TODAY + datetime.timedelta(days=3))
    indicator = make_eid_targets(
        {
            tree.province: 2000,
            tree.area: 1000,
            tree.commune: 500,
            tree.commune2: 500,
            tree.other_district: 1000,
            tree.other_commune: 1000,
        },
        source_document=tree.document,
    )
    for day in range(15):  # communes report daily for the last 15 days
        as_of = TODAY - datetime.timedelta(days=14 - day)
        for unit, base, pace in [(tree.commune, 200, 10), (tree.commune2, 450, 3), (tree.other_commune, 900, 5)]:
            IndicatorReport.objects.create(indicator=indicator, unit=unit, as_of=as_of, value=base + pace * day)
    indicator_totals_rebuild(province_id=tree.province.pk)  # figures written around the services
    return tree


def test_the_dashboard_counts_rates_and_forecasts(client, data):
    client.force_login(data.secretariat)
    response = client.get(reverse("reports:overview"))
    assert response.status_code == 200
    cards = {card["status"]: card["count"] for card in response.context["cards"]}
    assert (cards["overdue"], cards["done_on_time"], cards["done_late"], cards["due_soon"]) == (1, 1, 1, 1)
    assert response.context["on_time_rate"] == pytest.approx(1 / 3)
    (summary,) = response.context["indicators"]
    # Actual = latest of each commune: 340 + 492 + 970 = 1802; pace over 14 days = (1802 - 1550) / 14 = 18/day.
    assert summary.node.actual == 1802
    assert summary.forecast.pace_per_day == pytest.approx(18)
    assert summary.forecast.reached_on == TODAY + datetime.timedelta(days=11)  # ceil(198 / 18)
    districts = {row["label"]: row["total"] for row in response.context["by_area"]}
    assert districts == {"Huyện Diễn Châu": 2, "Huyện Kỳ Sơn": 1}
    page = response.content.decode()
    assert "33,3%" in page
    assert f"{reverse('reports:assignments')}?status=overdue" in page
    assert "01/07/2023" in page  # the forecast date


def test_a_flat_trend_is_not_reached_at_this_pace(client, data):
    IndicatorReport.objects.filter(as_of__gt=TODAY - datetime.timedelta(days=14)).delete()
    indicator_totals_rebuild(province_id=data.province.pk)
    client.force_login(data.secretariat)
    (summary,) = client.get(reverse("reports:overview")).context["indicators"]
    assert summary.forecast.reached_on is None and not summary.forecast.already_reached


def test_every_dashboard_number_opens_the_list_behind_it(client, data):
    client.force_login(data.secretariat)
    overdue = client.get(reverse("reports:assignments"), {"status": "overdue"})
    assert [a.unit for a in overdue.context["page"]] == [data.commune]
    by_area = client.get(reverse("reports:assignments"), {"area": data.area.pk})
    assert {a.unit for a in by_area.context["page"]} == {data.commune, data.commune2}
    by_level = client.get(reverse("reports:assignments"), {"level": 2})
    assert [a.unit for a in by_level.context["page"]] == [data.agency]
    by_task = client.get(reverse("reports:assignments"), {"task": data.task.pk, "sort": "unit"})
    assert [a.unit.name for a in by_task.context["page"]] == sorted(
        u.name for u in (data.commune, data.commune2, data.other_commune)
    )


def test_the_list_search_ignores_accents(client, data):
    client.force_login(data.secretariat)
    response = client.get(reverse("reports:assignments"), {"q": "dien ky"})
    assert [a.unit for a in response.context["page"]] == [data.commune]
    response = client.get(reverse("reports:assignments"), {"q": "kich hoat dinh danh"})
    assert response.context["page"].paginator.count == 3


def test_a_bad_filter_is_refused_with_a_message(client, data):
    client.force_login(data.secretariat)
    response = client.get(reverse("reports:assignments"), {"status": "lost", "area": "999999"})
    assert response.status_code == 400
    assert "Lựa chọn không hợp lệ" in response.content.decode()


def test_the_lagging_list_puts_the_worst_first_with_the_reason(client, data):
    client.force_login(data.secretariat)
    response = client.get(reverse("reports:lagging"))
    rows = list(response.context["page"])
    # Diễn Kỷ has an overdue assignment; Diễn Châu district is at 83,2% against 94,4% expected;
    # Thị trấn Diễn Châu (98,4%) and Kỳ Sơn's commune (97%) are on track.
    assert [row.unit for row in rows] == [data.commune, data.area]
    assert rows[0].overdue == 1 and rows[0].days_overdue == 5
    assert rows[1].overdue == 0 and [node.actual for node in rows[1].behind] == [832]
    assert "83,2%" in response.content.decode()
    only_district = client.get(reverse("reports:lagging"), {"area": data.other_district.pk})
    assert [row.unit for row in only_district.context["page"]] == []


def test_the_lagging_list_says_when_each_unit_last_changed_its_work(client, data):
    from django.utils import timezone

    changed = timezone.make_aware(datetime.datetime(2023, 6, 12, 9, 30))
    Assignment.objects.filter(unit=data.commune).update(updated_at=changed)
    make_assignment(data.commune, due_date=TODAY + datetime.timedelta(days=30))  # never changed: no date
    client.force_login(data.secretariat)
    rows = {row.unit: row for row in client.get(reverse("reports:lagging")).context["page"]}
    assert rows[data.commune].last_update == changed
    assert rows[data.area].last_update is None  # the district changed nothing


def test_the_document_page_counts_its_tasks(client, data):
    client.force_login(data.leader)
    response = client.get(reverse("reports:document", args=[data.document.pk]))
    (task,) = response.context["tasks"]
    assert (task.overdue, task.done_on_time, task.done_late, task.total) == (1, 1, 1, 3)


def test_another_provinces_assignments_never_show(client, data):
    other = Tree(code="01", name="Thành phố Hà Nội")
    make_assignment(other.commune, data.task, due_date=TODAY - datetime.timedelta(days=1))
    client.force_login(data.secretariat)
    assert client.get(reverse("reports:assignments"), {"status": "overdue"}).context["page"].paginator.count == 1
    assert other.commune.code not in {r.unit.code for r in client.get(reverse("reports:lagging")).context["page"]}


@pytest.mark.parametrize("name", ["reports:overview", "reports:lagging", "reports:assignments", "reports:work_queue"])
@pytest.mark.parametrize("who", ["head_commune", "head_agency"])
def test_commune_and_agency_users_cannot_open_the_secretariat_pages(client, data, name, who):
    client.force_login(getattr(data, who))
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("who", ["head_district", "staff_district"])
def test_a_district_opens_its_own_overview_pages_but_not_the_work_queue(client, data, who):
    client.force_login(getattr(data, who))
    for name in ("reports:overview", "reports:lagging", "reports:assignments"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("reports:work_queue")).status_code == 403


def test_unit_users_cannot_open_a_document_page(client, data):
    client.force_login(data.head_commune)
    assert client.get(reverse("reports:document", args=[data.document.pk])).status_code == 403


def grow(tree, n):
    """``n`` more communes with overdue assignments, targets and figures."""
    task = make_task()
    communes = bulk_communes(tree.area, n, prefix=f"G{n}")
    bulk_assignments(communes, task, due_date=TODAY - datetime.timedelta(days=3))
    indicator = Indicator.objects.get()
    Target.objects.bulk_create(
        [Target(indicator=indicator, unit=c, value=100, start_date=START, due_date=DUE) for c in communes]
    )
    IndicatorReport.objects.bulk_create(
        [IndicatorReport(indicator=indicator, unit=c, as_of=TODAY, value=40) for c in communes]
    )


@pytest.mark.parametrize(
    "name",
    ["reports:overview", "reports:lagging", "reports:assignments", "reports:scorecard", "reports:scorecard_excel"],
)
def test_secretariat_pages_cost_the_same_queries_for_50_and_500_units(
    client, data, name, django_assert_max_num_queries
):
    client.force_login(data.secretariat)
    client.get(reverse(name))  # the scorecard's weeks summary is filled by the first read
    grow(data, 50)
    with django_assert_max_num_queries(20) as small:
        assert client.get(reverse(name)).status_code == 200
    grow(data, 450)
    with django_assert_max_num_queries(20) as large:
        assert client.get(reverse(name)).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)
    assert Assignment.objects.count() > 500


def test_the_breakdown_agrees_with_counting_each_group_on_its_own(data):
    """One aggregation (rows per level, district and document, summed in Python) gives the same
    counts as counting every level, district and document separately."""
    from reports.selectors import province_assignments, status_breakdown
    from tasks.selectors import status_counts

    grow(data, 30)
    breakdown = status_breakdown(province=data.province, today=TODAY)
    every = province_assignments(data.province)
    assert breakdown.province == status_counts(every, TODAY)
    for row in breakdown.by_level:
        assert status_counts(every.filter(unit__level=row["level"]), TODAY).items() <= row.items()
    for row in breakdown.by_area:
        assert status_counts(every.filter(unit__area=row["area_id"]), TODAY).items() <= row.items()
    for row in breakdown.by_document:
        assert status_counts(every.filter(task__document=row["document_id"]), TODAY).items() <= row.items()
    assert [len(breakdown.by_level), len(breakdown.by_area), len(breakdown.by_document)] == [
        every.values(field).exclude(**{f"{field}__isnull": True}).distinct().count()
        for field in ("unit__level", "unit__area", "task__document")
    ]
    assert breakdown.province["overdue"] > 30  # the grown communes are in it

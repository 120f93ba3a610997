"""A district's head and staff read the overview and the lagging list of their own district (its
communes), worst first; never another district's units nor the province's. A commune gets 403."""

import datetime

import pytest
from django.urls import reverse

from tests.conftest import TODAY
from tests.factories import bulk_assignments, bulk_communes, make_assignment, make_document, make_task

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def late(tree):
    """Overdue work in both districts: Diễn Kỷ 1 assignment, Thị trấn Diễn Châu 2, Mường Xén 3."""
    task = make_task(make_document("12/KH-UBND"), title="Rà soát dữ liệu dân cư")
    for unit, n in [(tree.commune, 1), (tree.commune2, 2), (tree.other_commune, 3)]:
        for i in range(n):
            make_assignment(unit, make_task(task.document), due_date=TODAY - (i + 2) * DAY)
    make_assignment(tree.agency, task, due_date=TODAY - 9 * DAY)
    return tree


@pytest.mark.parametrize("who", ["head_district", "staff_district"])
def test_a_district_reads_the_lagging_list_of_its_own_communes_worst_first(client, late, who):
    client.force_login(getattr(late, who))
    response = client.get(reverse("reports:lagging"))
    assert response.status_code == 200
    assert [row.unit for row in response.context["page"]] == [late.commune2, late.commune]
    page = response.content.decode()
    assert "Thị trấn Diễn Châu" in page and "Xã Diễn Kỷ" in page
    assert "Xã Mường Xén" not in page and "Sở Thông tin và Truyền thông" not in page


def test_a_district_cannot_list_another_district(client, late):
    client.force_login(late.head_district)
    for params in ({"area": late.other_district.code}, {"area": late.other_district.pk}):
        response = client.get(reverse("reports:lagging"), params)
        assert response.status_code == 400
        assert "nằm ngoài phạm vi bạn theo dõi" in response.content.decode()
        assert list(response.context["page"]) == []
    excel = client.get(reverse("reports:lagging_excel"), {"area": late.other_district.code})
    assert excel.status_code == 400 and "Xã Mường Xén" not in excel.content.decode()


def test_the_district_dashboard_counts_only_the_district_and_its_communes(client, late):
    client.force_login(late.head_district)
    response = client.get(reverse("reports:overview"))
    assert response.status_code == 200
    assert response.context["total"] == 3  # Mường Xén's 3 and the agency's are not the district's
    # Worst first: Thị trấn Diễn Châu has two overdue assignments, Diễn Kỷ one.
    assert [row["label"] for row in response.context["by_area"]] == ["Thị trấn Diễn Châu", "Xã Diễn Kỷ"]
    page = response.content.decode()
    assert "Đề án 06 tại Huyện Diễn Châu" in page
    assert "Huyện Kỳ Sơn" not in page and "Xã Mường Xén" not in page
    assert reverse("reports:overview_excel") not in page  # the province's workbook is not theirs
    assert "Tổng quan huyện" in page and reverse("reports:lagging") in page  # in the menu
    # Every number opens the district's list behind it, and only the district's.
    overdue = client.get(reverse("reports:assignments"), {"status": "overdue"})
    assert {a.unit for a in overdue.context["page"]} == {late.commune, late.commune2}
    by_unit = client.get(reverse("reports:assignments"), {"unit": late.commune2.code})
    assert by_unit.context["page"].paginator.count == 2
    other = client.get(reverse("reports:assignments"), {"unit": late.other_commune.code})
    assert other.status_code == 400 and other.context["page"].paginator.count == 0


DISTRICT_PAGES = ["reports:overview", "reports:lagging", "reports:assignments", "reports:lagging_excel"]


@pytest.mark.parametrize("name", DISTRICT_PAGES)
@pytest.mark.parametrize("who", ["head_commune", "head_agency"])
def test_a_commune_or_an_agency_still_gets_403(client, late, name, who):
    client.force_login(getattr(late, who))
    assert client.get(reverse(name)).status_code == 403


def test_the_district_pages_cost_the_same_queries_for_few_and_many_communes(
    client, late, django_assert_max_num_queries
):
    client.force_login(late.head_district)
    task = make_task()

    def queries_per_page() -> dict[str, int]:
        found = {}
        for name in ("reports:overview", "reports:lagging", "reports:assignments"):
            with django_assert_max_num_queries(20) as queries:
                assert client.get(reverse(name)).status_code == 200
            found[name] = len(queries.captured_queries)
        return found

    bulk_assignments(bulk_communes(late.area, 5, prefix="A"), task, due_date=TODAY - 3 * DAY)
    small = queries_per_page()
    bulk_assignments(bulk_communes(late.area, 60, prefix="B"), task, due_date=TODAY - 3 * DAY)
    assert queries_per_page() == small

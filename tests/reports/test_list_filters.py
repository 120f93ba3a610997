"""The list filters take official unit codes in the URL (?area=401) as well as ids, and a
refused value says why on the page instead of silently listing everything."""

import datetime

import pytest
from django.urls import reverse

from tasks import services
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_task

LISTS = ["reports:lagging", "reports:assignments", "reports:work_queue"]


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def reported(tree):
    """In each district a commune with an overdue assignment reported done, waiting in the work queue."""
    for unit, head in [(tree.commune, tree.head_commune), (tree.other_commune, tree.head_other_commune)]:
        assignment = make_assignment(unit, make_task(), due_date=TODAY - datetime.timedelta(days=3))
        services.assignment_report(
            assignment=assignment, user=head, version=1, work_status="reported", progress=100, note="Xong"
        )
    return tree


def units_listed(name, response) -> set:
    if name == "reports:lagging":
        return {row.unit for row in response.context["page"]}
    if name == "reports:assignments":
        return {a.unit for a in response.context["page"]}
    return {a.unit for a in response.context["confirmations"]}


@pytest.mark.parametrize("name", LISTS)
def test_a_list_filters_by_the_official_district_code_or_the_id(client, reported, name):
    client.force_login(reported.secretariat)
    everything = client.get(reverse(name))
    assert units_listed(name, everything) == {reported.commune, reported.other_commune}
    for value in (reported.area.code, reported.area.pk):
        response = client.get(reverse(name), {"area": value})
        assert response.status_code == 200
        assert units_listed(name, response) == {reported.commune}, value


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize(
    "value, why",
    [
        ("Diễn Châu", "“Diễn Châu” không phải là mã đơn vị"),
        ("²", "“²” không phải là mã đơn vị"),  # a digit to str.isdigit, not to int()
        ("999", "Không có đơn vị nào mang mã 999"),
        ("9" * 40, "Không có đơn vị nào mang mã 99999999999999999999"),
        ("411", "Đơn vị mã 411 nằm ngoài phạm vi bạn theo dõi"),  # Tree("41")'s district
    ],
)
def test_a_refused_district_says_why_and_lists_nothing(client, reported, name, value, why):
    Tree("41")
    client.force_login(reported.secretariat)
    response = client.get(reverse(name), {"area": value})
    assert response.status_code == 400
    assert why in response.content.decode()
    assert units_listed(name, response) == set()

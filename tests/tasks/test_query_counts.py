"""The unit pages make a fixed number of queries, however many rows they show."""

import datetime

import pytest
from django.urls import reverse

from tasks.models import Indicator, IndicatorReport, Target
from tests.conftest import TODAY
from tests.factories import make_assignment, make_document, make_task, make_unit

# 12, one for the unit's predecessors and successors (units.selectors.unit_successions), one for its
# explanation requests (tasks.selectors.unit_explanations), one for its periodic reports
# (tasks.selectors.unit_slots) and one for their rates per month (unit_reporting).
MAX_QUERIES = 16


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


def add_assignments(unit, n, document):
    for i in range(n):
        make_assignment(unit, make_task(document), due_date=TODAY + datetime.timedelta(days=i % 30 - 15))


def count_queries(client, url, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(MAX_QUERIES) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_a_communes_page_costs_the_same_for_10_and_100_assignments(client, tree, django_assert_max_num_queries):
    document = make_document()
    indicator = Indicator.objects.create(code="DDDT", name="Kích hoạt", unit_of_measure="tk")
    Target.objects.create(
        indicator=indicator,
        unit=tree.commune,
        value=100,
        start_date=TODAY.replace(month=1, day=1),
        due_date=TODAY.replace(month=6, day=30),
    )
    IndicatorReport.objects.create(indicator=indicator, unit=tree.commune, as_of=TODAY, value=50)
    client.force_login(tree.head_commune)
    add_assignments(tree.commune, 10, document)
    ten = count_queries(client, reverse("tasks:my_unit"), django_assert_max_num_queries)
    add_assignments(tree.commune, 50, document)
    sixty = count_queries(client, reverse("tasks:my_unit"), django_assert_max_num_queries)
    add_assignments(tree.commune, 40, document)
    hundred = count_queries(client, reverse("tasks:my_unit"), django_assert_max_num_queries)
    assert ten == sixty == hundred


def test_a_districts_page_costs_the_same_for_2_and_40_communes(client, tree, django_assert_max_num_queries):
    document = make_document()
    indicator = Indicator.objects.create(code="DDDT", name="Kích hoạt", unit_of_measure="tk")
    start, due = TODAY.replace(month=1, day=1), TODAY.replace(month=6, day=30)

    def with_figures(unit):
        Target.objects.create(indicator=indicator, unit=unit, value=100, start_date=start, due_date=due)
        IndicatorReport.objects.create(indicator=indicator, unit=unit, as_of=TODAY, value=70)
        add_assignments(unit, 3, document)

    Target.objects.create(indicator=indicator, unit=tree.area, value=4000, start_date=start, due_date=due)
    add_assignments(tree.area, 5, document)
    for commune in (tree.commune, tree.commune2):
        with_figures(commune)
    client.force_login(tree.head_district)
    small = count_queries(client, reverse("tasks:my_unit"), django_assert_max_num_queries)
    for n in range(38):
        with_figures(make_unit(parent=tree.area, code=f"C{n:03d}", name=f"Xã Số {n}"))
    response = client.get(reverse("tasks:my_unit"))
    assert len(response.context["children"]) == 40
    large = count_queries(client, reverse("tasks:my_unit"), django_assert_max_num_queries)
    assert small == large

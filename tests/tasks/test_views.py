"""A unit head's landing page: the unit's assignments, what needs action first."""

import datetime

import pytest
from django.urls import reverse

from tests.conftest import TODAY
from tests.factories import make_assignment, make_task


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


def test_it_lists_the_units_assignments_overdue_first(client, tree):
    later = make_assignment(tree.commune, make_task(title="Làm sau"), due_date=TODAY + datetime.timedelta(days=30))
    overdue = make_assignment(tree.commune, make_task(title="Trễ hạn"), due_date=TODAY - datetime.timedelta(days=2))
    soon = make_assignment(tree.commune, make_task(title="Sắp đến"), due_date=TODAY + datetime.timedelta(days=1))
    make_assignment(tree.commune2, make_task(title="Của xã khác"), due_date=TODAY)

    client.force_login(tree.head_commune)
    response = client.get(reverse("tasks:my_unit"))
    assert response.status_code == 200
    assert [a.pk for a in response.context["assignments"]] == [overdue.pk, soon.pk, later.pk]
    page = response.content.decode()
    assert "Của xã khác" not in page
    assert "quá hạn 2 ngày" in page
    assert "còn 1 ngày" in page


def test_the_secretariat_has_no_unit_page(client, tree):
    client.force_login(tree.secretariat)
    assert client.get(reverse("tasks:my_unit")).status_code == 403


def test_the_page_makes_the_same_queries_for_10_and_100_assignments(client, tree, django_assert_max_num_queries):
    client.force_login(tree.head_commune)

    def add(n):
        for i in range(n):
            make_assignment(tree.commune, make_task(), due_date=TODAY + datetime.timedelta(days=i % 20 - 10))

    add(10)
    with django_assert_max_num_queries(8) as ten:
        client.get(reverse("tasks:my_unit"))
    add(90)
    with django_assert_max_num_queries(8) as hundred:
        response = client.get(reverse("tasks:my_unit"))
    assert len(response.context["assignments"]) == 100
    assert len(ten.captured_queries) == len(hundred.captured_queries)

"""The province overview: real counts per deadline status, by level and by document."""

import datetime

import pytest
from django.urls import reverse

from tasks.models import Assignment
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_document, make_task


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


def cards(response) -> dict[str, int]:
    return {card["status"]: card["count"] for card in response.context["cards"]}


def test_it_counts_the_provinces_assignments_by_deadline_status(client, tree):
    task = make_task(make_document("63/KH-UBND"))
    make_assignment(tree.commune, task, due_date=TODAY - datetime.timedelta(days=1))
    make_assignment(tree.commune2, task, due_date=TODAY)
    make_assignment(tree.agency, make_task(make_document("78/KH-UBND")), due_date=None)
    make_assignment(tree.area, task, due_date=TODAY, work_status=Assignment.WorkStatus.CANCELLED)
    other = Tree(code="01", name="Thành phố Hà Nội")
    make_assignment(other.commune, task, due_date=TODAY - datetime.timedelta(days=5))

    client.force_login(tree.secretariat)
    response = client.get(reverse("reports:overview"))
    assert response.status_code == 200
    assert cards(response) == {
        "overdue": 1,
        "due_soon": 1,
        "not_due": 0,
        "no_deadline": 1,
        "done_late": 0,
        "done_on_time": 0,
    }
    assert response.context["total"] == 3  # the cancelled one and Hà Nội's are not ours
    levels = {row["label"]: row["total"] for row in response.context["by_level"]}
    assert levels == {"Cơ quan cấp tỉnh": 1, "Cấp xã": 2}
    documents = [(row["label"], row["total"]) for row in response.context["by_document"]]
    assert documents == [("63/KH-UBND", 2), ("78/KH-UBND", 1)]
    page = response.content.decode()
    assert "Quá hạn chưa hoàn thành" in page
    assert "20/06/2023" in page


def test_leaders_read_the_same_overview(client, tree):
    client.force_login(tree.leader)
    assert client.get(reverse("reports:overview")).status_code == 200


def test_the_overview_makes_the_same_few_queries_whatever_the_size(client, tree, django_assert_max_num_queries):
    client.force_login(tree.secretariat)
    task = make_task()
    for unit in (tree.commune, tree.commune2, tree.other_commune):
        make_assignment(unit, task, due_date=TODAY)
    with django_assert_max_num_queries(15) as small:
        client.get(reverse("reports:overview"))
    for n in range(30):
        make_assignment(tree.commune, make_task(make_document()), due_date=TODAY + datetime.timedelta(days=n - 15))
    with django_assert_max_num_queries(15) as large:
        client.get(reverse("reports:overview"))
    assert len(small.captured_queries) == len(large.captured_queries)

"""Who may open and change the secretariat's pages: every page, every role."""

import datetime

import pytest
from django.urls import reverse

from tasks import services
from tasks.models import Indicator
from tests.conftest import TODAY
from tests.factories import make_assignment, make_document, make_task

S = "reported"


@pytest.fixture
def world(tree, fixed_today):
    tree.task = make_task(make_document(province=tree.province))
    tree.assignment = make_assignment(tree.commune, tree.task, due_date=TODAY)
    tree.other = make_assignment(tree.commune, make_task(), due_date=TODAY)
    for assignment in (tree.assignment, tree.other):
        services.assignment_report(
            assignment=assignment, user=tree.head_commune, version=1, work_status=S, progress=100, note="Xong"
        )
    later = make_assignment(tree.commune, make_task(), due_date=TODAY + datetime.timedelta(days=1))
    tree.extension = services.extension_request(
        assignment=later, user=tree.head_commune, proposed_due_date=TODAY + datetime.timedelta(days=9), reason="x"
    )
    tree.obstacle = services.obstacle_raise(user=tree.head_commune, category="data", text="x")
    tree.indicator = Indicator.objects.create(code="DDDT", name="Kích hoạt", unit_of_measure="tk")
    return tree


def pages(w):
    """Every page of the secretariat that reads: name, args."""
    return [
        ("reports:overview", []),
        ("reports:assignments", []),
        ("reports:lagging", []),
        ("reports:work_queue", []),
        ("reports:document", [w.task.document.pk]),
        ("reports:scorecard", []),
        ("reports:overview_excel", []),
        ("reports:lagging_excel", []),
        ("reports:scorecard_excel", []),
        ("tasks:plan", []),
    ]


def changes(w):
    """Every endpoint of the secretariat that changes something: name, args, a valid body."""
    return [
        ("reports:queue_confirm", [w.assignment.pk], {"version": 2}),
        ("reports:queue_send_back", [w.other.pk], {"version": 2, "reason": "x"}),
        ("reports:queue_extension", [w.extension.pk], {"decision": "approve"}),
        ("reports:queue_obstacle", [w.obstacle.pk], {"action": "close"}),
        ("reports:scorecard_weights", [], {"on_time": 40, "attainment": 40, "timeliness": 20}),
        ("reports:scorecard_snapshot", [], {"year": 2023}),
        ("tasks:document_new", [], {"number": "9/KH", "kind": "plan", "issued_on": "01/06/2023", "issuer": "x"}),
        (
            "tasks:document_edit",
            [w.task.document.pk],
            {"number": "10/KH", "kind": "plan", "issued_on": "01/06/2023", "issuer": "x"},
        ),
        ("tasks:task_new", [w.task.document.pk], {"ref": "99", "title": "x"}),
        ("tasks:task_edit", [w.task.document.pk, w.task.pk], {"ref": "98", "title": "x"}),
        ("tasks:task_assign", [w.task.pk], {"target": "districts", "role": "lead", "due_date": "30/07/2023"}),
        (
            "tasks:targets_edit",
            [w.indicator.pk, w.area.code],
            {"action": "save", "start_date": "01/01/2023", "due_date": "30/06/2023"},
        ),
    ]


def test_the_secretariat_opens_every_page(client, world):
    client.force_login(world.secretariat)
    for name, args in pages(world):
        assert client.get(reverse(name, args=args)).status_code == 200, name


def test_the_secretariat_may_make_every_change(client, world):
    client.force_login(world.secretariat)
    for name, args, data in changes(world):
        assert client.post(reverse(name, args=args), data).status_code in (200, 302), name


def test_leaders_read_every_page_and_every_change_is_403(client, world):
    client.force_login(world.leader)
    for name, args in pages(world):
        assert client.get(reverse(name, args=args)).status_code == 200, name
    for name, args, data in changes(world):
        assert client.post(reverse(name, args=args), data).status_code == 403, name


# A district's head and staff read their district's overview, lagging list and assignment list.
DISTRICT_PAGES = {"reports:overview", "reports:lagging", "reports:assignments", "reports:lagging_excel"}


@pytest.mark.parametrize("who", ["head_commune", "head_district", "staff_district", "head_agency"])
def test_unit_users_get_403_on_every_secretariat_page_and_change(client, world, who):
    client.force_login(getattr(world, who))
    district = getattr(world, who).unit == world.area
    for name, args in pages(world):
        expected = 200 if district and name in DISTRICT_PAGES else 403
        assert client.get(reverse(name, args=args)).status_code == expected, name
    for name, args, data in changes(world):
        assert client.post(reverse(name, args=args), data).status_code in (403, 404), name
    world.assignment.refresh_from_db()
    assert world.assignment.work_status == S

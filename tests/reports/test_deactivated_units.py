"""A deactivated (merged) unit's assignments count nowhere: the dashboard and every list agree."""

import datetime
from io import BytesIO

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from reports import digests, reminders
from reports.models import Notification
from reports.selectors import status_breakdown
from tests.conftest import TODAY
from tests.factories import make_assignment, make_document, make_task, make_user
from units.models import User

LATE = TODAY - datetime.timedelta(days=5)  # overdue this week: in the digest's "became overdue"


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def merged(tree):
    """Both communes of Diễn Châu are overdue on the same task; Thị trấn Diễn Châu was then merged
    (deactivated). Every account has an address, so reminders and digests have someone to reach."""
    for user in User.objects.all():
        user.email = f"{user.username}@example.org"
        user.wants_digest = True
        user.save()
    tree.document = make_document("4505/UBND-KSTT")
    tree.task = make_task(tree.document, ref="1", title="Kích hoạt định danh")
    make_assignment(tree.commune, tree.task, due_date=LATE)
    make_assignment(tree.commune2, tree.task, due_date=LATE)
    tree.commune2.contact_emails = "vanthu-thitran@example.org"
    tree.commune2.is_active = False
    tree.commune2.save()
    return tree


def test_the_dashboard_counts_only_the_active_units_overdue_work(client, merged):
    client.force_login(merged.secretariat)
    response = client.get(reverse("reports:overview"))
    cards = {card["status"]: card["count"] for card in response.context["cards"]}
    assert (cards["overdue"], response.context["total"]) == (1, 1)
    districts = {row["label"]: row["total"] for row in response.context["by_area"]}
    assert districts == {"Huyện Diễn Châu": 1}


def test_every_list_agrees_with_the_dashboard(client, merged):
    client.force_login(merged.secretariat)
    overview = client.get(reverse("reports:overview"))
    overdue = {card["status"]: card["count"] for card in overview.context["cards"]}["overdue"]

    listed = client.get(reverse("reports:assignments"), {"status": "overdue"})
    assert [a.unit for a in listed.context["page"]] == [merged.commune]
    lagging = client.get(reverse("reports:lagging"))
    assert sum(row.overdue for row in lagging.context["page"]) == overdue
    assert [row.unit for row in lagging.context["page"]] == [merged.commune]
    document = client.get(reverse("reports:document", args=[merged.document.pk]))
    (task,) = document.context["tasks"]
    assert (task.overdue, task.total) == (overdue, 1)
    assert overdue == 1
    scorecard = client.get(reverse("reports:scorecard"))
    scored = {row.unit for row in scorecard.context["card"].rows}
    assert merged.commune in scored and merged.commune2 not in scored


def test_the_breakdown_leaves_the_deactivated_unit_out_on_this_database(merged):
    """On this database (SQLite, and PostgreSQL in CI) the breakdown leaves the merged commune out."""
    breakdown = status_breakdown(province=merged.province, today=TODAY)
    assert (breakdown.province["overdue"], breakdown.province["total"]) == (1, 1)
    assert [(row["name"], row["overdue"]) for row in breakdown.by_area] == [("Huyện Diễn Châu", 1)]
    assert [(row["number"], row["overdue"], row["total"]) for row in breakdown.by_document] == [
        ("4505/UBND-KSTT", 1, 1)
    ]
    assert [(row["level"], row["overdue"]) for row in breakdown.by_level] == [(4, 1)]


def test_the_excel_overview_has_the_dashboard_numbers(client, merged):
    client.force_login(merged.secretariat)
    response = client.get(reverse("reports:overview_excel"))
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5)]
    # Group, name, the six statuses (overdue first), total, on-time rate.
    assert [(row[1], row[2], row[-2]) for row in rows] == [
        ("Huyện Diễn Châu", 1, 1),
        ("Cấp xã", 1, 1),
        ("4505/UBND-KSTT", 1, 1),
    ]


def test_reminders_and_digests_skip_the_deactivated_unit(merged):
    head = make_user(merged.commune2, username="head-thitran", email="head-thitran@example.org", wants_digest=True)
    reminders.reminders_decide(today=TODAY)
    reminded = set(Notification.objects.filter(kind=Notification.Kind.REMINDER).values_list("unit__code", flat=True))
    assert reminded == {merged.commune.code}

    digests.digests_decide(today=TODAY)
    digest = Notification.objects.get(kind=Notification.Kind.DIGEST_SECRETARIAT).body_text
    assert f"{merged.commune.name}: 1" in digest
    assert merged.commune2.name not in digest
    assert not Notification.objects.filter(user=head).exists()
    assert not mail.outbox  # decided, not sent: delivery is the outbox's

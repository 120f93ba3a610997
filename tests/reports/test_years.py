"""A year is printed as a year: 2023, never with a thousands separator ("năm 2.023")."""

import pytest
from django.urls import reverse

from reports.services import snapshot_take
from tests.pages import visible_text
from units.models import User
from units.services import secretariat_group_ensure


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """The demo date: 20/06/2023."""


def test_the_scorecard_heading_names_the_year_without_a_separator(client, tree):
    client.force_login(tree.leader)
    text = visible_text(client.get(reverse("reports:scorecard"), {"year": 2023}).content)
    assert "Bảng xếp hạng năm 2023" in text
    assert "2.023" not in text


def test_the_admin_shows_a_snapshots_year_without_a_separator(client, tree):
    user = tree.secretariat
    user.is_staff = True
    user.save()
    secretariat_group_ensure(users=[user])
    user = User.objects.get(pk=user.pk)
    snapshot = snapshot_take(province=tree.province, user=user, year=2023)
    client.force_login(user)
    for url in (
        reverse("admin:reports_scorecardsnapshot_changelist"),
        reverse("admin:reports_scorecardsnapshot_change", args=[snapshot.pk]),
    ):
        text = visible_text(client.get(url).content)
        assert "2023" in text and "2.023" not in text

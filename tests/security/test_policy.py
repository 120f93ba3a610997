"""The one policy (units/rules.py, tasks/rules.py, reports/rules.py): asked the Django way, it agrees
with the scoped selectors, keeps a superuser out of what only a unit does, and its decorators
fetch through the scope before a view runs."""

import datetime

import pytest
import rules
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from tasks import selectors, workflow
from tests.conftest import TODAY
from tests.factories import make_assignment, make_eid_targets, make_unit, make_user
from units.models import Unit, User
from units.permissions import unit_scoped_read
from units.selectors import can_write_for_unit, visible_units

ROLES = ("secretariat", "leader", "head_agency", "head_district", "staff_district", "head_commune")


@pytest.mark.parametrize("role", ROLES)
def test_it_reads_and_writes_for_exactly_the_units_the_selectors_scope(tree, role):
    user = getattr(tree, role)
    visible = set(visible_units(user))
    for unit in Unit.objects.all():
        assert user.has_perm("units.read_unit", unit) == (unit in visible), unit
        assert user.has_perm("units.write_for_unit", unit) == can_write_for_unit(user, unit), unit


def test_a_superuser_does_not_speak_for_a_unit(tree, client):
    """Django gives a superuser every permission; the policy keeps the unit's own acts the unit's."""
    root = make_user(None, username="root", is_superuser=True, is_staff=True)
    indicator = make_eid_targets({tree.commune: 1000})
    target = indicator.targets.get(unit=tree.commune)
    assignment = make_assignment(tree.commune, due_date=TODAY + datetime.timedelta(days=10))
    assert root.has_perm("tasks.confirm_assignment", assignment)
    assert not root.has_perm("tasks.report_figure", target)
    assert not root.has_perm("tasks.request_extension", assignment)
    assert not root.has_perm("units.open_own_unit")
    assert root.has_perm("tasks.change_assignment")  # the admin's model permissions are Django's

    client.force_login(root)
    response = client.post(reverse("tasks:target", args=[target.pk]), {"as_of": "20/06/2023", "value": "10"})
    assert response.status_code == 403
    assert client.get(reverse("tasks:my_unit")).status_code == 403


def test_a_scoped_page_answers_404_out_of_scope_before_its_view_runs(tree):
    opened = []

    @unit_scoped_read(selectors.visible_assignment)
    def page(request, assignment):
        opened.append(assignment)
        return HttpResponse("ok")

    own = make_assignment(tree.commune)
    other = make_assignment(tree.other_commune)
    request = RequestFactory().get("/")
    request.user = tree.head_commune
    assert page(request, pk=own.pk).status_code == 200
    with pytest.raises(Http404):
        page(request, pk=other.pk)
    assert opened == [own]
    assert page.access_permission == "units.read_unit"


def test_the_secretariat_confirms_only_in_its_own_province(tree):
    foreign = make_unit_in_another_province()
    assignment = make_assignment(foreign)
    assert not tree.secretariat.has_perm("tasks.confirm_assignment", assignment)
    assert tree.secretariat.has_perm("tasks.confirm_assignment", make_assignment(tree.commune))
    assert not tree.leader.has_perm("tasks.confirm_assignment", make_assignment(tree.other_commune))


def make_unit_in_another_province() -> Unit:
    province = make_unit(code="41", name="Tỉnh Hà Tĩnh")
    district = make_unit(parent=province, code="411", name="Huyện Kỳ Anh")
    return make_unit(parent=district, code="4111", name="Xã Kỳ Hải")


def test_a_district_head_imports_figures_but_not_assignments(tree):
    assert tree.head_district.has_perm("tasks.import_data", "figures")
    assert not tree.head_district.has_perm("tasks.import_data", "assignments")
    assert not tree.head_commune.has_perm("tasks.import_data")
    assert tree.secretariat.has_perm("tasks.import_data", "assignments")
    assert not make_user(tree.area, User.Role.UNIT_STAFF, username="staff2").has_perm("tasks.import_data")


def test_every_move_of_the_secretariat_is_taken_by_a_named_permission():
    reached = {status for moves in workflow.SECRETARIAT_TRANSITIONS.values() for status in moves}
    assert reached <= set(workflow.TRANSITION_PERMISSIONS)
    assert all(rules.perm_exists(name) for name in workflow.TRANSITION_PERMISSIONS.values())


def test_a_district_reads_its_communes_assignment_but_may_move_it_nowhere(tree):
    assignment = make_assignment(tree.commune, due_date=TODAY + datetime.timedelta(days=10))
    assert tree.head_district.has_perm("units.read_unit", assignment)
    assert workflow.next_statuses(tree.head_district, assignment) == []
    assert workflow.next_statuses(tree.head_commune, assignment) == ["not_started", "in_progress", "reported"]
    assert "confirmed" not in workflow.next_statuses(tree.secretariat, assignment)
    assert workflow.next_statuses(tree.secretariat, assignment)[1:] == ["paused", "cancelled"]

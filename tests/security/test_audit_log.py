"""The audit log: logins, failed logins, logouts, refusals and changes of data, one line each, with
who, which unit and from where; never a password."""

import datetime
import logging

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from projectsite import audit
from tasks import services
from tasks.models import Assignment
from tests.conftest import TODAY
from tests.factories import make_assignment, make_task
from units.models import User
from units.services import secretariat_group_ensure

PASSWORD = "pw-for-tests-1"


@pytest.fixture
def lines(caplog):
    """The audit records of the test, as ``{key: value}`` (the message is the same in key=value)."""
    caplog.set_level(logging.INFO, logger="audit")

    def audit_records(action=None):
        found = [r for r in caplog.records if r.name == "audit"]
        return [r for r in found if action is None or r.audit["action"] == action]

    return audit_records


def test_a_login_is_written_with_user_unit_and_address(client, tree, lines):
    client.post(
        reverse("login"), {"username": tree.head_commune.username, "password": PASSWORD}, REMOTE_ADDR="203.0.113.7"
    )
    [record] = lines("login.succeeded")
    assert record.getMessage() == "action=login.succeeded user=head-commune40 unit=4011 ip=203.0.113.7"


def test_a_failed_login_names_the_username_tried_but_never_the_password(client, tree, lines, caplog):
    client.post(reverse("login"), {"username": "head-commune40", "password": "bi-mat-123"}, REMOTE_ADDR="203.0.113.7")
    [record] = lines("login.failed")
    assert record.getMessage() == "action=login.failed user=- unit=- ip=203.0.113.7 username=head-commune40"
    assert "bi-mat-123" not in caplog.text


def test_a_lockout_is_flagged_on_the_failed_login(client, tree, lines):
    for _ in range(5):
        client.post(reverse("login"), {"username": "head-commune40", "password": "sai"})
    assert [r.audit.get("locked_out") for r in lines("login.failed")] == [None, None, None, None, "yes"]


def test_a_strange_username_stays_on_one_quoted_line(client, tree, lines):
    client.post(reverse("login"), {"username": 'x y\naction=logout "', "password": "sai"})
    [record] = lines("login.failed")
    message = record.getMessage()
    assert "\n" not in message
    assert message.endswith('username="x y\\naction=logout \\""')


def test_a_logout_is_written(client, tree, lines):
    client.force_login(tree.head_district)
    client.post(reverse("logout"))
    [record] = lines("logout")
    assert record.audit["user"] == "head-district40" and record.audit["unit"] == "401"


def test_a_refused_page_is_written_with_user_unit_and_path(client, tree, lines):
    client.force_login(tree.head_commune)
    assert client.get(reverse("reports:overview")).status_code == 403
    [record] = lines("access.denied")
    assert record.getMessage() == (
        "action=access.denied user=head-commune40 unit=4011 ip=127.0.0.1 method=GET path=/tong-quan/"
    )


def test_a_status_update_by_a_unit_head_is_written_with_user_and_unit(
    client, tree, lines, fixed_today, django_capture_on_commit_callbacks
):
    assignment = make_assignment(tree.commune, make_task(), due_date=TODAY + datetime.timedelta(days=5))
    client.force_login(tree.head_commune)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("tasks:assignment", args=[assignment.pk]),
            {"work_status": "in_progress", "progress": 40, "note": "Đã triển khai", "version": 1},
        )
    assert response.status_code == 302
    [record] = lines("assignment.status_changed")
    assert record.audit["user"] == "head-commune40"
    assert record.audit["unit"] == "4011"
    assert record.audit["obj"] == f"tasks.assignment:{assignment.pk}"
    assert record.audit["changes"] == {"work_status": ["not_started", "in_progress"], "progress": [0, 40]}
    assert f"obj=tasks.assignment:{assignment.pk} changes=" in record.getMessage()


def test_a_change_rolled_back_is_not_written(tree, lines, fixed_today, django_capture_on_commit_callbacks):
    assignment = make_assignment(tree.commune, make_task(), due_date=TODAY + datetime.timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.assignment_report(
            assignment=assignment, user=tree.head_commune, version=1, work_status="in_progress", progress=10
        )
        transaction.set_rollback(True)
    assert lines() == []
    assert Assignment.objects.get(pk=assignment.pk).version == 1


def test_assigning_a_task_to_many_units_writes_a_line_per_unit(tree, lines, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.assignments_create(
            task=make_task(),
            units=[tree.commune, tree.commune2, tree.agency],
            user=tree.secretariat,
            province=tree.province,
            role="lead",
            due_date=TODAY,
        )
    records = lines("assignment.created")
    assert sorted(r.audit["unit"] for r in records) == ["4011", "4012", "STTTT40"]
    assert {r.audit["user"] for r in records} == {"secretariat40"}


def test_an_unlock_in_the_admin_is_written(tree, lines, django_capture_on_commit_callbacks):
    from axes.models import AccessAttempt

    for _ in range(5):
        Client().post(reverse("login"), {"username": "head-commune40", "password": "sai"})
    secretariat = tree.secretariat
    secretariat.is_staff = True
    secretariat.save()
    secretariat_group_ensure(users=[secretariat])
    admin = Client()
    admin.force_login(User.objects.get(pk=secretariat.pk))
    attempt = AccessAttempt.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    [record] = lines("admin.deleted")
    assert record.audit["user"] == "secretariat40"
    assert record.audit["obj"] == f"axes.accessattempt:{attempt.pk}"


def test_a_value_with_spaces_is_quoted_and_structures_are_json(lines):
    audit.record("test.event", note="hai từ", changes={"a": [1, 2]}, empty="")
    [record] = lines("test.event")
    assert record.getMessage() == 'action=test.event user=- unit=- note="hai từ" changes="{\\"a\\":[1,2]}" empty=-'


def test_an_obstacle_raised_by_a_unit_is_written(tree, lines, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        obstacle = services.obstacle_raise(user=tree.head_commune, category="data", text="Thiếu máy quét")
    [record] = lines("obstacle.raised")
    assert (
        record.getMessage() == f"action=obstacle.raised user=head-commune40 unit=4011 obj=tasks.obstacle:{obstacle.pk}"
    )

"""The database router's rule, in the process of the suite (the real replica: tests/replica/)."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connections
from django.urls import get_resolver

from projectsite import db_router
from projectsite.db_router import ReplicaRouter
from reports.models import Notification
from tasks.models import Assignment, Document
from tests.factories import make_assignment, make_task
from units.models import Unit, User


def view_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            yield from view_names(pattern, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
        elif pattern.name:
            yield namespace + pattern.name


def test_the_replica_safe_pages_exist_and_are_read_only_pages_and_exports():
    names = set(view_names())
    assert names >= settings.REPLICA_READ_VIEWS, settings.REPLICA_READ_VIEWS - names
    # Pages that write, or that a user opens right after writing, are never in the list.
    assert not settings.REPLICA_READ_VIEWS & {"tasks:assignment", "reports:work_queue", "tasks:plan", "login"}


def test_the_router_sends_reads_to_the_replica_only_inside_a_replica_safe_request():
    router = ReplicaRouter()
    assert router.db_for_read(Assignment) is None  # outside a request: the default database
    token = db_router._replica_reads.set(True)
    try:
        assert {router.db_for_read(model) for model in (Assignment, Document, Unit, Notification)} == {"replica"}
        # Accounts and sessions stay on the primary: a login or a new password is seen at once.
        assert router.db_for_read(User) is None and router.db_for_read(Session) is None
        assert router.db_for_write(Assignment) == "default"
    finally:
        db_router._replica_reads.reset(token)
    assert router.db_for_read(Assignment) is None
    assert not router.allow_migrate("replica", "tasks") and router.allow_migrate("default", "tasks")


@pytest.mark.django_db
def test_without_a_replica_url_nothing_changes(client, tree):
    """No DATABASE_REPLICA_URL (the suite's settings): no alias, every page on default, no "as of"."""
    assert "replica" not in settings.DATABASES and list(connections) == ["default"]
    make_assignment(tree.commune, make_task())
    client.force_login(tree.secretariat)
    for path in ("/danh-sach/", "/tong-quan/", "/cham-tien-do/"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.wsgi_request.replica_reads is False
        assert b"data-replica-as-of" not in response.content
    # A POST remembers no "last write" in the session: there is no replica to keep the user from.
    assert client.post("/danh-sach/").status_code == 200
    assert "_auth_user_id" in client.session and db_router.PRIMARY_UNTIL not in client.session

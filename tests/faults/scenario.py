"""Steps of the fault tests run inside the application (``python -m tests.faults.scenario <step> …``).

Each step runs with the environment the test gives it (the private database and Redis, the
fault settings) and prints one line of JSON.
"""

import json
import sys
import uuid

import django


def outbox(count: str) -> dict:
    """Queue ``count`` mails in one transaction, as a decision does: the jobs are enqueued on commit."""
    from django.db import transaction

    from reports import outbox
    from reports.models import Notification
    from tests.factories import Tree

    tree = Tree()
    mails = [
        outbox.Mail(
            Notification.Kind.REMINDER,
            f"fault:{i:03d}",
            f"unit{i:03d}@example.org",
            f"Nhắc hạn {i}",
            f"Thư số {i}.\n",
            "",
            unit=tree.commune,
        )
        for i in range(int(count))
    ]
    with transaction.atomic():
        keys = outbox.outbox_add(mails, run=uuid.uuid4())
    return {"keys": sorted(keys)}


def reported(count: str) -> dict:
    """``count`` assignments reported by a commune, waiting for the secretariat; its session cookie."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from tasks.models import Assignment
    from tests.factories import Tree, make_assignment, make_task

    tree = Tree()
    tree.head_commune.email = "truong-xa@example.org"
    tree.head_commune.save()
    tree.commune.contact_emails = "van-thu@example.org"
    tree.commune.save()
    assignments = [
        make_assignment(
            tree.commune,
            make_task(title=f"Nhiệm vụ {i}"),
            work_status=Assignment.WorkStatus.REPORTED,
            progress=100,
            reported_at=timezone.now(),
        )
        for i in range(int(count))
    ]
    backends = settings.AUTHENTICATION_BACKENDS
    backend = "django.contrib.auth.backends.ModelBackend"
    session = SessionStore()
    session[SESSION_KEY] = str(tree.secretariat.pk)
    session[BACKEND_SESSION_KEY] = backend if backend in backends else backends[-1]
    session[HASH_SESSION_KEY] = tree.secretariat.get_session_auth_hash()
    session.create()
    return {
        "session": session.session_key,
        "cookie": settings.SESSION_COOKIE_NAME,
        "assignments": [a.pk for a in assignments],
        "recipients": ["truong-xa@example.org", "van-thu@example.org"],
    }


def province() -> dict:
    """A province for the load test: its secretariat, leader and unit heads, each with an address,
    and each head's unit with open work due in three days (reminders and digests to send)."""
    import datetime

    from projectsite import clock
    from tasks.models import Assignment
    from tests.factories import Tree, make_assignment

    tree = Tree()
    heads = [tree.head_agency, tree.head_district, tree.head_commune, tree.head_other_district, tree.head_other_commune]
    for user in [tree.secretariat, tree.leader, *heads]:
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    due = clock.today() + datetime.timedelta(days=3)
    for head in heads:
        for _ in range(2):
            make_assignment(head.unit, work_status=Assignment.WorkStatus.IN_PROGRESS, progress=20, due_date=due)
    return {"province": tree.province.code}


def state() -> dict:
    from django.db.models import Count

    from reports.models import Notification
    from tasks.models import Assignment

    return {
        "notifications": dict(Notification.objects.values_list("status").annotate(n=Count("pk")).order_by()),
        "assignments": {str(pk): status for pk, status in Assignment.objects.values_list("pk", "work_status")},
        "status_mails": sorted(Notification.objects.filter(kind="status").values_list("recipient", flat=True)),
    }


STEPS = {"outbox": outbox, "reported": reported, "province": province, "state": state}

if __name__ == "__main__":
    django.setup()
    step, *args = sys.argv[1:]
    print(json.dumps(STEPS[step](*args)))

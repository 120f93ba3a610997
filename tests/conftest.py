import datetime

import pytest

from tests.factories import Tree

# The demo's date: ten days before the e-ID deadline of 30/06/2023.
TODAY = datetime.date(2023, 6, 20)


# Tests that must not run at the same time as each other in `make test`'s parallel processes
# (pytest-xdist, --dist loadgroup): each group runs in one process, one test after another.
XDIST_GROUPS = {
    "browser": "browser",  # a chromium each: one at a time is enough for a 2-core machine
    "faults": "faults",  # private PostgreSQL and Redis servers, started once per process
    "ops": "ops",  # the restore drill's pg_dump/restore
    "replica": "replica",  # a private primary and its streaming replica, started once per process
}
WORKER_TESTS = (
    "tests/units/test_jobs.py",
    "tests/reports/test_outbox_concurrency.py",
    "tests/projectsite/test_queues.py",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.path.as_posix()
        folder = path.rpartition("/tests/")[2].partition("/")[0]
        if folder in XDIST_GROUPS:
            item.add_marker(pytest.mark.xdist_group(XDIST_GROUPS[folder]))
        elif path.endswith(WORKER_TESTS):  # a real Celery worker and processes of the app
            item.add_marker(pytest.mark.xdist_group("celery_worker"))


@pytest.fixture
def tree(db):
    return Tree()


@pytest.fixture
def fixed_today(settings):
    """Pin the application's today (APP_TODAY) to TODAY."""
    settings.APP_TODAY = TODAY
    return TODAY

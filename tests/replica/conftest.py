"""A private primary and its streaming replica, for the replica tests.

The primary is the fault tests' private PostgreSQL (tests/faults/conftest.py: initdb in a temporary
folder, a free port, the app migrated into a template database); the replica is
``pg_basebackup -R`` of it into another temporary folder, started on another port, streaming
(``devtools.pgcluster.replica_start``, which the load test's ``--replica-auto`` uses too).
Every database created on the primary (a test's ``app_database``) reaches the replica by the
stream. Skipped, with the reason, where the PostgreSQL server binaries are absent.
"""

import pytest

from devtools.pgcluster import ClusterError, replica_start
from tests.faults.conftest import app_database, private_postgres, processes  # noqa: F401


@pytest.fixture(scope="session")
def private_replica(private_postgres):  # noqa: F811
    primary = private_postgres
    if not (primary.bindir / "pg_basebackup").exists():
        pytest.skip(f"the replica tests need pg_basebackup (not in {primary.bindir})")
    try:
        replica = replica_start(primary.url("postgres"), owner=primary.owner, timeout=120)
    except ClusterError as error:
        pytest.fail(f"could not start a streaming replica of the private primary: {error}")
    assert replica.psql("SELECT pg_is_in_recovery()") == "t"
    yield replica
    replica.remove()

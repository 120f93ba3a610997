"""A private primary and its streaming replica, for the replica tests.

The primary is the fault tests' private PostgreSQL (tests/faults/conftest.py: initdb in a temporary
folder, a free port, the app migrated into a template database); the replica is
``pg_basebackup -R`` of it into another temporary folder, started on another port, streaming.
Every database created on the primary (a test's ``app_database``) reaches the replica by the
stream. Skipped, with the reason, where the PostgreSQL server binaries are absent.
"""

import contextlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.faults.conftest import app_database, private_postgres, processes  # noqa: F401
from tests.faults.harness import PrivatePostgres, wait_for


@pytest.fixture(scope="session")
def private_replica(private_postgres):  # noqa: F811
    primary = private_postgres
    if not (primary.bindir / "pg_basebackup").exists():
        pytest.skip(f"the replica tests need pg_basebackup (not in {primary.bindir})")
    folder = Path(tempfile.mkdtemp(prefix="de-an-06-replica-pg-"))
    if primary.owner:
        shutil.chown(folder, primary.owner)
    replica = PrivatePostgres(primary.bindir, folder, primary.owner)
    try:
        # -R writes standby.signal and primary_conninfo: the copy starts as a streaming standby.
        replica._run(
            str(primary.bindir / "pg_basebackup"),
            *f"-D {replica.data} -R -X stream -h 127.0.0.1 -p {primary.port} -U postgres --no-sync".split(),
            timeout=120,
        )
        replica.start()
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"could not start a streaming replica of the private primary: {error}")
    assert replica.psql("SELECT pg_is_in_recovery()") == "t"
    streaming = "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
    assert wait_for(lambda: primary.psql(streaming) == "1", 30)
    yield replica
    with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
        replica.stop("immediate")
    shutil.rmtree(folder, ignore_errors=True)

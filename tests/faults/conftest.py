"""Fixtures of the fault tests: a private Redis, a private PostgreSQL, application processes.

See ``tests/faults/harness.py``: the shared servers of the machine are never stopped; each
session starts servers of its own and skips, with the reason, when their binaries are missing.
"""

import contextlib
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from devtools.pgcluster import ClusterError, cluster_owner

from .harness import BASE_DIR, PYTHON, AppProcess, PrivatePostgres, PrivateRedis, app_env, postgres_bindir

_databases = itertools.count(1)
_redis_databases = itertools.count(1)


@pytest.fixture(scope="session")
def private_redis():
    binary = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
    )
    if binary is None:
        pytest.skip("fault tests need redis-server (apt-get install redis-server) to start a private Redis")
    folder = Path(tempfile.mkdtemp(prefix="de-an-06-faults-redis-"))
    server = PrivateRedis(binary, folder)
    try:
        server.start()
    except (OSError, RuntimeError) as error:
        pytest.skip(f"could not start a private redis-server: {error}")
    yield server
    server.kill()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def private_postgres():
    bindir = postgres_bindir()
    if bindir is None:
        pytest.skip("fault tests need PostgreSQL's server binaries (initdb, pg_ctl) to start a private cluster")
    try:
        owner = cluster_owner()
    except ClusterError as error:
        pytest.skip(f"cannot start a private PostgreSQL cluster: {error}")
    folder = Path(tempfile.mkdtemp(prefix="de-an-06-faults-pg-"))
    if owner:
        shutil.chown(folder, owner)
    server = PrivatePostgres(bindir, folder, owner)
    try:
        server.init()
        server.start()
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"could not start a private PostgreSQL cluster: {error}")
    server.psql("CREATE DATABASE app_template")
    migrate = subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"],
        env=app_env(database_url=server.url("app_template"), var_dir=folder / "var"),
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if migrate.returncode:
        server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"migrate into the private database failed:\n{migrate.stdout}{migrate.stderr}")
    yield server
    with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
        server.stop("immediate")
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def app_database(private_postgres):
    """A fresh copy of the migrated database for one test (CREATE DATABASE … TEMPLATE: milliseconds); its name."""
    name = f"app_{next(_databases)}"
    private_postgres.psql(f"CREATE DATABASE {name} TEMPLATE app_template")
    yield name
    with contextlib.suppress(RuntimeError):
        private_postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def processes(tmp_path):
    """Start application processes; every one still running is stopped after the test."""
    started: list[AppProcess] = []

    def start(name: str, command: list[str], env: dict[str, str]) -> AppProcess:
        process = AppProcess(name, command, env, tmp_path)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def redis_url(private_redis):
    """A Redis database of its own for one test: a killed worker's leftovers reach no other test."""
    return private_redis.url(next(_redis_databases) % 16)

"""PostgreSQL servers of one's own on this machine: a private cluster, and a streaming replica of any primary.

The load test (``loadtest --replica-auto``) starts a replica of the server it measures; the tests
start a private primary (tests/faults) and its replica (tests/replica) the same way. A replica is
``pg_basebackup -R`` of the primary into a temporary folder (``-R`` writes ``standby.signal`` and
the connection to the primary: it starts as a streaming standby), started on a free port of
127.0.0.1. PostgreSQL refuses to run as root; as root its commands run as the ``postgres`` account
through ``runuser``. Nothing here changes the primary: it is only read, as a replication client.
"""

import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict

# A hot standby refuses to start unless each of these is at least the primary's value.
STANDBY_MINIMUMS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


class ClusterError(RuntimeError):
    """A server could not be started or copied; the message says why."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_for(condition, seconds: float, interval: float = 0.05):
    """The first true value of ``condition()`` within ``seconds``, else its last value (assert on it)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    return condition()


def _major(bindir: Path) -> int | None:
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        # --version is answered before the server's refusal to run as root.
        found = re.search(r"(\d+)", subprocess.check_output([str(bindir / "postgres"), "--version"], text=True))
        return int(found.group(1)) if found else None
    return None


def postgres_bindir(major: int | None = None) -> Path | None:
    """The folder of PostgreSQL's server programs (of that major version, if given), or None."""
    candidates = []
    if shutil.which("pg_config"):
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            candidates.append(subprocess.check_output(["pg_config", "--bindir"], text=True).strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in map(Path, candidates):
        complete = all((folder / name).exists() for name in ("initdb", "pg_ctl", "postgres", "psql"))
        if complete and (major is None or _major(folder) == major):
            return folder
    return None


def cluster_owner() -> str | None:
    """The account a private cluster runs as: ourselves, or ``postgres`` when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise ClusterError("running as root without a 'postgres' account: PostgreSQL refuses to run as root") from None
    if not shutil.which("runuser"):
        raise ClusterError("running as root without runuser: cannot run PostgreSQL as 'postgres'")
    return "postgres"


class PrivatePostgres:
    """A PostgreSQL cluster in a folder of its own (``folder/data``), on a free port of 127.0.0.1.

    ``settings`` are passed to the server with ``-c`` at each start; ``user`` and ``password`` are
    those ``url`` and ``psql`` connect with (a replica has its primary's roles).
    """

    def __init__(
        self,
        bindir: Path,
        folder: Path,
        owner: str | None,
        *,
        settings: dict | None = None,
        user: str = "postgres",
        password: str = "",
    ):
        self.bindir, self.folder, self.owner, self.port = bindir, folder, owner, free_port()
        self.data = folder / "data"
        self.user, self.password = user, password
        self.settings = {"listen_addresses": "127.0.0.1", "fsync": "off", "max_connections": "60", **(settings or {})}

    def _run(self, *command: str, timeout: float = 60) -> str:
        prefix = ["runuser", "-u", self.owner, "--"] if self.owner else []
        done = subprocess.run(
            [*prefix, *command], capture_output=True, text=True, timeout=timeout, cwd=self.folder, check=False
        )
        if done.returncode:
            raise ClusterError(f"{' '.join(command)} failed: {done.stdout}{done.stderr}")
        return done.stdout

    def init(self) -> None:
        self._run(str(self.bindir / "initdb"), *f"-D {self.data} -A trust -U postgres -E UTF8 --no-sync".split())

    def start(self) -> None:
        options = " ".join([f"-p {self.port} -k {self.folder}", *(f"-c {k}={v}" for k, v in self.settings.items())])
        self._run(
            str(self.bindir / "pg_ctl"), *f"-D {self.data} -l {self.folder / 'log'} -w".split(), "-o", options, "start"
        )

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every session and shuts down; ``immediate`` is a crash (recovery on the next start)."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        """Stop it (whatever state it is in) and delete its folder."""
        with contextlib.suppress(ClusterError, subprocess.TimeoutExpired):
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, name: str) -> str:
        secret = f":{quote(self.password, safe='')}" if self.password else ""
        return f"postgres://{quote(self.user, safe='')}{secret}@127.0.0.1:{self.port}/{name}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        done = subprocess.run(
            [str(self.bindir / "psql"), "-XqAt", "-v", "ON_ERROR_STOP=1", "-d", self.url(database), "-c", sql],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if done.returncode:
            raise ClusterError(f"psql failed: {done.stderr}")
        return done.stdout.strip()


def replica_start(primary_url: str, *, owner: str | None, timeout: float = 1800) -> PrivatePostgres:
    """A streaming replica of the server ``primary_url`` names (any of its databases): a copy of the
    whole cluster in a new temporary folder, started on a free port; call ``remove()`` when done.

    The primary must accept a replication connection from this machine for that user (a
    ``replication`` line in its pg_hba.conf, a role with REPLICATION): otherwise ClusterError says so.
    """
    params = conninfo_to_dict(primary_url)
    try:
        with psycopg.connect(primary_url, connect_timeout=10, autocommit=True) as conn:
            version = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
            minimums = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in STANDBY_MINIMUMS}
    except psycopg.Error as error:
        raise ClusterError(f"the primary does not answer: {error}") from None
    bindir = postgres_bindir(version)
    if bindir is None or not (bindir / "pg_basebackup").exists():
        raise ClusterError(f"PostgreSQL {version}'s server programs (pg_basebackup, postgres) are not installed")
    folder = Path(tempfile.mkdtemp(prefix="de-an-06-replica-pg-"))
    if owner:
        shutil.chown(folder, owner)
    replica = PrivatePostgres(
        bindir,
        folder,
        owner,
        settings={**minimums, "hot_standby": "on"},
        user=params.get("user") or "postgres",
        password=params.get("password") or "",
    )
    try:
        try:
            replica._run(
                str(bindir / "pg_basebackup"),
                *f"-D {replica.data} -R -X stream -c fast --no-sync".split(),
                "-d",
                primary_url,
                timeout=timeout,
            )
        except ClusterError as error:
            if "pg_hba.conf" in str(error) and "replication" in str(error):
                raise ClusterError(
                    f"the primary refuses replication connections from {params.get('host', 'this machine')} "
                    f"for {params.get('user', 'this user')}: add 'host replication {params.get('user', 'all')} "
                    "127.0.0.1/32 …' to its pg_hba.conf (docs/DEPLOY.md, 'A read replica'), or give a replica "
                    "that exists"
                ) from None
            raise
        # A packaged cluster (Debian's /etc/postgresql/…) keeps its configuration outside the data
        # folder, so the copy has none: an empty configuration (the settings come with -c) and
        # local access only.
        for name, text in (
            ("postgresql.conf", "# replica of the load test: settings are given with -c\n"),
            ("pg_hba.conf", "local all all trust\nhost all all 127.0.0.1/32 trust\n"),
        ):
            path = replica.data / name
            if not path.exists():
                path.write_text(text)
                if owner:
                    shutil.chown(path, owner)
                os.chmod(path, 0o600)
        replica.start()
        streaming = "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'"
        if replica.psql("SELECT pg_is_in_recovery()") != "t" or not wait_for(
            lambda: replica.psql(streaming) == "1", 30, 0.2
        ):
            raise ClusterError(f"the copy started but does not stream from the primary:\n{_tail(folder / 'log')}")
    except (ClusterError, OSError, subprocess.TimeoutExpired) as error:
        replica.remove()
        raise ClusterError(f"could not start a streaming replica: {error}") from None
    except BaseException:  # Ctrl-C during the copy: nothing left behind either
        replica.remove()
        raise
    return replica


def _tail(path: Path, lines: int = 20) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""

"""Private PostgreSQL and Redis servers and the application's processes, for the fault tests.

The fault tests stop, freeze and kill servers, so they never use the shared PostgreSQL and
Redis of the machine (other runs and CI use those at the same time): each session starts a
PostgreSQL cluster of its own (initdb in a temporary folder, a free port) and a redis-server
of its own, and the application under test runs in subprocesses (gunicorn, celery worker,
``python -m tests.faults.scenario``) pointed at them through ``DATABASE_URL`` and
``REDIS_URL``. Nothing here reads the suite's own database, so the tests run the same in the
SQLite run and in the PostgreSQL + Redis run; without the server binaries they are skipped
with the reason.
"""

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings

# The private PostgreSQL cluster and its replica are the load test's too (devtools/pgcluster.py).
from devtools.pgcluster import PrivatePostgres, free_port, port_open, postgres_bindir, wait_for  # noqa: F401

BASE_DIR = Path(settings.BASE_DIR)
PYTHON = sys.executable
VENV_BIN = Path(PYTHON).parent


# Redis -------------------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of this test session only (no persistence), on a free port."""

    def __init__(self, binary: str, folder: Path):
        self.binary, self.folder, self.port = binary, folder, free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        assert self.process is None, "already running"
        log = (self.folder / "redis.log").open("ab")
        options = f"--port {self.port} --bind 127.0.0.1 --appendonly no --daemonize no --dir {self.folder}"
        self.process = subprocess.Popen(
            [self.binary, *options.split(), "--save", ""], stdout=log, stderr=subprocess.STDOUT
        )
        if not wait_for(self.ping, 10):
            raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Stop it the way a service manager would (SIGTERM): clients see their connections close."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    @contextlib.contextmanager
    def frozen(self):
        """SIGSTOP: connections are accepted by the kernel and never answered (a hung host)."""
        self.process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self.process.send_signal(signal.SIGCONT)


# PostgreSQL ----------------------------------------------------------------------------------


# The application in subprocesses ---------------------------------------------------------------


def sink_env(tmp_path: Path, *, database_url: str, redis_url: str, **extra: str) -> tuple[dict[str, str], Path]:
    """``app_env`` for a test whose mails land in a folder of its own (returned with the environment)."""
    sink = tmp_path / "sink"
    sink.mkdir()
    env = app_env(
        database_url=database_url, redis_url=redis_url, var_dir=tmp_path / "var", FAULT_SINK_DIR=str(sink), **extra
    )
    return env, sink


def app_env(*, database_url: str, var_dir: Path, redis_url: str = "", **extra: str) -> dict[str, str]:
    """The environment of a process of the application under test: production settings (tests.faults.settings)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "EMAIL_", "DB_POOL_", "CELERY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.faults.settings",
        DJANGO_SECRET_KEY="fault-tests-not-secret",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        PYTHONPATH=str(BASE_DIR),
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="INFO",  # the tests read the processes' logs ("ready.", jobs that succeeded)
        VAR_DIR=str(var_dir),  # the file-system broker, when there is no REDIS_URL, and mail files
    )
    env.update(extra)
    return env


class AppProcess:
    """A long-running process of the application (worker, web server) in its own process group."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_dir: Path):
        self.name = name
        self.ready = lambda: True
        self._killed = False
        self.log_path = log_dir / f"{name}.log"
        self._log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command,
            env=env,
            cwd=BASE_DIR,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL reaches the pool's children too
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL to the whole process group: no shutdown, no acknowledgement, no cleanup."""
        if not self._killed:
            self._killed = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """After the test: a test's processes hold nothing worth a graceful shutdown."""
        self.kill()
        self._log_file.close()

    def wait_ready(self, seconds: float = 60) -> None:
        wait_for(lambda: self.ready() or not self.alive(), seconds)
        assert self.alive() and self.ready(), f"{self.name} did not start:\n{self.log()}"


def start_worker(start, env: dict[str, str], *, name: str = "worker", concurrency: int = 1) -> AppProcess:
    """A ``celery worker`` (prefork pool); call ``wait_ready()`` before counting on it."""
    worker = start(
        name,
        [
            str(VENV_BIN / "celery"),
            *f"-A projectsite worker --pool=prefork --concurrency={concurrency} --loglevel=INFO -n {name}@%h".split(),
            *["--without-mingle", "--without-gossip", "--without-heartbeat"],
        ],
        env,
    )
    worker.ready = lambda: "ready." in worker.log()
    return worker


def start_web(start, env: dict[str, str]) -> AppProcess:
    """gunicorn with one synchronous worker, as deploy/ runs it; ``web.port``; call ``wait_ready()``."""
    port = free_port()
    web = start(
        "web",
        [
            str(VENV_BIN / "gunicorn"),
            "projectsite.wsgi:application",
            *f"--bind 127.0.0.1:{port} --workers 1 --timeout 30 --graceful-timeout 2 --access-logfile -".split(),
        ],
        env,
    )
    web.port = port
    web.ready = lambda: port_open(port)
    return web


def scenario(env: dict[str, str], *args: str, timeout: float = 60) -> dict:
    """Run ``python -m tests.faults.scenario <args>`` (Django on the private servers); its JSON answer."""
    done = subprocess.run(
        [PYTHON, "-m", "tests.faults.scenario", *args],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def fetch(port: int, method: str, path: str, *, cookies: dict | None = None, form: dict | None = None, timeout=30):
    """One HTTP request, redirects not followed: (status, headers, body text, seconds taken)."""
    headers = {"Host": f"127.0.0.1:{port}"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{key}={value}" for key, value in cookies.items())
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn = HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.monotonic()
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        return response.status, response.headers, text, time.monotonic() - started
    finally:
        conn.close()


def send_job(broker_url: str, name: str) -> None:
    """Publish a job by name on the private broker, as beat does on its schedule."""
    from celery import Celery

    client = Celery("fault-tests", broker=broker_url, set_as_current=False)
    try:
        client.send_task(name)
    finally:
        client.close()


def flushes_done(worker: AppProcess) -> int:
    """How many ``reports.flush_outbox`` jobs the worker has finished (its INFO log says so)."""
    return sum("reports.flush_outbox" in line and "succeeded" in line for line in worker.log().splitlines())


def notification_statuses(postgres: "PrivatePostgres", database: str) -> dict[str, int]:
    rows = postgres.psql("SELECT status, count(*) FROM reports_notification GROUP BY status", database)
    return {status: int(n) for status, n in (line.split("|") for line in rows.splitlines() if line)}


def confirm(web: AppProcess, cookies: dict[str, str], assignment: int) -> tuple[int, float]:
    """The secretariat confirms a reported assignment through the page, as a browser would:
    GET the form (CSRF token, version), POST it. The POST's status and seconds."""
    status, headers, body, _seconds = fetch(web.port, "GET", f"/nhiem-vu/{assignment}/", cookies=cookies)
    assert status == 200, body[:2000]
    jar = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    form = {
        "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1),
        "version": re.search(r'name="version" value="(\d+)"', body).group(1),
        "work_status": "confirmed",
        "progress": "100",
        "note": "",
    }
    cookies = {**cookies, "csrftoken": jar["csrftoken"].value}
    status, _headers, _body, seconds = fetch(web.port, "POST", f"/nhiem-vu/{assignment}/", cookies=cookies, form=form)
    return status, seconds

"""The load test: gunicorn with production settings on loopback, simulated users for a bounded time.

Users are real accounts of the database (``generate_load`` makes them): in each of the first
``provinces`` provinces (by code), the secretariat and the leader open the dashboard, unit heads
open their unit page and update their assignments (the form page, then the POST with its CSRF
token and version, as a browser does). Sessions are created in the database beforehand, so the
mix measures the pages, not the login form (which is throttled). Everything stays on 127.0.0.1
and stops at the deadline.

Scaled out as docs/DEPLOY.md "Scaling out" describes, on one machine:

- ``web`` gunicorn instances, each on its own port; the users are dealt over them in turn, as a
  load balancer would.
- ``workers`` Celery workers on the Redis broker, taking different queues (the first the
  deciding jobs, ``reminders`` and ``digests``; the second the mail, ``outbox`` and the default;
  one worker takes every queue). As the load starts, the run publishes the day's reminder
  decision and the week's digests, as beat would, and counts the mails they queue and deliver.
- a read replica: ``replica`` (the URL of one that exists) or ``replica_auto`` (``pg_basebackup``
  of the primary into a temporary folder, on a free port: devtools/pgcluster.py). The web
  instances get it as ``DATABASE_REPLICA_URL``. How much of the reading it took is measured
  twice: pages that said "Số liệu tính đến …" (what a user sees), and the rows each server read
  for the database (``pg_stat_database``, before and after the run).

Every process it starts is stopped at the end, also after an error or Ctrl-C (and SIGTERM, which
the command turns into the same): gunicorn and the workers with their process groups, the replica
with its folder.
"""

import contextlib
import http.client
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db.models import Count

from devtools import pgcluster
from projectsite.settings.base import celery_queues
from reports.models import Notification
from tasks.models import Assignment
from units.models import Unit, User

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION_FIELD = re.compile(r'name="version" value="(\d+)"')
# templates/base.html marks a page that read the replica ("Số liệu tính đến hh:mm:ss").
REPLICA_MARK = "data-replica-as-of"
# A Celery worker's log at INFO: one line when a job arrives, one when it ends.
JOB_LINE = re.compile(r"Task ([\w.]+)\[[0-9a-f-]+\] (received|succeeded|raised|failed)")
# Published as the load starts, as beat would publish them on their schedule.
JOBS = ("reports.send_reminders", "reports.send_digests")
WORKER_GRACE = 30  # seconds a worker may finish the job it holds when the load ends
BASE_DIR = Path(settings.BASE_DIR)


@dataclass
class Tally:
    times: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    conflicts: int = 0
    by_port: Counter = field(default_factory=Counter)
    pages: int = 0  # GET answered 200
    replica_pages: int = 0  # … of which said they read the replica
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float, port: int) -> None:
        with self.lock:
            self.times.setdefault(kind, []).append(ms)
            self.by_port[port] += 1

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)

    def page(self, text: str) -> None:
        with self.lock:
            self.pages += 1
            self.replica_pages += REPLICA_MARK in text

    def requests(self) -> int:
        with self.lock:
            return sum(len(times) for times in self.times.values())


def _session_cookie(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


class Browser:
    """One simulated user: a connection of its own (to one web instance), its cookies, the time of every request."""

    def __init__(self, port: int, session_key: str, tally: Tally):
        self.port, self.tally = port, tally
        self.cookies = {settings.SESSION_COOKIE_NAME: session_key}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, kind: str, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Host": "127.0.0.1"}
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.tally.error(f"{kind}: {error!r}")
            return 0, ""
        self.tally.add(kind, (time.perf_counter() - started) * 1000, self.port)
        if method == "GET" and response.status == 200:
            self.tally.page(text)
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                self.cookies[key.strip()] = val
        return response.status, text


def _pause(think: float, rng: random.Random) -> None:
    """A user reading the page before the next click: on average ``think`` seconds."""
    if think:
        time.sleep(rng.uniform(0, 2 * think))


def _secretariat_loop(browser: Browser, deadline: float, think: float, rng: random.Random) -> None:
    while time.monotonic() < deadline:
        _pause(think, rng)
        status, _ = browser.request("dashboard", "GET", "/tong-quan/")
        if status != 200:
            browser.tally.error(f"dashboard answered {status}")


def _head_loop(browser: Browser, assignments: list[int], deadline: float, think: float, rng: random.Random) -> None:
    while time.monotonic() < deadline:
        _pause(think, rng)
        if rng.random() < 0.7 or not assignments:
            status, _ = browser.request("my_unit", "GET", "/don-vi/")
            if status != 200:
                browser.tally.error(f"my_unit answered {status}")
            continue
        pk = rng.choice(assignments)
        path = f"/nhiem-vu/{pk}/"
        status, page = browser.request("assignment_form", "GET", path)
        token, version = CSRF_FIELD.search(page), VERSION_FIELD.search(page)
        if status != 200 or not token or not version:
            browser.tally.error(f"assignment form answered {status}")
            continue
        body = {
            "csrfmiddlewaretoken": token.group(1),
            "version": version.group(1),
            "work_status": Assignment.WorkStatus.IN_PROGRESS,
            "progress": rng.randrange(5, 95, 5),
            "note": "Cập nhật khi chạy thử tải",
        }
        status, page = browser.request("status_update", "POST", path, body)
        if status == 302:
            continue
        if status == 200 and "alert-danger" in page:
            with browser.tally.lock:
                browser.tally.conflicts += 1  # someone else saved first: the app says so, not an error
            continue
        browser.tally.error(f"status update answered {status}")


# The users ------------------------------------------------------------------------------------


def _users(users: int, provinces: int) -> tuple[list[User], list[User], dict[int, list[int]]]:
    """(watchers, unit heads, open assignments by unit): each province's secretariat and leader,
    and unit heads dealt evenly over the provinces up to ``users`` in all."""
    roots = list(
        Unit.objects.filter(level=Unit.Level.PROVINCE, users__role=User.Role.LEADER).distinct().order_by("code")
    )[:provinces]
    if not roots:
        raise RuntimeError("Không có tỉnh nào có tài khoản lãnh đạo: chạy generate_load trước.")
    watchers = list(
        User.objects.filter(
            unit__province__in=roots, role__in=[User.Role.SECRETARIAT, User.Role.LEADER], is_active=True
        ).order_by("unit__province__code", "pk")[:users]
    )
    room = max(users - len(watchers), 0)
    heads = []
    for index, root in enumerate(roots):
        share = room // len(roots) + (index < room % len(roots))
        heads += (
            User.objects.filter(unit__province=root, role=User.Role.UNIT_HEAD, is_active=True)
            .exclude(unit__level=Unit.Level.PROVINCE)
            .order_by("unit__code")[:share]
        )
    open_work: dict[int, list[int]] = {}
    for unit_id, pk in Assignment.objects.filter(
        unit__in=[h.unit_id for h in heads],
        work_status__in=[Assignment.WorkStatus.NOT_STARTED, Assignment.WorkStatus.IN_PROGRESS],
    ).values_list("unit_id", "pk"):
        open_work.setdefault(unit_id, []).append(pk)
    return watchers, heads, open_work


# The processes --------------------------------------------------------------------------------


class Service:
    """A process this run started, in a process group of its own, its output in a log file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], folder: Path, *, queues=()):
        self.name, self.queues = name, list(queues)
        self.log_path = folder / f"{name}.log"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.group = self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_until(self, ready, seconds: float = 90) -> None:
        if not pgcluster.wait_for(lambda: not self.alive() or ready(), seconds, 0.2) or not self.alive():
            tail = "\n".join(self.log().splitlines()[-20:])
            raise RuntimeError(f"{self.name} không khởi động được:\n{tail}")

    def stop(self, grace: float) -> None:
        """SIGTERM (gunicorn: finish the requests; a Celery worker: finish the job it holds), then,
        after ``grace`` seconds or as soon as it has ended, SIGKILL to whatever is left of its group."""
        if self.alive():
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(grace)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.group, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)


def _database_url(db: dict) -> str:
    """The URL of a database of ``settings.DATABASES`` (under the test runner, the test database)."""
    user, password = quote(db["USER"] or "", safe=""), quote(str(db["PASSWORD"] or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{credentials}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _check_replica(url: str) -> None:
    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            (recovering,) = conn.execute("SELECT pg_is_in_recovery()").fetchone()
    except psycopg.Error as error:
        raise RuntimeError(f"--replica không kết nối được: {error}") from None
    if not recovering:
        raise RuntimeError("--replica chỉ tới một máy chủ không phải bản sao (pg_is_in_recovery() là false).")


def _database_work(url: str, name: str) -> dict[str, int]:
    """What the server has done for the database so far (pg_stat_database): transactions, rows read."""
    with psycopg.connect(url, connect_timeout=10, autocommit=True) as conn:
        transactions, rows = conn.execute(
            "SELECT xact_commit + xact_rollback, tup_returned + tup_fetched FROM pg_stat_database WHERE datname = %s",
            [name],
        ).fetchone()
    return {"transactions": transactions, "rows_read": rows}


def _queue_groups(count: int) -> list[list[str]]:
    """The queues of each worker: one takes them all; more take the deciding jobs and the mail in turn."""
    _default, routes, queues = celery_queues()
    every = [queue.name for queue in queues]
    deciding = list(dict.fromkeys(routes[job]["queue"] for job in JOBS))
    rest = [name for name in every if name not in deciding]
    return [every] if count == 1 else [(deciding, rest)[index % 2] for index in range(count)]


def _publish(jobs: tuple[str, ...]) -> None:
    """Publish jobs on the Redis broker with production's routes, as beat does."""
    from celery import Celery

    default, routes, queues = celery_queues()
    client = Celery("loadtest", broker=settings.REDIS_URL, set_as_current=False)
    client.conf.update(
        task_default_queue=default,
        task_routes=routes,
        task_queues=queues,
        broker_transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    )
    try:
        for job in jobs:
            client.send_task(job)
    finally:
        client.close()


def _jobs_waiting(queues: list[str]) -> int:
    """Jobs already in the queues (Redis lists named after them) before the workers start."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5)
    try:
        return sum(client.llen(name) for name in queues)
    finally:
        client.close()


def _mail_counts() -> Counter:
    return Counter(dict(Notification.objects.values_list("status").annotate(n=Count("pk")).order_by()))


def _worker_jobs(log: str) -> tuple[dict[str, dict[str, int]], list[str]]:
    jobs: dict[str, Counter] = {}
    failures = []
    for line in log.splitlines():
        found = JOB_LINE.search(line)
        if found:
            jobs.setdefault(found.group(1), Counter())[found.group(2)] += 1
            if found.group(2) in ("raised", "failed"):
                failures.append(line.strip()[:300])
    return {job: dict(counts) for job, counts in sorted(jobs.items())}, failures


def _share(part: float, whole: float) -> float:
    return round(part / whole, 3) if whole else 0.0


# The run --------------------------------------------------------------------------------------


def _environment(primary_url: str, replica_url: str) -> dict[str, str]:
    """The environment of the processes it starts: production settings on this database (and replica)."""
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_REPLICA_URL", "EMAIL_URL")}
    env.update(
        # The database this process uses (under the test runner, the test database).
        DATABASE_URL=primary_url,
        DJANGO_SETTINGS_MODULE="projectsite.settings.production",
        DJANGO_SECRET_KEY=settings.SECRET_KEY,  # the sessions made here are signed with it
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        APP_TODAY=settings.APP_TODAY.strftime("%d/%m/%Y") if settings.APP_TODAY else "",
        REDIS_URL=settings.REDIS_URL,
    )
    if replica_url:
        env["DATABASE_REPLICA_URL"] = replica_url
    return env


def _start_web(index: int, port: int, processes: int, env: dict, folder: Path) -> Service:
    command = [
        sys.executable, "-m", "gunicorn", "projectsite.wsgi:application", "--workers", str(processes),
        "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5", "--log-level", "warning",
    ]  # fmt: skip
    return Service(f"web-{index}", command, env, folder)


def _start_worker(index: int, queues: list[str], env: dict, folder: Path) -> Service:
    # Mail goes to files in the run's folder (EMAIL_URL was left out: no SMTP), deleted at the end.
    env = {**env, "VAR_DIR": str(folder / "var"), "LOG_LEVEL": "INFO"}
    command = [
        sys.executable, "-m", "celery", "-A", "projectsite", "worker", "-Q", ",".join(queues),
        "--pool", "prefork", "--concurrency", "1", "--loglevel", "INFO",
        "-n", f"loadtest{index}-{os.getpid()}@%h",
        "--without-mingle", "--without-gossip", "--without-heartbeat",
    ]  # fmt: skip
    return Service(f"worker-{index}", command, env, folder, queues=queues)


def _threads(browsers: list, open_work: dict, deadline: float, think: float) -> list[threading.Thread]:
    threads = []
    for index, (user, browser) in enumerate(browsers):
        rng = random.Random(index)
        if user.role in (User.Role.SECRETARIAT, User.Role.LEADER):
            target, args = _secretariat_loop, (browser, deadline, think, rng)
        else:
            target, args = _head_loop, (browser, open_work.get(user.unit_id, []), deadline, think, rng)
        threads.append(threading.Thread(target=target, args=args, daemon=True))
    return threads


def run(
    *,
    users: int = 50,
    seconds: int = 60,
    web: int = 1,
    gunicorn_workers: int = 2,
    workers: int = 0,
    replica: str = "",
    replica_auto: bool = False,
    provinces: int = 1,
    think: float = 0.0,
    progress=print,
) -> dict:
    """``think``: mean seconds a user waits between requests (0: each user clicks again at once,
    which measures the server's capacity; real users read the page first)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("the load test runs on PostgreSQL: set DATABASE_URL")
    if workers and not settings.REDIS_URL:
        raise RuntimeError("--workers cần Redis làm hàng đợi: đặt REDIS_URL.")
    if replica and replica_auto:
        raise RuntimeError("--replica hoặc --replica-auto, không cả hai.")
    watchers, heads, open_work = _users(users, provinces)
    primary_url = _database_url(db)
    sent = Notification.Status.SENT

    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="de-an-06-loadtest-")))
        replica_server = None
        if replica_auto:
            progress("Bản sao: pg_basebackup của máy chính vào một thư mục tạm …")
            clock = time.monotonic()
            replica_server = pgcluster.replica_start(primary_url, owner=pgcluster.cluster_owner())
            stack.callback(replica_server.remove)
            replica = replica_server.url(db["NAME"])
            progress(
                f"  bản sao chạy trên cổng {replica_server.port} (sao chép {time.monotonic() - clock:.1f} s), "
                "nhận WAL từ máy chính"
            )
        elif replica:
            _check_replica(replica)
        env = _environment(primary_url, replica)
        progress("Thu thập tệp tĩnh (collectstatic) …")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True
        )

        services: list[Service] = []

        def stop_all() -> None:
            for service in services:
                service.stop(5)

        # After an error or Ctrl-C, before the replica goes; normally each is stopped below, in order.
        stack.callback(stop_all)
        ports = [pgcluster.free_port() for _ in range(web)]
        webs, worker_services = [], []
        for index, port in enumerate(ports, 1):
            progress(f"gunicorn {index}/{web}: {gunicorn_workers} tiến trình, 127.0.0.1:{port} …")
            webs.append(_start_web(index, port, gunicorn_workers, env, folder))
            services.append(webs[-1])
        if workers and (waiting := _jobs_waiting(_queue_groups(1)[0])):
            progress(f"  hàng đợi còn {waiting} việc từ trước (một lần chạy chưa xong?): các worker làm chúng trước")
        for index, queues in enumerate(_queue_groups(workers) if workers else [], 1):
            progress(f"Celery worker {index}/{workers}: hàng đợi {','.join(queues)} …")
            worker_services.append(_start_worker(index, queues, env, folder))
            services.append(worker_services[-1])
        for service, port in zip(webs, ports, strict=True):
            service.wait_until(lambda port=port: pgcluster.port_open(port))
        for worker in worker_services:
            worker.wait_until(lambda worker=worker: "ready." in worker.log())

        tally = Tally()
        # After the replica started: the sessions' commits give it a replayed transaction, hence a time to show.
        browsers = [
            (user, Browser(ports[i % web], _session_cookie(user), tally)) for i, user in enumerate([*watchers, *heads])
        ]
        for _user, browser in browsers:  # warm every worker and connection once
            browser.request("warm_up", "GET", "/healthz")
        tally.times.pop("warm_up", None)
        tally.by_port.clear()
        servers = {"primary": primary_url, **({"replica": replica} if replica else {})}
        before = {name: _database_work(url, db["NAME"]) for name, url in servers.items()}
        mails_before = _mail_counts()

        spread = f" trên {web} máy chủ web" if web > 1 else ""
        progress(f"{len(browsers)} người dùng{spread}, {seconds} giây …")
        deadline = time.monotonic() + seconds
        threads = _threads(browsers, open_work, deadline, think)
        started = time.monotonic()
        for thread in threads:
            thread.start()
        if worker_services:
            _publish(JOBS)
            progress("  đã gửi lệnh nhắc hạn và tin tóm tắt tuần cho các worker (như beat)")
        interval = 10 if seconds >= 30 else max(1, seconds // 3)
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(interval, left))
            line = f"  {time.monotonic() - started:>4.0f}/{seconds} s: {tally.requests()} yêu cầu"
            line += f", {len(tally.errors)} lỗi"
            if worker_services:
                line += f", thư đã gửi {_mail_counts()[sent] - mails_before[sent]}"
            progress(line)
        for thread in threads:
            thread.join(max(1.0, deadline + 60 - time.monotonic()))
        elapsed = time.monotonic() - started

        progress("Dừng gunicorn …")
        for service in webs:
            service.stop(10)
        if worker_services:
            progress(f"Dừng worker (mỗi worker làm xong việc đang cầm, tối đa {WORKER_GRACE} s) …")
        for worker in worker_services:
            worker.stop(WORKER_GRACE)
        # A server adds a session's counts to pg_stat_database when the session ends, a moment
        # after its client (a process stopped above) has gone.
        time.sleep(1)
        after = {name: _database_work(url, db["NAME"]) for name, url in servers.items()}
        mails_after = _mail_counts()
        worker_rows = []
        for worker in worker_services:
            jobs, failures = _worker_jobs(worker.log())
            for failure in failures:
                tally.error(f"{worker.name}: {failure}")
            worker_rows.append({"name": worker.name, "queues": worker.queues, "jobs": jobs})
    # Here every process has been stopped and the replica removed (the ExitStack).

    every = [ms for times in tally.times.values() for ms in times]
    database = {name: {key: after[name][key] - before[name][key] for key in before[name]} for name in before}
    result = {
        "users": len(browsers),
        "provinces": provinces,
        "seconds": round(elapsed, 1),
        "web_instances": web,
        "gunicorn_workers": gunicorn_workers,
        "think_seconds": think,
        "requests": len(every),
        "requests_per_second": round(len(every) / elapsed, 1),
        "p50_ms": round(statistics.median(every), 1) if every else 0,
        "p95_ms": round(_percentile(every, 0.95), 1),
        "errors": len(tally.errors),
        "error_samples": tally.errors[:5],
        "version_conflicts": tally.conflicts,
        "by_kind": {
            kind: {
                "requests": len(times),
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(_percentile(times, 0.95), 1),
            }
            for kind, times in sorted(tally.times.items())
        },
        "by_web": {f"127.0.0.1:{port}": tally.by_port[port] for port in ports},
        "database": database,
        "replica": None,
        "workers": worker_rows,
        "mails": None,
        "processes": {
            "groups": [service.group for service in services],
            "ports": ports + ([replica_server.port] if replica_server else []),
            "replica_folder": str(replica_server.folder) if replica_server else None,
        },
    }
    if replica:
        primary, copy = database["primary"], database["replica"]
        result["replica"] = {
            "auto": replica_auto,
            "pages": tally.pages,
            "pages_read_on_replica": tally.replica_pages,
            "share_of_pages": _share(tally.replica_pages, tally.pages),
            "share_of_rows_read": _share(copy["rows_read"], copy["rows_read"] + primary["rows_read"]),
            "share_of_transactions": _share(copy["transactions"], copy["transactions"] + primary["transactions"]),
        }
    if worker_services:
        result["mails"] = {
            "queued_during_run": sum(mails_after.values()) - sum(mails_before.values()),
            "delivered_during_run": mails_after[sent] - mails_before[sent],
            "waiting_at_end": mails_after[Notification.Status.QUEUED],
        }
    return result

"""The load test: gunicorn with production settings on loopback, simulated users for a bounded time.

Users are real accounts of the database (``generate_load`` makes them): the secretariat and the
leader open the dashboard, unit heads open their unit page and update their assignments (the
form page, then the POST with its CSRF token and version, as a browser does). Sessions are
created in the database beforehand, so the mix measures the pages, not the login form (which is
throttled). Everything stays on 127.0.0.1 and stops at the deadline.
"""

import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from tasks.models import Assignment
from units.models import Unit, User

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION_FIELD = re.compile(r'name="version" value="(\d+)"')


@dataclass
class Tally:
    times: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    conflicts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float) -> None:
        with self.lock:
            self.times.setdefault(kind, []).append(ms)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    """One simulated user: a connection of its own, its cookies, the time of every request."""

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
        self.tally.add(kind, (time.perf_counter() - started) * 1000)
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


def run(*, users: int = 50, seconds: int = 60, workers: int = 2, think: float = 0.0, progress=print) -> dict:
    """``think``: mean seconds a user waits between requests (0: each user clicks again at once,
    which measures the server's capacity; real users read the page first)."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("the load test runs on PostgreSQL: set DATABASE_URL")
    province = Unit.objects.filter(level=Unit.Level.PROVINCE, users__role=User.Role.LEADER).order_by("code").first()
    watchers = list(
        User.objects.filter(
            unit__province=province, role__in=[User.Role.SECRETARIAT, User.Role.LEADER], is_active=True
        ).order_by("pk")
    )
    heads = list(
        User.objects.filter(unit__province=province, role=User.Role.UNIT_HEAD, is_active=True)
        .exclude(unit__level=Unit.Level.PROVINCE)
        .order_by("unit__code")[: max(users - len(watchers), 0)]
    )
    open_work = {}
    for unit_id, pk in Assignment.objects.filter(
        unit__in=[h.unit_id for h in heads],
        work_status__in=[Assignment.WorkStatus.NOT_STARTED, Assignment.WorkStatus.IN_PROGRESS],
    ).values_list("unit_id", "pk"):
        open_work.setdefault(unit_id, []).append(pk)

    port = _free_port()
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        # The database this process uses (under the test runner, the test database).
        "DATABASE_URL": f"postgres://{quote(db['USER'] or '')}:{quote(str(db['PASSWORD'] or ''))}@"
        f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "projectsite.settings.production",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # the sessions made here are signed with it
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "APP_TODAY": settings.APP_TODAY.strftime("%d/%m/%Y") if settings.APP_TODAY else "",
    }
    base = Path(settings.BASE_DIR)
    progress("Thu thập tệp tĩnh (collectstatic) …")
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=base, env=env, check=True)
    progress(f"gunicorn: {workers} tiến trình, 127.0.0.1:{port} …")
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "projectsite.wsgi:application",
            "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        ],
        cwd=base,
        env=env,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        tally = Tally()
        browsers = [(user, Browser(port, _session_cookie(user), tally)) for user in [*watchers, *heads]]
        for _user, browser in browsers:  # warm every worker and connection once
            browser.request("warm_up", "GET", "/healthz")
        tally.times.pop("warm_up", None)
        progress(f"{len(browsers)} người dùng trong {seconds} giây …")
        deadline = time.monotonic() + seconds
        threads = []
        for index, (user, browser) in enumerate(browsers):
            rng = random.Random(index)
            if user.role in (User.Role.SECRETARIAT, User.Role.LEADER):
                target, args = _secretariat_loop, (browser, deadline, think, rng)
            else:
                target, args = _head_loop, (browser, open_work.get(user.unit_id, []), deadline, think, rng)
            threads.append(threading.Thread(target=target, args=args, daemon=True))
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + 60)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    every = [ms for times in tally.times.values() for ms in times]
    result = {
        "users": len(browsers),
        "seconds": round(elapsed, 1),
        "gunicorn_workers": workers,
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
    }
    return result

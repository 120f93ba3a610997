"""The benchmark: server time and queries of the main pages through the full middleware stack, and
the jobs, on whatever data the database holds (``generate_load`` makes it).

Every request goes through Django's test client (all middleware, sessions, templates); times are
wall-clock on this machine. Jobs run inside a transaction that is rolled back, so the benchmark
can be repeated and leaves the data as it found it (the one lasting write: each province's weeks
of reporting summarised before the jobs, as any first scorecard of the week does).

On national data (more than one province) the national budgets of issue 15 apply: the national
page, the reminder decision of every province, the digests per second of one process; given the
database of the same province generated alone (``alone_url``), each of the province's pages is
timed there too, by a second process taking turns with this one, and compared
(``<page>_vs_alone``, within 20 %).
"""

import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projectsite import clock
from reports import digests, outbox, reminders, selectors
from reports.activity import reporting_weeks
from reports.models import Notification, ReminderMark
from tasks.deadlines import DeadlineStatus, deadline_conditions
from tasks.models import Assignment, Task
from units.models import Unit, User


@dataclass
class Measure:
    p50_ms: float
    p95_ms: float
    queries: int
    runs: int
    note: str = ""
    per_second: float | None = None  # digests per second of wall-clock time
    per_core: float | None = None  # digests per second of CPU (the process's and its database server's)


class Rollback(Exception):
    pass


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class PageSampler:
    """The pages of one database, each opened by its user through Django's test client (every
    middleware, the session, the template), warmed once; ``sample`` times more requests."""

    def __init__(self, pages: list[tuple[str, User | None, str]], progress: Callable[[str], None] = print):
        self.clients: dict[str, tuple[Client, str]] = {}
        self.times: dict[str, list[float]] = {}
        self.queries: dict[str, int] = {}
        for name, user, url in pages:
            if user is None:
                progress(f"  {name}: nobody to open it in these data (skipped)")
                continue
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(user)
            client.get(url)  # warm caches and the session
            self.clients[name] = (client, url)
            self.times[name] = []

    def sample(self, name: str, runs: int) -> list[float]:
        client, url = self.clients[name]
        times = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            self.queries[name] = len(captured.captured_queries)
        self.times[name] += times
        return times

    def measure(self, name: str) -> Measure:
        return measure_of(self.times[name], self.queries[name])


def measure_of(times: list[float], queries: int) -> Measure:
    return Measure(round(statistics.median(times), 1), round(_percentile(times, 0.95), 1), queries, len(times))


def measure_once(action: Callable[[], object], runs: int = 3) -> tuple[Measure, object]:
    times, result, queries = [], None, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            try:
                with transaction.atomic():
                    result = action()
                    raise Rollback
            except Rollback:
                pass
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
    return Measure(round(statistics.median(times), 1), round(max(times), 1), queries, runs), result


def dashboard_floor_ms(province: Unit, runs: int) -> float:
    """The dashboard's aggregation alone (``selectors.status_breakdown_rows``, one ORM query),
    without the sums, the names, the view or the template: the least the page could cost."""
    today = clock.today()
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        list(selectors.status_breakdown_rows(province=province, today=today))
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times[1:]), 2)


def measure_breakdown(province: Unit, runs: int) -> Measure:
    """The dashboard's selector, ``selectors.status_breakdown``: the aggregation, its sums per
    level, district and document, and the two reads of names."""
    today = clock.today()
    selectors.status_breakdown(province=province, today=today)
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            selectors.status_breakdown(province=province, today=today)
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
    return Measure(round(statistics.median(times), 1), round(_percentile(times, 0.95), 1), queries, runs)


def bench_province(code: str | None = None) -> Unit:
    """The province whose pages are measured: ``code``, else Nghệ An (40) when it is there (so
    that a province alone and the same province inside the national data compare), else the
    first one with a leader."""
    provinces = Unit.objects.filter(level=Unit.Level.PROVINCE, is_active=True)
    if code:
        found = provinces.filter(code=code).first()
        if found is None:
            raise RuntimeError(f"no province {code} in force")
        return found
    return (
        provinces.filter(code="40").first()
        or provinces.filter(users__role=User.Role.LEADER).order_by("code").first()
        or provinces.order_by("code").first()
    )


def bench_pages(province: Unit) -> list[tuple[str, User | None, str]]:
    """(name, who opens it, URL) of the pages measured for ``province``; who is None when the data
    have nobody for it (no district in the two-level structure)."""
    secretariat = User.objects.filter(role=User.Role.SECRETARIAT, unit__province=province, is_active=True).first()
    district = (
        Unit.objects.filter(province=province, level=Unit.Level.DISTRICT, is_active=True)
        .annotate(n=Count("children"))
        .order_by("-n")
        .first()
    )
    district_head = User.objects.filter(unit=district, role=User.Role.UNIT_HEAD).first() if district else None
    commune_head = (
        User.objects.filter(
            unit__province=province, unit__level=Unit.Level.COMMUNE, unit__is_active=True, role=User.Role.UNIT_HEAD
        )
        .order_by("unit__code")
        .first()
    )
    big_task = (
        Task.objects.filter(assignments__unit__province=province)
        .annotate(n=Count("assignments"))
        .order_by("-n", "pk")
        .first()
    )
    national_user = User.objects.filter(role=User.Role.NATIONAL, is_active=True).order_by("pk").first()
    year = clock.today().year
    pages = [
        ("dashboard", secretariat, reverse("reports:overview")),
        ("lagging", secretariat, reverse("reports:lagging")),
        ("scorecard", secretariat, f"{reverse('reports:scorecard')}?year={year}"),
        ("district_unit_page", district_head, reverse("tasks:my_unit")),  # none in the two-level structure
        ("commune_my_unit", commune_head, reverse("tasks:my_unit")),
        ("task_assignments", secretariat, f"{reverse('reports:assignments')}?task={big_task.pk}"),
        ("scorecard_excel", secretariat, f"{reverse('reports:scorecard_excel')}?year={year}"),
    ]
    if data_scale() == "national" and national_user is not None:
        pages.append(("national_dashboard", national_user, reverse("reports:national")))
    return pages


def data_scale() -> str:
    return "national" if Unit.objects.filter(level=Unit.Level.PROVINCE, is_active=True).count() > 1 else "province"


def run(
    *,
    runs: int = 20,
    progress: Callable[[str], None] = print,
    province_code: str | None = None,
    alone_url: str | None = None,
) -> dict[str, dict]:
    """Every measure on the data in the database. ``alone_url``: the database of the same
    province generated alone; its pages are timed by a second process taking turns with this one,
    page by page (``AlonePages``), and compared (``<page>_vs_alone``)."""
    province = bench_province(province_code)
    scale = data_scale()
    year = clock.today().year
    progress(f"  pages of {province.code} {province.name}")
    sampler = PageSampler(bench_pages(province), progress)
    alone = AlonePages(alone_url, province.code) if alone_url else None
    try:
        if alone is None:
            for name in sampler.clients:
                sampler.sample(name, runs)
        else:
            # One request here, one there, in turn: the neighbours on this machine weigh on both alike.
            for name in sampler.clients:
                for _turn in range(runs):
                    sampler.sample(name, 1)
                    if name in alone.names:
                        alone.sample(name, 1)
    finally:
        if alone is not None:
            alone.close()
    results: dict[str, Measure] = {}
    for name in sampler.clients:
        results[name] = sampler.measure(name)
        progress(f"  {name}: p50 {results[name].p50_ms} ms")

    # The steady state a Monday's digests meet: every province's finished weeks of reporting
    # summarised (the scorecard's first read of the week does it; generate_load leaves none).
    for root in outbox.provinces(None):
        reporting_weeks(province=root, year=year, today=clock.today())

    def decide_everywhere():
        return [reminders.reminders_plan(root, clock.today()) for root in outbox.provinces(None)]

    decision, decided = measure_once(decide_everywhere)
    decision.note = (
        f"{sum(len(d.plans) for d in decided)} units reminded, "
        f"{sum(len(d.escalations) for d in decided)} escalated to, {len(decided)} provinces"
    )
    results["reminder_decision"] = decision
    reminder_run, summary = measure_once(lambda: reminders.reminders_decide(today=clock.today()))
    reminder_run.note = f"{summary.mails} mails, {summary.escalations} escalations"
    results["reminder_run"] = reminder_run
    cpu_started, backend_started = time.process_time(), backend_cpu_seconds()
    digest_run, summary = measure_once(lambda: digests.digests_decide(today=clock.today()), runs=1)
    cpu, backend_ended = time.process_time() - cpu_started, backend_cpu_seconds()
    results["digest_run"] = digest_measure(
        digest_run,
        summary.mails,
        cpu=cpu,
        backend_cpu=None if backend_started is None or backend_ended is None else backend_ended - backend_started,
    )
    results["dashboard_breakdown"] = measure_breakdown(province, runs)
    floor = dashboard_floor_ms(province, runs)
    results["dashboard_sql_floor"] = Measure(floor, floor, 1, runs)
    results["dashboard"].note = f"{results['dashboard'].p50_ms / floor:.1f}x the SQL floor" if floor else ""
    progress(f"  jobs: reminders {reminder_run.p50_ms} ms, digests {digest_run.p50_ms} ms; floor {floor} ms")
    vacuum_after_rollbacks()
    rows = {name: asdict(measure) for name, measure in results.items()}
    for name, row in rows.items():
        row["budget"], row["met"] = budget_check(scale, name, row, floor=floor)
    if alone is not None:
        measured = {name: asdict(alone.measure(name)) for name in alone.names if alone.times[name]}
        rows.update(compare_alone(rows, measured))
        rows["_alone"] = {"database": alone.database, **measured}
    rows["_province"] = {"code": province.code, "name": province.name, "scale": scale}
    return rows


def backend_cpu_seconds() -> float | None:
    """The CPU time so far of this connection's PostgreSQL server process, read from /proc when
    the database runs on this machine; None otherwise (another engine or machine)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    proc = Path("/proc") / str(pid)
    try:
        if not (proc / "comm").read_text().startswith("postgres"):
            return None
        fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def digest_measure(run: Measure, mails: int, *, cpu: float, backend_cpu: float | None) -> Measure:
    """The digests of one process: per second of wall-clock time (``per_second``), and per core
    (``per_core``), that is per second of CPU spent on them by this process and its database
    server process together: what a core gives, which the neighbours' load on a shared machine
    does not change (it lengthens the wall-clock time). None when the server's CPU is unknown."""
    wall = mails / (run.p50_ms / 1000) if run.p50_ms else 0.0
    run.per_second = round(wall, 1)
    note = f"{mails} digests, {wall:.0f} per second in one process (its CPU {cpu:.1f} s"
    if backend_cpu is not None:
        run.per_core = round(mails / (cpu + backend_cpu) if cpu + backend_cpu else 0.0, 1)
        note += f", the database's {backend_cpu:.1f} s): {run.per_core:.0f} per second per core"
    else:
        note += "; the database's CPU time unknown)"
    run.note = note
    return run


def vacuum_after_rollbacks() -> None:
    """The jobs' rolled-back mails and reminder marks leave dead rows (a national reminder run:
    ~57.000 marks each time); PostgreSQL's autovacuum may take its time, and the next run's pages
    would scan them. Vacuumed here, so that every run starts from the data as generated."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    tables = [model._meta.db_table for model in (Notification, ReminderMark)]
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(connection.ops.quote_name(t) for t in tables)}")


class AlonePages:
    """The same province's pages in the database where it was generated alone, timed by a
    ``manage.py bench --serve-pages`` process of its own (the test client works on the default
    database), on request: one JSON line asked, one answered, on its standard input and output."""

    MARK = "BENCH "

    def __init__(self, database_url: str, province_code: str):
        env = {**os.environ, "DATABASE_URL": database_url, "APP_TODAY": clock.today().strftime("%d/%m/%Y")}
        self.database = database_url.rsplit("/", 1)[-1]
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "bench", "--serve-pages", "--province", province_code],
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        hello = self._answer()
        if hello["province"] != province_code:
            self.close()
            raise RuntimeError(f"the database alone has no province {province_code}")
        self.names: list[str] = hello["pages"]
        self.times: dict[str, list[float]] = {name: [] for name in self.names}
        self.queries: dict[str, int] = {}

    def _answer(self) -> dict:
        for line in self.process.stdout:
            if line.startswith(self.MARK):
                answer = json.loads(line[len(self.MARK) :])
                if "error" in answer:
                    raise RuntimeError(f"bench --serve-pages: {answer['error']}")
                return answer
        raise RuntimeError(f"bench --serve-pages ended (exit {self.process.wait()})")

    def sample(self, name: str, runs: int) -> list[float]:
        self.process.stdin.write(json.dumps({"page": name, "runs": runs}) + "\n")
        self.process.stdin.flush()
        answer = self._answer()
        self.times[name] += answer["times"]
        self.queries[name] = answer["queries"]
        return answer["times"]

    def measure(self, name: str) -> Measure:
        return measure_of(self.times[name], self.queries[name])

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write(json.dumps({"quit": True}) + "\n")
            self.process.stdin.close()
            self.process.wait(timeout=60)


def serve_pages(lines, write: Callable[[str], None], province_code: str | None) -> None:
    """``bench --serve-pages``: this database's pages of the province, timed on request (``AlonePages``)."""
    try:
        province = bench_province(province_code)
    except RuntimeError as error:
        write(AlonePages.MARK + json.dumps({"error": str(error)}))
        return
    sampler = PageSampler(bench_pages(province), progress=lambda _line: None)
    write(AlonePages.MARK + json.dumps({"province": province.code, "pages": list(sampler.clients)}))
    for line in lines:
        asked = json.loads(line)
        if asked.get("quit"):
            return
        times = sampler.sample(asked["page"], asked["runs"])
        write(AlonePages.MARK + json.dumps({"times": times, "queries": sampler.queries[asked["page"]]}))


PAGES = {
    "dashboard",
    "lagging",
    "scorecard",
    "district_unit_page",
    "commune_my_unit",
    "task_assignments",
    "scorecard_excel",
}
ALONE_RATIO = 1.2  # issue 15: a province's pages inside the national data within 20 % of it alone


def compare_alone(rows: dict[str, dict], alone: dict[str, dict]) -> dict[str, dict]:
    """``<page>_vs_alone``: each page's p50 here against the same page in the database of the
    province alone (``alone``: its measures), with the budget (at most ``ALONE_RATIO`` times)."""
    compared = {}
    for name in sorted(PAGES):
        here, there = rows.get(name), alone.get(name)
        if not here or not there or not there.get("p50_ms"):
            continue
        ratio = here["p50_ms"] / there["p50_ms"]
        compared[f"{name}_vs_alone"] = {
            **asdict(
                Measure(
                    here["p50_ms"],
                    here["p95_ms"],
                    here["queries"],
                    here["runs"],
                    f"{ratio:.2f}x alone ({there['p50_ms']} ms, {there['queries']} queries)",
                )
            ),
            "ratio": round(ratio, 3),
            "budget": f"<= {ALONE_RATIO}x alone",
            "met": ratio <= ALONE_RATIO,
        }
    return compared


def budget_check(scale: str, name: str, row: dict, *, floor: float) -> tuple[str, bool | None]:
    """The budget for this measure at this scale ("Scale" issue; issue 15 nationally), and whether
    it is met (None: no budget)."""
    if name == "digest_run":
        if scale == "national":  # per core when the database server's CPU time is known, else per process
            per_core = row.get("per_core")
            return ">= 500 per second per core", (per_core if per_core is not None else row["per_second"] or 0) >= 500
        return ">= 200 per second", (row["per_second"] or 0) >= 200
    if scale == "province":
        if name == "dashboard":
            ratio = row["p50_ms"] / floor if floor else 0.0
            return "p50 <= 60 ms, <= 3x floor, <= 20 queries", (
                row["p50_ms"] <= 60 and ratio <= 3 and row["queries"] <= 20
            )
        if name in PAGES:
            return "p50 <= 100 ms, <= 20 queries", row["p50_ms"] <= 100 and row["queries"] <= 20
        if name == "reminder_run":
            return "<= 5 s", row["p50_ms"] <= 5000
    else:
        if name == "national_dashboard":
            return "p50 <= 100 ms", row["p50_ms"] <= 100
        if name == "dashboard":
            return "p50 <= 300 ms", row["p50_ms"] <= 300
        if name == "reminder_decision":
            return "<= 30 s", row["p50_ms"] <= 30_000
    return "", None


def data_sizes() -> dict[str, int]:
    from tasks.models import HistoryEntry, IndicatorReport

    return {
        "units": Unit.objects.count(),
        "assignments": Assignment.objects.count(),
        "figures": IndicatorReport.objects.count(),
        "history": HistoryEntry.objects.count(),
        "overdue": Assignment.objects.filter(deadline_conditions(clock.today())[DeadlineStatus.OVERDUE]).count(),
    }


# Structure transitions (bench --transition) ---------------------------------------------------

TRANSITION_BASIS = "Sắp xếp ĐVHC cấp tỉnh và cấp xã năm 2025 (đo hiệu năng)"
PROVINCE_APPLY_BUDGET_MS = 10_000
NATIONAL_BUDGET_MS = 15 * 60_000


def _timed(action: Callable[[], object]) -> tuple[float, int, object]:
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = action()
        elapsed = (time.perf_counter() - started) * 1000
    return round(elapsed, 1), len(captured.captured_queries), result


def peak_rss_mb() -> float:
    """The process's peak resident memory so far (``resource.getrusage``; KiB on Linux)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def transition_province_run(data_dir, progress: Callable[[str], None] = print) -> dict[str, dict]:
    """Nghệ An's transitions of ``devtools.reform`` (01/12/2024, the agencies, 01/07/2025) on the
    province data, each previewed then applied, in one transaction rolled back at the end (so the
    benchmark can be repeated; each later transition needs the earlier ones applied)."""
    from devtools.reform import demo_transitions
    from tasks.transitions import transition_apply, transition_preview

    rows: dict[str, dict] = {}
    try:
        with transaction.atomic():
            for step in demo_transitions(data_dir):
                name = f"transition_{step.data.effective_on:%Y_%m_%d}"
                ms, queries, preview = _timed(lambda step=step: transition_preview(step.data))
                if not preview.ok:
                    raise RuntimeError(f"{name}: {preview.errors} {[u.code for u in preview.unresolved]}")
                totals = preview.totals
                note = (
                    f"{totals['ending_units']} units end, {totals['new_units']} start, "
                    f"{totals['open_assignments']} open assignments"
                )
                rows[f"{name}_preview"] = {**asdict(Measure(ms, ms, queries, 1, note)), "budget": "", "met": None}
                ms, queries, transition = _timed(lambda step=step: transition_apply(step.data, by=None))
                summary = transition.summary
                note = (
                    f"{summary.get('assignments_ended', 0)} ended, {summary.get('assignments_carried', 0)} carried, "
                    f"{summary.get('figures_carried', 0)} opening figures"
                )
                rows[f"{name}_apply"] = {
                    **asdict(Measure(ms, ms, queries, 1, note)),
                    "budget": "<= 10 s",
                    "met": ms <= PROVINCE_APPLY_BUDGET_MS,
                }
                progress(f"  {name}: preview {rows[f'{name}_preview']['p50_ms']} ms, apply {ms} ms")
            raise Rollback
    except Rollback:
        pass
    return rows


def transition_national_run(
    data_dir, progress: Callable[[str], None] = print, provinces: list[str] | None = None
) -> dict[str, dict]:
    """The national transition of 01/07/2025 (``tasks.national_transition``): the inputs built,
    every province previewed, then applied one after another (each its own transaction inside
    one rolled back at the end). Split communes get equal parts (the benchmark's choice: the
    data give no proportions)."""
    from tasks.national_transition import national_apply, national_inputs, national_preview

    effective = datetime.date(2025, 7, 1)
    rows: dict[str, dict] = {}
    started = time.perf_counter()
    ms, queries, plan = _timed(
        lambda: national_inputs(
            data_dir=data_dir, effective_on=effective, basis=TRANSITION_BASIS, equal_splits=True, provinces=provinces
        )
    )
    rows["national_inputs"] = {
        **asdict(Measure(ms, ms, queries, 1, f"{len(plan.inputs)} provinces")),
        "budget": "",
        "met": None,
    }
    ms, queries, previews = _timed(lambda: national_preview(plan))
    closed = bench_closures(plan, previews)
    if closed:
        progress(f"  the benchmark's choice: open work closed for {', '.join(closed)} (unresolved by the data)")
        previews = national_preview(plan)
    blocked = [(p.data.province_code, [u.code for u in p.unresolved][:10], p.errors) for p in previews if not p.ok]
    if blocked:
        raise RuntimeError(f"unresolved: {blocked}")
    open_work = sum(p.totals["open_assignments"] for p in previews)
    ending = sum(p.totals["ending_units"] for p in previews)
    rows["national_preview"] = {
        **asdict(
            Measure(
                ms,
                ms,
                queries,
                1,
                f"{ending} units end, {open_work} open assignments; "
                f"closed by the benchmark: {', '.join(closed) or '-'}",
            )
        ),
        "budget": "",
        "met": None,
    }
    progress(f"  preview: {ms} ms, {ending} units end, {open_work} open assignments")
    last = [0.0]

    def told(done: int, total: int, handled: int) -> None:
        if time.perf_counter() - last[0] > 30 or done == total:
            last[0] = time.perf_counter()
            progress(f"  {done}/{total} provinces, {handled} assignment rows, {time.perf_counter() - started:.0f} s")

    totals: dict = {}
    try:
        with transaction.atomic():
            ms, queries, totals = _timed(lambda: national_apply(plan, by=None, progress=told))
            raise Rollback
    except Rollback:
        pass
    whole = round((time.perf_counter() - started) * 1000, 1)
    note = (
        f"{totals.get('provinces', 0)} provinces, {totals.get('ended_units', 0)} units ended, "
        f"{totals.get('new_units', 0)} started, {totals.get('assignments_ended', 0)} assignments ended, "
        f"{totals.get('assignments_carried', 0)} carried; peak RSS {peak_rss_mb()} MB"
    )
    rows["national_apply"] = {**asdict(Measure(ms, ms, queries, 1, note)), "budget": "", "met": None}
    rows["national_whole"] = {
        **asdict(Measure(whole, whole, 0, 1, "inputs, preview and apply")),
        "budget": "<= 15 min",
        "met": whole <= NATIONAL_BUDGET_MS,
        "peak_rss_mb": peak_rss_mb(),
    }
    return rows


BENCH_CLOSURE = (
    "Không xác định được đơn vị kế thừa trong dữ liệu (lựa chọn của phép đo hiệu năng, không phải của sản phẩm)"
)


def bench_closures(plan, previews) -> list[str]:
    """The benchmark's choice, never the product's: a unit the data leave unresolved (in the 2025
    mapping, 30622 Xã Tân Phú of An Giang goes to 30259, a commune of Đồng Tháp) has its links
    dropped and its open work closed with ``BENCH_CLOSURE``, so the measure can run; the codes
    are printed and kept in the results."""
    closed = []
    for data, preview in zip(plan.inputs, previews, strict=True):
        codes = {item.code for item in preview.unresolved}
        if not codes:
            continue
        data.links = [link for link in data.links if link.old_code not in codes]
        data.closures.update(dict.fromkeys(codes, BENCH_CLOSURE))
        closed += sorted(codes)
    return closed


def transition_run(data_dir, progress: Callable[[str], None] = print, provinces=None) -> dict[str, dict]:
    """The province's transitions on province data, the national one on national data."""
    if Unit.objects.filter(level=Unit.Level.PROVINCE).count() > 1:
        return transition_national_run(data_dir, progress, provinces)
    return transition_province_run(data_dir, progress)

"""Data for measuring: a province (Nghệ An's real units) or the whole country, deterministic for a seed.

Province: ~120 tasks, ~15.000 assignments, a year of daily e-ID figures for every commune
(~168.000), ~50.000 history rows. National: every province of the national unit list (~13.300
units), ~1.000.000 assignments, weekly figures. Everything is labelled illustrative and goes in
with bulk inserts, a task or a province at a time, so memory stays flat.

``structure="2024"`` generates on the structure the 2025 reform's mapping starts from (its old
side, the list of 01/03/2025), so that the national transition can be measured on it: Nghệ An's
exact 2024 state (``units.loaders.admin_units_2024``); every other province the 2023 list without
the communes absent from the mapping's old side (merged away in 2023–2025), plus the few communes
of the old side that the 2023 list lacks (made by those mergers), placed under the 2023 district
of a commune merged into the same new commune: **the generator's approximation** (the files do
not say their district, and the districts all end on 01/07/2025 anyway).

It runs only on an empty database of its own (after ``migrate``): it refuses one that already
holds its data, and one holding any unit, account, document, task or indicator it did not make,
before writing anything. Its accounts get a random password, printed once by the command.
"""

import datetime
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from projectsite.text import number
from reports.activity import reporting_weeks_reset
from tasks.loaders import read_documents
from tasks.models import Assignment, Document, HistoryEntry, Indicator, IndicatorReport, Target, Task
from tasks.services import documents_load, proportional_split
from tasks.summaries import indicator_totals_rebuild
from units.loaders import (
    UnitRow,
    admin_units_2024,
    commune_kind_of,
    read_admin_units,
    read_agencies,
    read_commune_changes_2024,
    read_commune_mergers_2024,
    read_csv,
    read_reform_2025,
)
from units.models import Unit, User
from units.services import accounts_ensure, secretariat_group_ensure, unit_tree_load
from units.text import search_key

DATA = Path(settings.BASE_DIR) / "data"
TODAY = datetime.date(2023, 6, 20)
YEAR_START = TODAY - datetime.timedelta(days=364)
EID = "DDDT-KICHHOAT"
REF_PREFIX = "T"  # generated tasks: T001, T002 …
S = Assignment.WorkStatus


@dataclass
class LoadSummary:
    units: int = 0
    tasks: int = 0
    assignments: int = 0
    figures: int = 0
    history: int = 0
    seconds: float = 0.0
    password: str = ""  # of the accounts it made: shown once, stored nowhere


class LoadError(Exception):
    """The database is not an empty one of its own; nothing was written. The message is for the user."""


def database_refusal() -> str | None:
    """Why this database must not receive generated data (None: it is empty, go ahead).

    Generated data mixed into a real or demo database would pass for real work, and its accounts
    would open it: only an empty database will do.
    """
    if Task.objects.filter(
        ref__startswith=REF_PREFIX, illustrative=True, title__startswith="Nhiệm vụ tải thử"
    ).exists():
        return "Dữ liệu đo đã có trong cơ sở dữ liệu này."
    found = [
        (model.objects.count(), label)
        for model, label in (
            (Unit, "đơn vị"),
            (User, "tài khoản"),
            (Document, "văn bản"),
            (Task, "nhiệm vụ"),
            (Indicator, "chỉ tiêu"),
        )
    ]
    found = [f"{number(count)} {label}" for count, label in found if count]
    if found:
        return f"Cơ sở dữ liệu này có dữ liệu không do generate_load tạo ({', '.join(found)})."
    return None


STRUCTURES = ("2023", "2024")


def generate(
    *, scale: str, seed: int = 1, progress: Callable[[str], None] = print, structure: str = "2023"
) -> LoadSummary:
    started = time.monotonic()
    refusal = database_refusal()
    if refusal:
        raise LoadError(refusal)
    rng = random.Random(seed)
    summary = LoadSummary(password=secrets.token_urlsafe(12))
    province_codes = ["40"] if scale == "province" else sorted({row["province_code"] for _l, row in _admin_rows()})
    progress(f"Đơn vị của {number(len(province_codes))} tỉnh …")
    for code in province_codes:
        summary.units += _load_units(code, prefix_agencies=scale == "national" and code != "40", structure=structure)
    _accounts(province_codes, password=summary.password)
    document_rows = read_documents(DATA / "nghe_an_documents.csv")
    task_count = 120 if scale == "province" else 130
    indicator = _indicator()
    for index, code in enumerate(province_codes, 1):
        province = Unit.objects.get(code=code)
        with transaction.atomic():
            # Every province its own documents, with the same numbers (its own 78/KH-UBND), under the
            # one national decision; and its own tasks in them.
            documents_load(rows=document_rows, province=province)
            documents = list(Document.objects.filter(province=province).order_by("issued_on", "pk"))
            tasks = _tasks(documents, task_count, rng)
            summary.tasks += len(tasks)
            assignments, history = _assignments(province, tasks, rng, scale)
            figures = _figures(province, indicator, rng, daily=scale == "province")
            indicator_totals_rebuild(province_id=province.pk, indicator_ids=[indicator.pk])
            reporting_weeks_reset(province_id=province.pk)  # history was written with past dates
        summary.assignments += assignments
        summary.history += history
        summary.figures += figures
        if index % 5 == 0 or index == len(province_codes):
            progress(
                f"  {index}/{len(province_codes)} tỉnh: {number(summary.tasks)} nhiệm vụ, "
                f"{number(summary.assignments)} giao nhiệm vụ, "
                f"{number(summary.figures)} số liệu, {number(summary.history)} lịch sử"
            )
    summary.seconds = time.monotonic() - started
    return summary


def _admin_rows():
    return read_csv(DATA / "vn_admin_units_2023-04-10.csv", ["province_code"])


def units_before_reform(code: str) -> list[UnitRow]:
    """The province's units as the 2025 reform's mapping expects them (the module's docstring)."""
    rows = read_admin_units(DATA / "vn_admin_units_2023-04-10.csv", code)
    if code == "40":
        changes = DATA / "nghe_an_communes_2023_vs_2025-03.csv"
        return admin_units_2024(
            rows,
            read_commune_changes_2024(changes),
            read_commune_mergers_2024(DATA / "nghe_an_communes_2024_mergers.csv"),
            path=changes,
        )
    reform = read_reform_2025(DATA / "vn_admin_reform_2025-07-01.csv", code)
    old_side = {row.old_code: row for row in reform}
    district_of = {row.code: row.parent_code for row in rows if row.level == Unit.Level.COMMUNE}
    kept = [row for row in rows if row.level != Unit.Level.COMMUNE or row.code in old_side]
    first_district = next(row.code for row in rows if row.level == Unit.Level.DISTRICT)
    for old_code, row in old_side.items():
        if old_code in district_of:
            continue
        siblings = sorted(r.old_code for r in reform if r.new_code == row.new_code and r.old_code in district_of)
        district = district_of[siblings[0]] if siblings else first_district
        kind = commune_kind_of(row.old_name) or Unit.Kind.COMMUNE
        kept.append(UnitRow(old_code, row.old_name, Unit.Level.COMMUNE, kind, district))
    return kept


def _load_units(code: str, *, prefix_agencies: bool, structure: str = "2023") -> int:
    if structure == "2024":
        rows = units_before_reform(code)
    else:
        rows = read_admin_units(DATA / "vn_admin_units_2023-04-10.csv", code)
    agencies = read_agencies(DATA / "nghe_an_provincial_units.csv", code)
    if prefix_agencies:  # agency codes are unique in the database: other provinces' are prefixed
        agencies = [UnitRow(f"{code}-{a.code}", a.name, a.level, a.kind, a.parent_code) for a in agencies]
    return unit_tree_load(rows=[rows[0], *agencies, *rows[1:]])


def _accounts(province_codes: list[str], *, password: str) -> None:
    password_hash = make_password(password)  # once: hashing is deliberately slow
    accounts = []
    for code in province_codes:
        province = Unit.objects.get(code=code)
        standing = Unit.objects.filter(province=province, kind=Unit.Kind.STANDING_BODY).first()
        accounts.append(
            User(
                username=f"secretariat-{code}",
                role=User.Role.SECRETARIAT,
                unit=standing,
                email=f"secretariat-{code}@load.invalid",
                is_staff=True,
            )
        )
        accounts.append(
            User(username=f"leader-{code}", role=User.Role.LEADER, unit=province, email=f"leader-{code}@load.invalid")
        )
    heads = Unit.objects.filter(province__code__in=province_codes).exclude(level=Unit.Level.PROVINCE)
    accounts += [
        User(username=f"head-{unit.code}", role=User.Role.UNIT_HEAD, unit=unit, email=f"head-{unit.code}@load.invalid")
        for unit in heads.only("pk", "code")
    ]
    created = accounts_ensure(accounts=accounts, password_hash=password_hash)
    secretariat_group_ensure(users=[a for a in created if a.role == User.Role.SECRETARIAT])


def _tasks(documents: list[Document], count: int, rng: random.Random) -> list[tuple[Task, str]]:
    """(task, who receives it): "communes", "districts" or "agencies"."""
    plan = []
    for n in range(1, count + 1):
        document = documents[n % len(documents)]
        recurring = n % 15 == 0
        due = None if recurring else document.issued_on + datetime.timedelta(days=rng.randint(30, 420))
        title = f"Nhiệm vụ tải thử {n:03d} theo {document.number}"
        plan.append(
            (
                Task(
                    document=document,
                    ref=f"{REF_PREFIX}{n:03d}",
                    title=title,
                    is_recurring=recurring,
                    default_due_date=due,
                    illustrative=True,
                    search_key=search_key(f"{REF_PREFIX}{n:03d} {title}"),
                ),
                _receivers(n, national=count > 120),
            )
        )
    Task.objects.bulk_create([task for task, _who in plan])
    return plan


def _receivers(n: int, *, national: bool) -> str:
    """Province: 30 tasks to every commune, 50 to every district, 40 to three agencies (~15.000).
    National: 95 to every commune, 30 to every district, 5 to agencies (~1.000.000)."""
    communes, districts = (95, 125) if national else (30, 80)
    return "communes" if n <= communes else ("districts" if n <= districts else "agencies")


def _assignments(province: Unit, tasks, rng: random.Random, scale: str) -> tuple[int, int]:
    units = list(Unit.objects.filter(province=province).exclude(level=Unit.Level.PROVINCE).only("pk", "level", "kind"))
    groups = {
        "communes": [u for u in units if u.level == Unit.Level.COMMUNE],
        "districts": [u for u in units if u.level == Unit.Level.DISTRICT],
        "agencies": [u for u in units if u.level == Unit.Level.AGENCY and u.kind != Unit.Kind.STANDING_BODY],
    }
    heads = dict(User.objects.filter(unit__province=province, role=User.Role.UNIT_HEAD).values_list("unit_id", "pk"))
    assignments: list[Assignment] = []
    for task, who in tasks:
        receivers = (
            groups[who] if who != "agencies" else rng.sample(groups["agencies"], min(3, len(groups["agencies"])))
        )
        for unit in receivers:
            assignment = Assignment(task=task, unit_id=unit.pk, due_date=task.default_due_date)
            _play(assignment, rng, heads.get(unit.pk))
            assignments.append(assignment)
    Assignment.objects.bulk_create(assignments, batch_size=5000)
    history = []
    for number_in_province, assignment in enumerate(assignments):
        if assignment.work_status == S.NOT_STARTED or (scale == "national" and number_in_province % 10):
            continue
        for step in range(1 if scale == "national" else rng.choice((3, 4, 5))):
            at = assignment.updated_at - datetime.timedelta(days=7 * step)
            history.append(
                HistoryEntry(
                    unit_id=assignment.unit_id,
                    assignment=assignment,
                    user_id=assignment.updated_by_id,
                    at=at,
                    action=HistoryEntry.Action.PROGRESS,
                    changes={"progress": [0, assignment.progress]},
                )
            )
    HistoryEntry.objects.bulk_create(history, batch_size=5000)
    return len(assignments), len(history)


def _play(assignment: Assignment, rng: random.Random, head_id: int | None) -> None:
    due = assignment.due_date
    roll = rng.random()
    moment = timezone.make_aware(
        datetime.datetime.combine(TODAY - datetime.timedelta(days=rng.randint(0, 120)), datetime.time(9))
    )
    if due is not None and due < TODAY and roll < 0.7:
        done = min(due + datetime.timedelta(days=rng.randint(-20, 10)), TODAY - datetime.timedelta(days=1))
        assignment.work_status, assignment.progress, assignment.completed_on = S.CONFIRMED, 100, done
        assignment.reported_at = assignment.confirmed_at = timezone.make_aware(
            datetime.datetime.combine(done, datetime.time(10))
        )
        moment = assignment.confirmed_at
    elif roll < 0.8:
        assignment.work_status, assignment.progress = S.IN_PROGRESS, rng.randrange(10, 95, 5)
    elif roll < 0.85:
        assignment.work_status, assignment.progress, assignment.reported_at = S.REPORTED, 100, moment
    if assignment.work_status != S.NOT_STARTED:
        assignment.updated_at, assignment.updated_by_id = moment, head_id


def _indicator() -> Indicator:
    indicator, _created = Indicator.objects.get_or_create(
        code=EID,
        province=None,
        defaults={"name": "Kích hoạt tài khoản định danh điện tử", "unit_of_measure": "tài khoản"},
    )
    return indicator


def _figures(province: Unit, indicator: Indicator, rng: random.Random, *, daily: bool) -> int:
    communes = list(Unit.objects.filter(province=province, level=Unit.Level.COMMUNE).only("pk", "parent_id"))
    districts = sorted({c.parent_id for c in communes})
    weights = [rng.uniform(0.5, 1.5) for _ in communes]
    total = 20_000 * len(communes)
    values = proportional_split(total, weights)
    targets = [
        Target(
            indicator=indicator,
            unit=province,
            value=total,
            start_date=YEAR_START,
            due_date=TODAY + datetime.timedelta(days=10),
            illustrative=True,
        )
    ]
    per_district: dict[int, int] = {}
    for commune, value in zip(communes, values, strict=True):
        per_district[commune.parent_id] = per_district.get(commune.parent_id, 0) + value
        targets.append(
            Target(
                indicator=indicator,
                unit_id=commune.pk,
                value=value,
                start_date=YEAR_START,
                due_date=TODAY + datetime.timedelta(days=10),
                illustrative=True,
            )
        )
    targets += [
        Target(
            indicator=indicator,
            unit_id=d,
            value=per_district[d],
            start_date=YEAR_START,
            due_date=TODAY + datetime.timedelta(days=10),
            illustrative=True,
        )
        for d in districts
    ]
    Target.objects.bulk_create(targets, batch_size=5000, ignore_conflicts=True)
    step = 1 if daily else 7
    days = [YEAR_START + datetime.timedelta(days=n) for n in range(0, 365, step)]
    rows = []
    for commune, value in zip(communes, values, strict=True):
        reach = rng.uniform(0.7, 1.05)
        for i, day in enumerate(days, 1):
            rows.append(
                IndicatorReport(
                    indicator=indicator, unit_id=commune.pk, as_of=day, value=int(value * reach * i / len(days))
                )
            )
        if len(rows) >= 20_000:
            IndicatorReport.objects.bulk_create(rows, batch_size=5000)
            rows.clear()
    IndicatorReport.objects.bulk_create(rows, batch_size=5000)
    return len(communes) * len(days)

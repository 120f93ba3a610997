"""Data for measuring: a province or the whole country, deterministic for a seed.

Three structures (``structure``):

- ``"2025"``, the default nationally: the two-level structure of 01/07/2025, the 34 provinces
  and 3.321 communes of ``data/vn_admin_units_2025-07-01.csv`` (valid from 01/07/2025, as
  ``seed_reference`` loads them), and each province's agencies (Nghệ An's list of
  ``data/nghe_an_provincial_units.csv`` with the province's name in place of Nghệ An's, without
  Sở Thông tin và Truyền thông, merged into Sở Khoa học và Công nghệ on 01/03/2025, and without
  Nghệ An's own economic-zone board elsewhere). The national decision 06/QĐ-TTg is one national
  document (no province) whose tasks are given to the communes and agencies of every province;
  each province has its own plans with the same numbers as Nghệ An's (its own 78/KH-UBND …,
  issued by its own people's committee; outside Nghệ An an illustrative copy) and its own tasks
  in them. ``PLAN_2025``: ~1.000.000 assignments for the 34 provinces, daily e-ID figures of
  every commune since 01/07/2025, the history of one changed assignment in ten, and "today"
  ``TODAY_2025`` (``bench`` runs with ``APP_TODAY`` set to it). Every province draws from a
  random generator of its own (the seed and its code), so a province generated alone
  (``provinces=["40"]``, or ``--scale province --structure 2025``) is exactly that province
  inside the national data: the two can be compared page by page.
- ``"2023"``, the default for a province: the list of 10/04/2023 (Nghệ An's real units for a
  province: ~120 tasks, ~15.000 assignments, a year of daily e-ID figures for every commune
  (~168.000), ~50.000 history rows; nationally the 63 provinces, ~1.000.000 assignments, weekly
  figures).
- ``"2024"`` generates on the structure the 2025 reform's mapping starts from (its old side, the
  list of 01/03/2025), so that the national transition can be measured on it: Nghệ An's exact
  2024 state (``units.loaders.admin_units_2024``); every other province the 2023 list without
  the communes absent from the mapping's old side (merged away in 2023–2025), plus the few
  communes of the old side that the 2023 list lacks (made by those mergers), placed under the
  2023 district of a commune merged into the same new commune: **the generator's
  approximation** (the files do not say their district, and the districts all end on
  01/07/2025 anyway).

Agency codes are a province's own (every province has its "CAT"): heads are ``head-<unit code>``
for a commune or district, ``head-<province code>-<agency code>`` for an agency; the
secretariat ``secretariat-<province code>``, the leader ``leader-<province code>``, and nationally
the account ``national`` (``User.Role.NATIONAL``). Everything invented is labelled
illustrative and goes in with bulk inserts, a task or a province at a time, so memory stays flat.

It runs only on an empty database of its own (after ``migrate``): it refuses one that already
holds its data, and one holding any unit, account, document, task or indicator it did not make,
before writing anything. Its accounts get a random password, printed once by the command.
"""

import dataclasses
import datetime
import random
import secrets
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from projectsite.text import number
from reports.activity import reporting_weeks_reset
from tasks.loaders import DocumentRow, read_documents
from tasks.models import Assignment, Document, HistoryEntry, Indicator, IndicatorReport, Target, Task
from tasks.services import documents_load, proportional_split
from tasks.summaries import indicator_totals_rebuild, status_counts_rebuild
from units.loaders import (
    UnitRow,
    admin_units_2024,
    commune_kind_of,
    read_admin_units,
    read_admin_units_2025,
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
TITLE_PREFIX = "Nhiệm vụ tải thử"
S = Assignment.WorkStatus
NGHE_AN = "40"
NATIONAL_USERNAME = "national"

# The two-level structure (structure "2025").
START_2025 = datetime.date(2025, 7, 1)  # the structure's first day: units valid from it, work given from it
TODAY_2025 = datetime.date(2025, 11, 20)  # the data's "today" (bench: APP_TODAY=20/11/2025)
TARGET_DUE_2025 = datetime.date(2025, 12, 31)
NATIONAL_DECISION = "06/QĐ-TTg"
AGENCIES_MERGED_2025 = {"STTTT"}  # into SKHCN on 01/03/2025 (devtools.reform.AGENCY_MERGERS)
NGHE_AN_ONLY_AGENCIES = {"BQLKKT"}  # Ban Quản lý Khu kinh tế Đông Nam: Nghệ An's own


@dataclass(frozen=True)
class LoadPlan:
    """How much work the 2025 structure gets. The default, for 3.321 communes and 34 × 31 agencies:
    3.321 × (60 + 241) + 34 × 3 × (10 + 30) = 1.003.701 assignments."""

    national_commune_tasks: int = 60  # tasks of 06/QĐ-TTg given to every commune of the country
    national_agency_tasks: int = 10  # tasks of 06/QĐ-TTg given to three agencies of every province
    own_commune_tasks: int = 241  # each province's own tasks given to every commune of the province
    own_agency_tasks: int = 30  # each province's own tasks given to three of its agencies
    agencies_per_task: int = 3  # the standing body and two others
    history_share: int = 10  # one changed assignment in this many gets its history


PLAN_2025 = LoadPlan()


@dataclass
class LoadSummary:
    units: int = 0
    provinces: int = 0
    documents: int = 0
    tasks: int = 0
    assignments: int = 0
    figures: int = 0
    history: int = 0
    accounts: int = 0
    seconds: float = 0.0
    structure: str = "2023"
    national_account: bool = False  # ``national`` (User.Role.NATIONAL) made
    password: str = ""  # of the accounts it made: shown once, stored nowhere


class LoadError(Exception):
    """The database is not an empty one of its own, or the request names no province of the
    structure; nothing was written. The message is for the user."""


def database_refusal() -> str | None:
    """Why this database must not receive generated data (None: it is empty, go ahead).

    Generated data mixed into a real or demo database would pass for real work, and its accounts
    would open it: only an empty database will do.
    """
    if Task.objects.filter(ref__startswith=REF_PREFIX, illustrative=True, title__startswith=TITLE_PREFIX).exists():
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


STRUCTURES = ("2023", "2024", "2025")


def default_structure(scale: str) -> str:
    return "2025" if scale == "national" else "2023"


def generate(
    *,
    scale: str,
    seed: int = 1,
    progress: Callable[[str], None] = print,
    structure: str | None = None,
    provinces: list[str] | None = None,
    plan: LoadPlan = PLAN_2025,
) -> LoadSummary:
    """Generate the data (the module's docstring). ``provinces``: only these province codes of
    the structure (a subset for tests, or one province to compare with the national data)."""
    started = time.monotonic()
    structure = structure or default_structure(scale)
    if structure not in STRUCTURES:
        raise LoadError(f"Không có cơ cấu {structure} (chọn {', '.join(STRUCTURES)}).")
    refusal = database_refusal()
    if refusal:
        raise LoadError(refusal)
    if structure == "2025":
        codes = [NGHE_AN] if scale == "province" and not provinces else provinces
        summary = _generate_2025(seed=seed, progress=progress, provinces=codes, plan=plan)
    else:
        summary = _generate_before_2025(
            scale=scale, seed=seed, progress=progress, structure=structure, provinces=provinces
        )
    summary.structure = structure
    summary.seconds = time.monotonic() - started
    return summary


def _generate_before_2025(
    *, scale: str, seed: int, progress: Callable[[str], None], structure: str, provinces: list[str] | None
) -> LoadSummary:
    """The structures of 2023 and 2024: each province its own copy of Nghệ An's documents and
    its own tasks in them."""
    rng = random.Random(seed)
    summary = LoadSummary(password=secrets.token_urlsafe(12))
    every = sorted({row["province_code"] for _l, row in _admin_rows()})
    if provinces:
        _check_codes(provinces, every, "10/04/2023")
    province_codes = ["40"] if scale == "province" else sorted(provinces or every)
    progress(f"Đơn vị của {number(len(province_codes))} tỉnh …")
    for code in province_codes:
        summary.units += _load_units(code, structure=structure)
    summary.national_account = scale == "national"
    summary.accounts = _accounts(province_codes, password=summary.password, national=summary.national_account)
    document_rows = read_documents(DATA / "nghe_an_documents.csv")
    task_count = 120 if scale == "province" else 130
    indicator = _indicator()
    for index, code in enumerate(province_codes, 1):
        province = Unit.objects.get(code=code, level=Unit.Level.PROVINCE)
        with transaction.atomic():
            # Every province its own documents, with the same numbers (its own 78/KH-UBND), under the
            # one national decision; and its own tasks in them.
            summary.documents += documents_load(rows=document_rows, province=province)
            documents = list(Document.objects.filter(province=province).order_by("issued_on", "pk"))
            tasks = _tasks(documents, task_count, rng)
            summary.tasks += len(tasks)
            assignments, history = _assignments(province, tasks, rng, scale)
            figures = _figures(province, indicator, rng, daily=scale == "province")
            indicator_totals_rebuild(province_id=province.pk, indicator_ids=[indicator.pk])
            status_counts_rebuild(province_id=province.pk)
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
    summary.provinces = len(province_codes)
    return summary


def _check_codes(asked: list[str], known, structure_label: str) -> None:
    unknown = sorted(set(asked) - set(known))
    if unknown:
        raise LoadError(f"Không có tỉnh mã {', '.join(unknown)} trong danh mục {structure_label}.")


# The two-level structure of 01/07/2025 ------------------------------------------------------


def _generate_2025(
    *, seed: int, progress: Callable[[str], None], provinces: list[str] | None, plan: LoadPlan
) -> LoadSummary:
    summary = LoadSummary(password=secrets.token_urlsafe(12))
    structure = read_admin_units_2025(DATA / "vn_admin_units_2025-07-01.csv")
    if provinces:
        _check_codes(provinces, structure, "01/07/2025")
    codes = sorted(provinces or structure)
    agencies = read_agencies(DATA / "nghe_an_provincial_units.csv", NGHE_AN)
    document_rows = read_documents(DATA / "nghe_an_documents.csv")
    communes = sum(len(structure[code]) - 1 for code in codes)
    progress(
        f"Cơ cấu 01/07/2025: {number(len(codes))} tỉnh, {number(communes)} xã, phường, đặc khu; "
        f"khoảng {number(_expected_assignments(plan, communes, len(codes)))} giao nhiệm vụ …"
    )
    for code in codes:
        province_row = structure[code][0]
        rows = [province_row, *_agencies_2025(agencies, province_row), *structure[code][1:]]
        summary.units += unit_tree_load(rows=rows, valid_from=START_2025)
    summary.national_account = True
    summary.accounts = _accounts(codes, password=summary.password, national=True)
    progress(f"  {number(summary.units)} đơn vị, {number(summary.accounts)} tài khoản")
    with transaction.atomic():
        national_rows = [row for row in document_rows if not row.implements]
        summary.documents += documents_load(rows=national_rows, province=None)
        decision = Document.objects.get(number=NATIONAL_DECISION, province__isnull=True)
        national_tasks = _tasks_2025(
            decision,
            plan.national_commune_tasks,
            plan.national_agency_tasks,
            random.Random(f"{seed}:national"),
            first=1,
        )
    summary.tasks += len(national_tasks)
    indicator = _indicator()
    for index, code in enumerate(codes, 1):
        rng = random.Random(f"{seed}:{code}")
        province = Unit.objects.get(code=code, level=Unit.Level.PROVINCE, is_active=True)
        with transaction.atomic():
            own_rows = [_localised(row, province_row=structure[code][0]) for row in document_rows]
            summary.documents += documents_load(rows=own_rows, province=province)  # 06/QĐ-TTg is there
            documents = list(Document.objects.filter(province=province).order_by("issued_on", "pk"))
            tasks = _own_tasks_2025(documents, plan, rng, first=len(national_tasks) + 1)
            summary.tasks += len(tasks)
            assignments, history = _assignments_2025(province, [*national_tasks, *tasks], rng, plan)
            figures = _figures(province, indicator, rng, daily=True, start=START_2025, today=TODAY_2025)
            indicator_totals_rebuild(province_id=province.pk, indicator_ids=[indicator.pk])
            status_counts_rebuild(province_id=province.pk)
            reporting_weeks_reset(province_id=province.pk)  # history was written with past dates
        summary.assignments += assignments
        summary.history += history
        summary.figures += figures
        progress(
            f"  {index}/{len(codes)} tỉnh ({code} {province.name}): {number(summary.tasks)} nhiệm vụ, "
            f"{number(summary.assignments)} giao nhiệm vụ, {number(summary.figures)} số liệu, "
            f"{number(summary.history)} lịch sử"
        )
    summary.provinces = len(codes)
    return summary


def _expected_assignments(plan: LoadPlan, communes: int, provinces: int) -> int:
    per_commune = plan.national_commune_tasks + plan.own_commune_tasks
    per_province = plan.agencies_per_task * (plan.national_agency_tasks + plan.own_agency_tasks)
    return communes * per_commune + provinces * per_province


def _short_name(province_row: UnitRow) -> str:
    """“Tỉnh Lai Châu” → “Lai Châu”, “Thành phố Huế” → “Huế”."""
    for prefix in ("Thành phố ", "Tỉnh "):
        if province_row.name.startswith(prefix):
            return province_row.name[len(prefix) :]
    return province_row.name


def _localise(text: str, province_row: UnitRow) -> str:
    """Nghệ An's wording for another province: its name, and "thành phố"/"Thành ủy" for a city."""
    if province_row.code == NGHE_AN or not text:
        return text
    short = _short_name(province_row)
    text = text.replace("Nghệ An", short)
    if province_row.kind == Unit.Kind.CENTRAL_CITY:
        text = text.replace(f"tỉnh {short}", f"thành phố {short}").replace("Tỉnh ủy", "Thành ủy")
        text = text.replace("Công an tỉnh", "Công an thành phố").replace(" tỉnh", " thành phố")
    return text


def _agencies_2025(agencies: list[UnitRow], province_row: UnitRow) -> list[UnitRow]:
    kept = [a for a in agencies if a.code not in AGENCIES_MERGED_2025]
    if province_row.code != NGHE_AN:
        kept = [a for a in kept if a.code not in NGHE_AN_ONLY_AGENCIES]
    return [UnitRow(a.code, _localise(a.name, province_row), a.level, a.kind, province_row.code) for a in kept]


def _localised(row: DocumentRow, *, province_row: UnitRow) -> DocumentRow:
    return dataclasses.replace(
        row, issuer=_localise(row.issuer, province_row), title=_localise(row.title, province_row)
    )


@dataclass
class PlannedTask:
    task: Task
    receivers: str  # "communes" or "agencies"
    given_on: datetime.date  # the day its assignments were given (their created_at)


def _tasks_2025(
    document: Document, communes: int, agencies: int, rng: random.Random, *, first: int
) -> list[PlannedTask]:
    """``communes`` + ``agencies`` tasks of one document, numbered from ``first``."""
    plan = []
    for n in range(first, first + communes + agencies):
        given = START_2025 + datetime.timedelta(days=rng.randint(0, (TODAY_2025 - START_2025).days - 14))
        recurring = n % 15 == 0
        due = None if recurring else given + datetime.timedelta(days=rng.randint(20, 300))
        title = f"{TITLE_PREFIX} {n:03d} theo {document.number}"
        plan.append(
            PlannedTask(
                Task(
                    document=document,
                    ref=f"{REF_PREFIX}{n:03d}",
                    title=title,
                    is_recurring=recurring,
                    default_due_date=due,
                    illustrative=True,
                    search_key=search_key(f"{REF_PREFIX}{n:03d} {title}"),
                ),
                "communes" if n < first + communes else "agencies",
                given,
            )
        )
    for day, planned in _by_day(plan):
        with override_settings(APP_TODAY=day):  # created that day (the clock's stamp)
            Task.objects.bulk_create([p.task for p in planned])
    return plan


def _own_tasks_2025(documents: list[Document], plan: LoadPlan, rng: random.Random, *, first: int):
    """The province's own tasks, spread over its documents."""
    made: list[PlannedTask] = []
    per_document = defaultdict(lambda: [0, 0])
    for n in range(plan.own_commune_tasks):
        per_document[n % len(documents)][0] += 1
    for n in range(plan.own_agency_tasks):
        per_document[n % len(documents)][1] += 1
    for index, document in enumerate(documents):
        communes, agencies = per_document[index]
        made += _tasks_2025(document, communes, agencies, rng, first=first + len(made))
    return made


def _by_day(planned: list[PlannedTask]):
    days: dict[datetime.date, list[PlannedTask]] = defaultdict(list)
    for p in planned:
        days[p.given_on].append(p)
    return sorted(days.items())


def _assignments_2025(
    province: Unit, planned: list[PlannedTask], rng: random.Random, plan: LoadPlan
) -> tuple[int, int]:
    """The province's assignments of the national tasks and of its own, one day's at a time."""
    units = list(
        Unit.objects.filter(province=province, is_active=True)
        .exclude(level=Unit.Level.PROVINCE)
        .order_by("code")
        .only("pk", "level", "kind")
    )
    communes = [u for u in units if u.level == Unit.Level.COMMUNE]
    standing = [u for u in units if u.kind == Unit.Kind.STANDING_BODY]
    others = [u for u in units if u.level == Unit.Level.AGENCY and u.kind != Unit.Kind.STANDING_BODY]
    heads = dict(User.objects.filter(unit__province=province, role=User.Role.UNIT_HEAD).values_list("unit_id", "pk"))
    secretariat = (
        User.objects.filter(unit__province=province, role=User.Role.SECRETARIAT).values_list("pk", flat=True).first()
    )
    made = history = 0
    for day, tasks in _by_day(planned):
        assignments: list[Assignment] = []
        for p in tasks:
            if p.receivers == "communes":
                receivers = communes
            else:
                receivers = standing[:1] + rng.sample(others, min(plan.agencies_per_task - 1, len(others)))
            for unit in receivers:
                assignment = Assignment(task=p.task, unit_id=unit.pk, due_date=p.task.default_due_date)
                _play_2025(assignment, rng, heads.get(unit.pk), today=TODAY_2025, given_on=day)
                assignments.append(assignment)
        with override_settings(APP_TODAY=day):  # given that day
            Assignment.objects.bulk_create(assignments, batch_size=5000)
        entries = []
        for assignment in assignments:
            made += 1
            if assignment.work_status == S.NOT_STARTED or made % plan.history_share:
                continue
            entries += _history_2025(assignment, secretariat)
        HistoryEntry.objects.bulk_create(entries, batch_size=5000)
        history += len(entries)
    return made, history


def _history_2025(assignment: Assignment, secretariat_id: int | None) -> list[HistoryEntry]:
    """What a unit and the secretariat did to a changed assignment: its progress, and for a
    confirmed one the report and the confirmation."""
    common = {"unit_id": assignment.unit_id, "assignment": assignment}
    if assignment.work_status != S.CONFIRMED:
        return [
            HistoryEntry(
                **common,
                user_id=assignment.updated_by_id,
                at=assignment.updated_at,
                action=HistoryEntry.Action.PROGRESS,
                changes={"progress": [0, assignment.progress]},
            )
        ]
    return [
        HistoryEntry(
            **common,
            user_id=assignment.updated_by_id,
            at=assignment.reported_at,
            action=HistoryEntry.Action.STATUS_CHANGED,
            changes={"work_status": [S.IN_PROGRESS, S.REPORTED], "progress": [50, 100]},
        ),
        HistoryEntry(
            **common,
            user_id=secretariat_id,
            at=assignment.confirmed_at,
            action=HistoryEntry.Action.STATUS_CHANGED,
            changes={"work_status": [S.REPORTED, S.CONFIRMED]},
        ),
    ]


# Shared ------------------------------------------------------------------------------------


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


def _load_units(code: str, *, structure: str = "2023") -> int:
    if structure == "2024":
        rows = units_before_reform(code)
    else:
        rows = read_admin_units(DATA / "vn_admin_units_2023-04-10.csv", code)
    # Agency codes are the province's own (unit_code_unique_in_force is per province): every
    # province has its CAT.
    agencies = read_agencies(DATA / "nghe_an_provincial_units.csv", code)
    return unit_tree_load(rows=[rows[0], *agencies, *rows[1:]])


def head_username(unit_code: str, *, level: int, province_code: str) -> str:
    """``head-<unit code>``; an agency's code is its province's own: ``head-<province>-<code>``."""
    if level == Unit.Level.AGENCY:
        return f"head-{province_code}-{unit_code}"
    return f"head-{unit_code}"


def _accounts(province_codes: list[str], *, password: str, national: bool = False) -> int:
    password_hash = make_password(password)  # once: hashing is deliberately slow
    accounts = []
    provinces = {
        unit.code: unit
        for unit in Unit.objects.filter(level=Unit.Level.PROVINCE, is_active=True, code__in=province_codes)
    }
    standing = {
        unit.province_id: unit
        for unit in Unit.objects.filter(province__in=provinces.values(), kind=Unit.Kind.STANDING_BODY, is_active=True)
    }
    for code in province_codes:
        province = provinces[code]
        accounts.append(
            User(
                username=f"secretariat-{code}",
                role=User.Role.SECRETARIAT,
                unit=standing.get(province.pk),
                email=f"secretariat-{code}@load.invalid",
                is_staff=True,
            )
        )
        accounts.append(
            User(username=f"leader-{code}", role=User.Role.LEADER, unit=province, email=f"leader-{code}@load.invalid")
        )
    heads = (
        Unit.objects.filter(province__in=provinces.values(), is_active=True)
        .exclude(level=Unit.Level.PROVINCE)
        .values_list("pk", "code", "level", "province__code")
        .order_by("province__code", "level", "code")
    )
    for pk, code, level, province_code in heads:
        username = head_username(code, level=level, province_code=province_code)
        accounts.append(
            User(username=username, role=User.Role.UNIT_HEAD, unit_id=pk, email=f"{username.lower()}@load.invalid")
        )
    if national:  # Bộ Công an, Tổ công tác: no unit, reads every province
        accounts.append(
            User(username=NATIONAL_USERNAME, role=User.Role.NATIONAL, email=f"{NATIONAL_USERNAME}@load.invalid")
        )
    created = accounts_ensure(accounts=accounts, password_hash=password_hash)
    secretariat_group_ensure(users=[a for a in created if a.role == User.Role.SECRETARIAT])
    return len(created)


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


def _play_2025(
    assignment: Assignment, rng: random.Random, head_id: int | None, *, today: datetime.date, given_on: datetime.date
) -> None:
    """What the unit (and the secretariat) did with the assignment since it was given: about
    70 % of what fell due is confirmed (most on time), a fifth of the rest finished early, most
    of the rest in progress, some reported and waiting for confirmation, some not started."""
    due = assignment.due_date
    roll = rng.random()
    span = (today - given_on).days
    moment = _at(given_on + datetime.timedelta(days=rng.randint(1, span - 1)), 9)
    done = None
    if due is not None and due < today and roll < 0.7:
        done = due + datetime.timedelta(days=rng.randint(-20, 10))
    elif due is not None and roll < 0.2:
        done = given_on + datetime.timedelta(days=rng.randint(1, span - 1))
    if done is not None:
        done = max(given_on + datetime.timedelta(days=1), min(done, today - datetime.timedelta(days=1)))
        assignment.work_status, assignment.progress, assignment.completed_on = S.CONFIRMED, 100, done
        assignment.reported_at = _at(done, 10)
        assignment.confirmed_at = moment = _at(min(done + datetime.timedelta(days=rng.randint(0, 3)), today), 15)
    elif roll < 0.8:
        assignment.work_status, assignment.progress = S.IN_PROGRESS, rng.randrange(10, 95, 5)
    elif roll < 0.85 and due is not None:
        assignment.work_status, assignment.progress, assignment.reported_at = S.REPORTED, 100, moment
    if assignment.work_status != S.NOT_STARTED:
        assignment.updated_at, assignment.updated_by_id = moment, head_id


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _indicator() -> Indicator:
    indicator, _created = Indicator.objects.get_or_create(
        code=EID,
        province=None,
        defaults={"name": "Kích hoạt tài khoản định danh điện tử", "unit_of_measure": "tài khoản"},
    )
    return indicator


def _figures(
    province: Unit,
    indicator: Indicator,
    rng: random.Random,
    *,
    daily: bool,
    start: datetime.date | None = None,
    today: datetime.date | None = None,
) -> int:
    """E-ID targets (province, districts, communes) and the communes' cumulative figures: a year
    to ``TODAY`` (the 2023 structure), or from ``start`` to ``today`` against a target due
    ``TARGET_DUE_2025`` (the 2025 structure, no district)."""
    communes = list(
        Unit.objects.filter(province=province, level=Unit.Level.COMMUNE, is_active=True)
        .order_by("code")
        .only("pk", "parent_id")
    )
    districts = sorted({c.parent_id for c in communes} - {province.pk})
    weights = [rng.uniform(0.5, 1.5) for _ in communes]
    total = 20_000 * len(communes)
    values = proportional_split(total, weights)
    first = start or YEAR_START
    due = TARGET_DUE_2025 if start else TODAY + datetime.timedelta(days=10)

    def target(unit_id: int, value: int) -> Target:
        return Target(
            indicator=indicator, unit_id=unit_id, value=value, start_date=first, due_date=due, illustrative=True
        )

    targets = [target(province.pk, total)]
    per_district: dict[int, int] = {}
    for commune, value in zip(communes, values, strict=True):
        per_district[commune.parent_id] = per_district.get(commune.parent_id, 0) + value
        targets.append(target(commune.pk, value))
    targets += [target(d, per_district[d]) for d in districts]
    Target.objects.bulk_create(targets, batch_size=5000, ignore_conflicts=True)
    step = 1 if daily else 7
    if start is None:
        days = [YEAR_START + datetime.timedelta(days=n) for n in range(0, 365, step)]
        share = [(i, len(days)) for i in range(1, len(days) + 1)]
    else:
        days = [start + datetime.timedelta(days=n) for n in range(0, (today - start).days + 1, step)]
        share = [((day - start).days + 1, (due - start).days + 1) for day in days]
    rows = []
    for commune, value in zip(communes, values, strict=True):
        reach = rng.uniform(0.7, 1.05)
        for day, (elapsed, period) in zip(days, share, strict=True):
            rows.append(
                IndicatorReport(
                    indicator=indicator, unit_id=commune.pk, as_of=day, value=int(value * reach * elapsed / period)
                )
            )
        if len(rows) >= 20_000:
            IndicatorReport.objects.bulk_create(rows, batch_size=5000)
            rows.clear()
    IndicatorReport.objects.bulk_create(rows, batch_size=5000)
    return len(communes) * len(days)

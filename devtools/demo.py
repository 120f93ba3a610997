"""Demo data on top of the real units and documents: illustrative tasks, progress and figures.

Everything here is labelled illustrative (``Task.illustrative``, ``Target.illustrative``):
the full texts of the plans are not in the repository. Real: the units, the documents, the
e-ID indicator with its province target of 1.269.779 due 30/06/2023.

The generator is deterministic: the same ``today`` and ``seed`` give the same data, and a
second run creates nothing because every row is looked up by its natural key first.
"""

import datetime
import random
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from projectsite.text import number
from reports import reminders
from reports.activity import reporting_weeks_reset
from reports.models import Notification, ReminderMark
from reports.selectors import lagging_units
from tasks.cycles import DueRule, Period
from tasks.deadlines import DeadlineStatus, deadline_conditions
from tasks.models import (
    Assignment,
    ExplanationRequest,
    HistoryEntry,
    Indicator,
    IndicatorReport,
    ReportSlot,
    Target,
    Task,
)
from tasks.selectors import documents_by_number
from tasks.services import history_entry_build, proportional_split, targets_ensure
from tasks.slots import slots_ensure
from tasks.summaries import indicator_totals_rebuild, status_counts_rebuild
from units.loaders import DataFileError, read_csv
from units.models import Unit, User
from units.text import search_key

EID_CODE = "DDDT-KICHHOAT"
EID_NAME = "Kích hoạt tài khoản định danh điện tử"
EID_PROVINCE_TARGET = 1_269_779
EID_DUE = datetime.date(2023, 6, 30)
# Period of the expected-to-date line: the province's 2023 plan (KH 63/KH-UBND) starts the year.
EID_START = datetime.date(2023, 1, 1)
EID_SOURCE = "4505/UBND-KSTT"
# The 2023 programme is seeded as the secretariat saw it on this day (ten days before the e-ID
# deadline), then carried through the transitions to today's structure; the pages "as at"
# 20/06/2023 show it.
HISTORY_DAY = datetime.date(2023, 6, 20)

# Mountain districts of the west lag behind in the demo, as remote areas do.
SLOW_DISTRICTS = {"415", "416", "417", "418", "422"}

ALL_COMMUNES = "@communes"
ALL_DISTRICTS = "@districts"
ALL_AGENCIES = "@agencies"
GROUPS = (ALL_COMMUNES, ALL_DISTRICTS, ALL_AGENCIES)

# Illustrative tasks: plausible duties under each document, not quotations of them (the file's
# header says so too).
DEMO_TASKS_FILE = Path("demo") / "tasks.csv"  # under the data folder
# Illustrative tasks of the current year, for the units of the 2025 structure (no @districts).
# Its due dates are days of the year (--MM-DD) in the year of the demo's today, and YYYY in a
# reference or title is that year: the tasks stay the current year's whenever the demo is loaded.
DEMO_CURRENT_TASKS_FILE = Path("demo") / "tasks_current_year.csv"
YEAR_PLACEHOLDER = "YYYY"
DEMO_TASK_COLUMNS = ["document", "ref", "title", "due", "lead", "support"]


@dataclass(frozen=True)
class DemoTask:
    document: str
    ref: str
    title: str
    due: datetime.date | None  # None: recurring
    lead: tuple[str, ...]
    support: tuple[str, ...] = field(default=())


def read_demo_tasks(
    path: Path, *, documents: set[str], units: set[str], groups: tuple[str, ...] = GROUPS, year: int | None = None
) -> list[DemoTask]:
    """The demo tasks of ``path`` (``data/demo/tasks.csv``), in file order, checked completely first.

    ``documents`` and ``units``: the document numbers and unit codes the tasks may name;
    ``groups``: the groups they may name (no @districts in the two-level structure). A problem
    is a ``DataFileError`` naming the file and the line. ``year`` (the current year's file):
    due dates are days of the year, ``--MM-DD``, taken in that year, and ``YYYY`` in a reference
    or a title is that year.
    """
    tasks: list[DemoTask] = []
    seen: set[tuple[str, str]] = set()
    for line, row in read_csv(path, DEMO_TASK_COLUMNS, comments=True):

        def fail(reason: str, line: int = line) -> DataFileError:
            return DataFileError(
                _("%(path)s, line %(line)s: %(reason)s") % {"path": path.name, "line": line, "reason": reason}
            )

        if not row["document"]:
            raise fail(_("the document number is empty."))
        if row["document"] not in documents:
            raise fail(_("document %(number)s is not in the documents file.") % {"number": row["document"]})
        if year is not None:
            row = {**row, **{key: row[key].replace(YEAR_PLACEHOLDER, str(year)) for key in ("ref", "title")}}
        if not row["ref"] or not row["title"]:
            raise fail(_("the task's reference or title is empty."))
        if (row["document"], row["ref"]) in seen:
            raise fail(_("task %(ref)s of %(number)s appears twice.") % {"ref": row["ref"], "number": row["document"]})
        seen.add((row["document"], row["ref"]))
        if year is not None:
            due = _day_of_year(row["due"], year, fail) if row["due"] else None
        else:
            try:
                due = datetime.date.fromisoformat(row["due"]) if row["due"] else None
            except ValueError:
                raise fail(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": row["due"]}) from None
        lead, support = tuple(row["lead"].split()), tuple(row["support"].split())
        if not lead:
            raise fail(_("no lead unit."))
        for name in (*lead, *support):
            if name not in groups and name not in units:
                raise fail(_("unknown unit “%(code)s”.") % {"code": name})
        tasks.append(DemoTask(row["document"], row["ref"], row["title"], due, lead, support))
    if not tasks:
        raise DataFileError(_("%(path)s lists no task.") % {"path": path.name})
    return tasks


def _day_of_year(value: str, year: int, fail) -> datetime.date:
    """``--MM-DD`` in ``year``; 29 February is refused, since not every year has it."""
    match = re.fullmatch(r"--(\d\d)-(\d\d)", value)
    try:
        if not match or match.groups() == ("02", "29"):
            raise ValueError
        return datetime.date(year, int(match[1]), int(match[2]))
    except ValueError:
        raise fail(_("“%(value)s” is not a day of the year (--MM-DD, e.g. --03-31).") % {"value": value}) from None


@dataclass
class DemoSummary:
    tasks: int = 0
    assignments: int = 0
    targets: int = 0
    figures: int = 0
    history: int = 0


def _rng(*parts: str) -> random.Random:
    """A generator seeded by the row's natural key: the same row gets the same story every run."""
    return random.Random(zlib.crc32("|".join(parts).encode()))


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class DemoBuilder:
    """Builds the demo rows of one province as of ``today``, with the tasks of ``read_demo_tasks``."""

    def __init__(
        self,
        *,
        province: Unit,
        today: datetime.date,
        secretariat: User,
        tasks: Sequence[DemoTask],
        progress=None,
        indicator: bool = True,
        period_start: datetime.date | None = None,
    ):
        """``indicator``: also the e-ID indicator of 2023 (targets and figures); ``period_start``:
        no progress is dated before it (the current year's tasks start with the year)."""
        self.province = province
        self.indicator = indicator
        self.period_start = period_start
        self.tasks = tasks
        self.today = today
        self.secretariat = secretariat
        self.progress = progress or (lambda message: None)
        units = list(Unit.objects.filter(province=province, is_active=True).order_by("level", "code"))
        self.by_code = {unit.code: unit for unit in units}
        self.code_of = {unit.pk: unit.code for unit in units}
        self.groups = {
            ALL_COMMUNES: [u for u in units if u.level == Unit.Level.COMMUNE],
            ALL_DISTRICTS: [u for u in units if u.level == Unit.Level.DISTRICT],
            # The standing body follows everyone; it is not one of the agencies it urges.
            ALL_AGENCIES: [u for u in units if u.level == Unit.Level.AGENCY and u.kind != Unit.Kind.STANDING_BODY],
        }
        self.heads = {
            user.unit_id: user for user in User.objects.filter(unit__province=province, role=User.Role.UNIT_HEAD)
        }
        self.summary = DemoSummary()

    def units_for(self, names: tuple[str, ...]) -> list[Unit]:
        found: list[Unit] = []
        for name in names:
            found.extend(self.groups[name] if name.startswith("@") else [self.by_code[name]])
        return found

    @transaction.atomic
    def build(self) -> DemoSummary:
        self.build_tasks()
        if self.indicator:
            self.build_indicator()
        reporting_weeks_reset(province_id=self.province.pk)  # history was written with past dates
        status_counts_rebuild(province_id=self.province.pk)  # assignments written in bulk
        return self.summary

    # Tasks and assignments -------------------------------------------------------------
    def build_tasks(self) -> None:
        documents = documents_by_number(self.province)  # the province's own, then the national ones
        existing_tasks = {
            (t.document.number, t.ref): t
            for t in Task.objects.filter(document__in=list(documents.values())).select_related("document")
        }
        new_tasks = []
        for spec in self.tasks:
            if (spec.document, spec.ref) not in existing_tasks:
                task = Task(
                    document=documents[spec.document],
                    ref=spec.ref,
                    title=spec.title,
                    description="Nhiệm vụ minh họa cho bản demo, không trích nguyên văn từ văn bản.",
                    is_recurring=spec.due is None,
                    default_due_date=spec.due,
                    illustrative=True,
                    search_key=search_key(f"{spec.ref} {spec.title}"),
                )
                new_tasks.append(task)
                existing_tasks[(spec.document, spec.ref)] = task
        Task.objects.bulk_create(new_tasks)
        self.summary.tasks = len(new_tasks)
        self.progress(_("  illustrative tasks: %(n)s new") % {"n": number(len(new_tasks))})

        taken = set(Assignment.objects.filter(unit__province=self.province).values_list("task_id", "unit_id"))
        assignments: list[Assignment] = []
        for spec in self.tasks:
            task = existing_tasks[(spec.document, spec.ref)]
            for role, names in ((Assignment.Role.LEAD, spec.lead), (Assignment.Role.SUPPORT, spec.support)):
                for unit in self.units_for(names):
                    if (task.pk, unit.pk) in taken:
                        continue
                    taken.add((task.pk, unit.pk))
                    assignment = Assignment(task=task, unit=unit, role=role, due_date=spec.due)
                    self.play_progress(assignment, spec)
                    if assignment.work_status == Assignment.WorkStatus.CONFIRMED:
                        assignment.updated_by = self.secretariat
                    elif assignment.work_status != Assignment.WorkStatus.NOT_STARTED:
                        assignment.updated_by = self.heads.get(unit.pk)
                    assignments.append(assignment)
        Assignment.objects.bulk_create(assignments, batch_size=1000)
        self.summary.assignments = len(assignments)
        self.progress(_("  assignments: %(n)s new") % {"n": number(len(assignments))})

        history = [entry for assignment in assignments for entry in self.assignment_history(assignment)]
        HistoryEntry.objects.bulk_create(history, batch_size=1000)
        self.summary.history += len(history)

    def play_progress(self, assignment: Assignment, spec: DemoTask) -> None:
        """Give ``assignment`` a plausible state as of ``today`` (no rows written here)."""
        unit = assignment.unit
        rng = _rng(spec.document, spec.ref, unit.code)
        issued = assignment.task.document.issued_on
        start = max(issued, self.today - datetime.timedelta(days=400), self.period_start or issued)
        issued = max(issued, self.period_start or issued)
        slow = self.code_of.get(unit.area_id) in SLOW_DISTRICTS
        diligence = rng.random() * (0.75 if slow else 1.0)
        due = assignment.due_date
        if due is None:  # recurring: always in progress
            self._set(assignment, Assignment.WorkStatus.IN_PROGRESS, rng.randrange(30, 90, 5), start, rng)
            return
        if due < self.today:
            if diligence > 0.35:
                done = due - datetime.timedelta(days=rng.randint(0, 20))
            elif diligence > 0.22:
                done = due + datetime.timedelta(days=rng.randint(1, 12))
            elif diligence > 0.15:
                self._set(assignment, Assignment.WorkStatus.REPORTED, 100, start, rng)
                return
            else:
                self._set(assignment, Assignment.WorkStatus.IN_PROGRESS, rng.randrange(10, 90, 5), start, rng)
                return
            done = min(max(done, issued), self.today - datetime.timedelta(days=1))
            self._confirm(assignment, done, rng)
            return
        # Not due yet.
        if diligence > 0.85 and self.today > issued:
            self._confirm(assignment, issued + (self.today - issued) * rng.random() * 0.9, rng)
        elif diligence > 0.75:
            self._set(assignment, Assignment.WorkStatus.REPORTED, 100, start, rng)
        elif diligence > 0.2 and self.today > issued:
            self._set(assignment, Assignment.WorkStatus.IN_PROGRESS, rng.randrange(10, 95, 5), start, rng)
        # else: not started

    def _set(self, assignment, status, progress, start, rng) -> None:
        days = max((self.today - start).days, 1)
        changed = start + datetime.timedelta(days=rng.randint(0, days))
        assignment.work_status = status
        assignment.progress = progress
        assignment.updated_at = _at(min(changed, self.today), rng.randint(8, 16))
        if status == Assignment.WorkStatus.REPORTED:
            assignment.reported_at = assignment.updated_at

    def _confirm(self, assignment, done: datetime.date, rng) -> None:
        if isinstance(done, datetime.datetime):
            done = done.date()
        assignment.work_status = Assignment.WorkStatus.CONFIRMED
        assignment.progress = 100
        assignment.reported_at = _at(done, rng.randint(8, 16))
        assignment.completed_on = done
        confirmed = min(done + datetime.timedelta(days=rng.randint(0, 3)), self.today)
        assignment.confirmed_at = _at(confirmed, 17)
        assignment.updated_at = assignment.confirmed_at

    def assignment_history(self, assignment: Assignment) -> list[HistoryEntry]:
        status = assignment.work_status
        if status == Assignment.WorkStatus.NOT_STARTED:
            return []
        head = self.heads.get(assignment.unit_id)
        S = Assignment.WorkStatus
        reported_status = S.REPORTED if status in (S.REPORTED, S.CONFIRMED) else status
        entries = [
            history_entry_build(
                obj=assignment,
                user=head,
                action=HistoryEntry.Action.STATUS_CHANGED,
                changes={"work_status": [S.NOT_STARTED, reported_status], "progress": [0, assignment.progress]},
                note="Cập nhật tiến độ (dữ liệu minh họa).",
                at=assignment.reported_at or assignment.updated_at,
            )
        ]
        if status == S.CONFIRMED:
            entries.append(
                history_entry_build(
                    obj=assignment,
                    user=self.secretariat,
                    action=HistoryEntry.Action.STATUS_CHANGED,
                    changes={"work_status": [S.REPORTED, S.CONFIRMED]},
                    note="Xác nhận hoàn thành (dữ liệu minh họa).",
                    at=assignment.confirmed_at,
                )
            )
        if head is None:
            for entry in entries:
                entry.user = None
        return entries

    # The e-ID indicator ----------------------------------------------------------------
    def build_indicator(self) -> None:
        source = documents_by_number(self.province)[EID_SOURCE]
        indicator, _created = Indicator.objects.get_or_create(
            code=EID_CODE,
            province=source.province,  # the indicator of the province's letter: its own
            defaults={
                "name": EID_NAME,
                "unit_of_measure": "tài khoản",
                "document": source,
                "description": (
                    "Số tài khoản định danh điện tử đã kích hoạt (lũy kế) trên số hồ sơ đã được Bộ Công an "
                    "phê duyệt. Chỉ tiêu tỉnh 1.269.779 theo Công văn 4505/UBND-KSTT; phân bổ cho huyện, xã "
                    "trong bản demo là minh họa."
                ),
            },
        )
        districts = self.groups[ALL_DISTRICTS]
        communes = self.groups[ALL_COMMUNES]
        # Illustrative weights: a commune's share of registrations varies around the mean.
        weights = {c.code: 0.5 + _rng("weight", c.code).random() for c in communes}
        district_weight = {
            dist.pk: sum(weights[c.code] for c in communes if c.parent_id == dist.pk) for dist in districts
        }
        district_values = proportional_split(EID_PROVINCE_TARGET, [district_weight[dist.pk] for dist in districts])
        values = {self.province.pk: EID_PROVINCE_TARGET}
        for dist, value in zip(districts, district_values, strict=True):
            values[dist.pk] = value
            own = [c for c in communes if c.parent_id == dist.pk]
            for commune, part in zip(own, proportional_split(value, [weights[c.code] for c in own]), strict=True):
                values[commune.pk] = part

        targets = [
            Target(
                indicator=indicator,
                unit_id=unit_id,
                value=value,
                start_date=EID_START,
                due_date=EID_DUE,
                source_document=source,
                illustrative=unit_id != self.province.pk,
            )
            for unit_id, value in values.items()
        ]
        self.summary.targets = targets_ensure(targets=targets)
        self.progress(_("  targets: %(n)s new") % {"n": number(self.summary.targets)})
        self.build_figures(indicator, communes, values)

    def build_figures(self, indicator: Indicator, communes: list[Unit], targets: dict[int, int]) -> None:
        """Cumulative figures per commune: weekly since the start, daily over the last 14 days."""
        last = min(self.today, EID_DUE)
        days = []
        day = EID_START + datetime.timedelta(days=6)
        while day < last - datetime.timedelta(days=14):
            days.append(day)
            day += datetime.timedelta(days=7)
        day = max(last - datetime.timedelta(days=14), EID_START)
        while day <= last:
            days.append(day)
            day += datetime.timedelta(days=1)
        done = set(
            IndicatorReport.objects.filter(indicator=indicator, unit__province=self.province).values_list(
                "unit_id", flat=True
            )
        )
        span = (EID_DUE - EID_START).days
        figures = []
        for commune in communes:
            if commune.pk in done:
                continue
            rng = _rng("eid", commune.code)
            slow = self.code_of.get(commune.parent_id) in SLOW_DISTRICTS
            # How far along the commune is at the due date, at its pace.
            reach = rng.uniform(0.55, 0.9) if slow else rng.uniform(0.8, 1.08)
            value = 0
            for day in days:
                elapsed = (day - EID_START).days / span
                planned = int(targets[commune.pk] * reach * elapsed**0.8)
                value = max(value, planned)
                figures.append(
                    IndicatorReport(
                        indicator=indicator,
                        unit=commune,
                        as_of=day,
                        value=value,
                        reported_at=_at(day, 17),
                        reported_by=self.heads.get(commune.pk),
                    )
                )
        IndicatorReport.objects.bulk_create(figures, batch_size=2000)
        self.summary.figures = len(figures)
        self.progress(_("  indicator figures: %(n)s new") % {"n": number(len(figures))})
        history = [
            history_entry_build(
                obj=figure,
                user=figure.reported_by,
                action=HistoryEntry.Action.REPORTED,
                changes={"value": [None, figure.value], "as_of": [None, figure.as_of.isoformat()]},
                at=figure.reported_at,
            )
            for figure in figures
        ]
        HistoryEntry.objects.bulk_create(history, batch_size=2000)
        self.summary.history += len(history)
        indicator_totals_rebuild(province_id=self.province.pk, indicator_ids=[indicator.pk])


def demo_accounts(province: Unit, *, secretariat_unit: Unit) -> list[User]:
    """Unsaved accounts: ``secretariat``, ``leader``, a head for every unit in force under the
    province (``head-<code>``) and a staff member for every district (``staff-<code>``)."""
    accounts = [
        User(
            username="secretariat",
            first_name="Thường trực Đề án 06",
            role=User.Role.SECRETARIAT,
            unit=secretariat_unit,
            job_title="Cán bộ Cơ quan Thường trực",
            email="secretariat@demo.invalid",
            is_staff=True,  # configures reminders and unlocks accounts in the admin
        ),
        User(
            username="leader",
            first_name="Lãnh đạo UBND tỉnh",
            role=User.Role.LEADER,
            unit=province,
            job_title="Phó Chủ tịch UBND tỉnh",
            email="leader@demo.invalid",
        ),
    ]
    units = Unit.objects.filter(Q(province=province, is_active=True) & ~Q(pk=province.pk)).order_by("level", "code")
    for unit in units:
        title = "Thủ trưởng" if unit.level == Unit.Level.AGENCY else "Chủ tịch UBND"
        accounts.append(
            User(
                username=f"head-{unit.code}",
                first_name=f"{title} – {unit.name}",
                role=User.Role.UNIT_HEAD,
                unit=unit,
                job_title=title,
                email=f"head-{unit.code.lower()}@demo.invalid",
            )
        )
        if unit.level == Unit.Level.DISTRICT:
            accounts.append(
                User(
                    username=f"staff-{unit.code}",
                    first_name=f"Cán bộ đầu mối – {unit.name}",
                    role=User.Role.UNIT_STAFF,
                    unit=unit,
                    job_title="Cán bộ đầu mối",
                    email=f"staff-{unit.code.lower()}@demo.invalid",
                )
            )
    return accounts


def missing_heads(province: Unit) -> tuple[list[User], list[str]]:
    """After the transitions: unsaved ``head-<code>`` accounts for the units in force that have no
    active head (a transition hands each successor the head of the old unit with its code, so
    this is rare), and the units whose ``head-<code>`` name is held by an account of another
    unit, in words (they keep the head the transition gave them)."""
    headed = set(
        User.objects.filter(unit__province=province, role=User.Role.UNIT_HEAD, is_active=True).values_list(
            "unit_id", flat=True
        )
    )
    units = list(
        Unit.objects.filter(province=province, is_active=True)
        .exclude(pk=province.pk)
        .exclude(pk__in=headed)
        .order_by("level", "code")
    )
    taken = {
        user.username: user
        for user in User.objects.filter(username__in=[f"head-{unit.code}" for unit in units]).select_related("unit")
    }
    accounts, clashes = [], []
    for unit in units:
        username = f"head-{unit.code}"
        if username in taken:
            clashes.append(f"{username}: {taken[username].unit} ≠ {unit.name}")
            continue
        title = "Thủ trưởng" if unit.level == Unit.Level.AGENCY else "Chủ tịch UBND"
        accounts.append(
            User(
                username=username,
                first_name=f"{title} – {unit.name}",
                role=User.Role.UNIT_HEAD,
                unit=unit,
                job_title=title,
                email=f"{username.lower()}@demo.invalid",
            )
        )
    return accounts, clashes


# After the history day: the 2023 programme winds down ------------------------------------


CLOSE_OUT_FIELDS = [
    "work_status",
    "progress",
    "completed_on",
    "reported_at",
    "confirmed_at",
    "updated_at",
    "updated_by",
    "version",
]


@dataclass
class CloseOut:
    confirmed: int = 0
    left_open: int = 0


def history_close_out(
    *, province: Unit, after: datetime.date, until: datetime.date, secretariat: User, keep_open: float = 0.08
) -> CloseOut:
    """Between the history day and the first transition the province finished most of the 2023
    programme, as provinces did: every open assignment with a due date is confirmed on a plausible
    day after ``after`` and before ``until``, except about ``keep_open`` of them, which are still
    open when the structure changes and are carried to the successors.

    Confirmations are dated after the history day, so the pages as at 20/06/2023 still show what
    the secretariat saw that day (the "as at" rule reads ``confirmed_at``). Illustrative, like
    the rest of the demo's progress.
    """
    S = Assignment.WorkStatus
    open_rows = list(
        Assignment.objects.filter(unit__province=province, due_date__isnull=False)
        .exclude(work_status__in=[S.CONFIRMED, S.PAUSED, S.CANCELLED])
        .select_related("unit", "task__document")
        .order_by("pk")
    )
    heads = {user.unit_id: user for user in User.objects.filter(unit__province=province, role=User.Role.UNIT_HEAD)}
    span = (until - after).days - 5
    summary = CloseOut()
    history: list[HistoryEntry] = []
    changed: list[Assignment] = []
    for assignment in open_rows:
        rng = _rng("close-out", assignment.task.document.number, assignment.task.ref, assignment.unit.code)
        if rng.random() < keep_open:
            summary.left_open += 1
            continue
        # Mostly within weeks of the due date (or of the history day), a few much later.
        start = max(assignment.due_date, after + datetime.timedelta(days=1))
        delay = int(rng.expovariate(1 / 45))
        done = min(start + datetime.timedelta(days=delay), after + datetime.timedelta(days=span))
        if assignment.work_status == S.REPORTED and assignment.reported_at is not None:
            done = timezone.localdate(assignment.reported_at)  # reported before the history day
        else:
            assignment.reported_at = _at(done, rng.randint(8, 16))
            history.append(
                history_entry_build(
                    obj=assignment,
                    user=heads.get(assignment.unit_id),
                    action=HistoryEntry.Action.STATUS_CHANGED,
                    changes={
                        "work_status": [assignment.work_status, S.REPORTED],
                        "progress": [assignment.progress, 100],
                    },
                    note="Báo cáo hoàn thành (dữ liệu minh họa).",
                    at=assignment.reported_at,
                )
            )
        confirmed = max(done, after) + datetime.timedelta(days=rng.randint(1, 4))
        confirmed = min(confirmed, until - datetime.timedelta(days=1))
        assignment.work_status = S.CONFIRMED
        assignment.progress = 100
        assignment.completed_on = done
        assignment.confirmed_at = _at(confirmed, 17)
        assignment.updated_at = assignment.confirmed_at
        assignment.updated_by = secretariat
        assignment.version += 1
        history.append(
            history_entry_build(
                obj=assignment,
                user=secretariat,
                action=HistoryEntry.Action.STATUS_CHANGED,
                changes={"work_status": [S.REPORTED, S.CONFIRMED]},
                note="Xác nhận hoàn thành (dữ liệu minh họa).",
                at=assignment.confirmed_at,
            )
        )
        changed.append(assignment)
        summary.confirmed += 1
    with transaction.atomic():
        Assignment.objects.bulk_update(
            changed,
            CLOSE_OUT_FIELDS,
            batch_size=500,
        )
        HistoryEntry.objects.bulk_create(history, batch_size=500)
    return summary


# Explanation requests of 2023 (illustrative) ------------------------------------------------


@dataclass(frozen=True)
class DemoRequest:
    """One request of the story: asked of the ``unit`` on ``asked`` by ``asker``, answered on
    ``answered`` (None: not by the history day)."""

    unit: Unit
    asker: User
    asked: datetime.date
    due: datetime.date
    reason: str
    answer: str = ""
    answered: datetime.date | None = None
    assignment: Assignment | None = None
    target: Target | None = None


# The unanswered request due on 12/06/2023 is reminded on 10/06 and escalated on 13/06, as the
# daily reminder run would have done.
EXPLANATION_MAIL_DAYS = (datetime.date(2023, 6, 10), datetime.date(2023, 6, 13))
ILLUSTRATIVE = "(dữ liệu minh họa)"


def history_explanations(*, province: Unit, secretariat: User) -> int:
    """A few explanation requests asked in April–June 2023 of units lagging on the history day
    (illustrative): a district and two communes asked by the secretariat and answered (one after
    its date), a commune asked by its district and not answered, reminded and escalated, and a
    commune asked a week before the history day, not yet due; the units on the lagging list's
    first page as at that day. Written as rows with their dates, and
    the reminder and escalation as the mails sent those days, so the pages as at 20/06/2023 and the
    report of Q2/2023 show them. Returns how many were created (none when the province has some)."""
    if ExplanationRequest.objects.filter(unit__province=province).exists():
        return 0
    lagging = lagging_units(province=province, today=HISTORY_DAY)
    units = Unit.objects.in_bulk([row.unit_id for row in lagging])
    heads = {u.unit_id: u for u in User.objects.filter(unit__province=province, role=User.Role.UNIT_HEAD)}
    # The worst first (the lagging list's order, so they are on its first page).
    ranked = [(units[row.unit_id], row) for row in lagging]
    districts = [unit for unit, _row in ranked if unit.level == Unit.Level.DISTRICT]
    communes = [
        unit for unit, row in ranked if unit.level == Unit.Level.COMMUNE and row.overdue and unit.area_id in heads
    ]
    targets = {t.unit_id: t for t in Target.objects.filter(unit__province=province, indicator__code=EID_CODE)}
    day = datetime.date
    story: list[DemoRequest] = []
    if districts:
        story.append(
            DemoRequest(
                districts[0],
                secretariat,
                day(2023, 4, 14),
                day(2023, 4, 28),
                "Tỷ lệ kích hoạt tài khoản định danh điện tử của huyện thấp hơn tiến độ chung của tỉnh. Đề nghị "
                f"báo cáo nguyên nhân và giải pháp {ILLUSTRATIVE}.",
                "Địa bàn miền núi, dân cư phân tán, nhiều người dân chưa có điện thoại thông minh. Huyện đã thành "
                f"lập tổ lưu động kích hoạt tại thôn, bản {ILLUSTRATIVE}.",
                day(2023, 4, 26),
                target=targets.get(districts[0].pk),
            )
        )
    if len(communes) >= 4:
        late, behind, silent, recent = communes[:4]
        overdue = (
            Assignment.objects.filter(deadline_conditions(HISTORY_DAY)[DeadlineStatus.OVERDUE], unit=silent)
            .filter(due_date__lt=day(2023, 6, 5))
            .order_by("due_date", "pk")
            .first()
        )
        story += [
            DemoRequest(
                late,
                secretariat,
                day(2023, 5, 15),
                day(2023, 5, 29),
                f"Nhiều nhiệm vụ của xã đã quá hạn nhưng chưa báo cáo kết quả. Đề nghị giải trình {ILLUSTRATIVE}.",
                "Cán bộ đầu mối của xã thay đổi trong tháng 5; xã đã phân công lại và cập nhật kết quả "
                f"{ILLUSTRATIVE}.",
                day(2023, 5, 31),  # after its date: late
            ),
            DemoRequest(
                behind,
                secretariat,
                day(2023, 5, 22),
                day(2023, 6, 2),
                f"Kết quả kích hoạt định danh điện tử của xã chậm so với kế hoạch. Đề nghị giải trình {ILLUSTRATIVE}.",
                f"Máy đọc chip của xã hỏng hai tuần; đã được Công an huyện hỗ trợ thiết bị thay thế {ILLUSTRATIVE}.",
                day(2023, 6, 1),
                target=targets.get(behind.pk),
            ),
            DemoRequest(
                silent,
                heads[silent.area_id],
                day(2023, 6, 5),
                day(2023, 6, 12),
                f"Nhiệm vụ đã quá hạn, xã chưa báo cáo tiến độ. Đề nghị giải trình lý do {ILLUSTRATIVE}.",
                assignment=overdue,
            ),
            DemoRequest(
                recent,
                secretariat,
                day(2023, 6, 12),
                day(2023, 6, 26),
                f"Xã có nhiều nhiệm vụ quá hạn. Đề nghị giải trình và nêu thời hạn hoàn thành {ILLUSTRATIVE}.",
            ),
        ]
    rows = [
        ExplanationRequest(
            unit=spec.unit,
            assignment=spec.assignment,
            target=spec.target,
            reason=spec.reason,
            due_date=spec.due,
            status=ExplanationRequest.Status.ANSWERED if spec.answered else ExplanationRequest.Status.OPEN,
            asked_by=spec.asker,
            asked_by_unit_id=spec.asker.unit_id,
            asked_at=_at(spec.asked, 9),
            answer=spec.answer,
            answered_by=heads.get(spec.unit.pk) if spec.answered else None,
            answered_at=_at(spec.answered, 15) if spec.answered else None,
        )
        for spec in story
    ]
    ExplanationRequest.objects.bulk_create(rows)
    for mail_day in EXPLANATION_MAIL_DAYS:
        _explanation_mails_sent(province, mail_day)
    return len(rows)


def _explanation_mails_sent(province: Unit, day: datetime.date) -> None:
    """The explanation reminders and escalations the daily run decided on ``day``, written as the
    mails sent that morning (no worker delivers mails of 2023), with their marks."""
    mails, owners, _skipped = reminders.explanation_mails(province, reminders.explanations_plan(province, day), day)
    at = _at(day, 7)
    Notification.objects.bulk_create(
        [
            Notification(
                kind=mail.kind,
                dedupe_key=mail.key,
                recipient=mail.recipient,
                user=mail.user,
                unit=mail.unit,
                subject=mail.subject[:300],
                body_text=mail.text,
                body_html=mail.html,
                status=Notification.Status.SENT,
                attempts=1,
                created_at=at,
                next_attempt_at=at,
                sent_at=at,
            )
            for mail in mails
        ]
    )
    sent = dict(Notification.objects.filter(dedupe_key__in=list(owners)).values_list("dedupe_key", "pk"))
    marks = {(pk, stage): sent[key] for key, owned in owners.items() for _kind, pk, stage in owned}
    ReminderMark.objects.bulk_create(
        [
            ReminderMark(explanation_id=pk, stage=stage, notification_id=notification, created_at=at)
            for (pk, stage), notification in marks.items()
        ]
    )


def history_explanations_close_out(*, province: Unit) -> int:
    """After the history day the units explained what was still waiting (the escalated one after
    the quarter ended) and whoever asked closed every request in July 2023 (illustrative), so none
    is open when the structure changes. Returns how many were closed."""
    S = ExplanationRequest.Status
    heads = {u.unit_id: u for u in User.objects.filter(unit__province=province, role=User.Role.UNIT_HEAD)}
    requests = list(ExplanationRequest.objects.filter(unit__province=province).exclude(status=S.CLOSED))
    for request in requests:
        if request.status == S.OPEN:
            late = request.due_date < HISTORY_DAY
            request.answer = (
                f"Xã đã hoàn thành và báo cáo bổ sung; chậm do thiếu cán bộ đầu mối {ILLUSTRATIVE}."
                if late
                else f"Xã đã xây dựng kế hoạch khắc phục, hoàn thành trong tháng 7/2023 {ILLUSTRATIVE}."
            )
            request.answered_by = heads.get(request.unit_id)
            answered = datetime.date(2023, 7, 5) if late else datetime.date(2023, 6, 24)
            request.answered_at = _at(answered, 15)
        request.status = S.CLOSED
        request.closed_by = request.asked_by
        request.closed_at = _at(datetime.date(2023, 7, 14), 16)
        request.version += 1
    ExplanationRequest.objects.bulk_update(
        requests, ["answer", "answered_by", "answered_at", "status", "closed_by", "closed_at", "version"]
    )
    return len(requests)


# Periodic reports (illustrative) -------------------------------------------------------------


@dataclass(frozen=True)
class DemoCycle:
    """The reporting cycle the demo gives a recurring task of its tasks files (``ref`` may hold
    ``YYYY``, the current year)."""

    document: str
    ref: str
    period: str
    rule: str
    day: int


# The 2023 programme's periodic reports, both owed by the districts: the monthly report of KH
# 63/KH-UBND "by the 20th" (as provinces set it under Nghị định 09/2019/NĐ-CP) and the weekly e-ID
# report of CV 4078/UBND-KSTT "by Friday". Each cycle starts on its document's day of issue.
HISTORY_CYCLES = (
    DemoCycle("63/KH-UBND", "II.3", Period.MONTHLY, DueRule.DAY_OF_PERIOD, 20),
    DemoCycle("4078/UBND-KSTT", "2", Period.WEEKLY, DueRule.DAY_OF_PERIOD, 5),
)
# The current year's monthly report of the communes, by the 20th, from the year's start (or the
# two-level structure's first day).
CURRENT_CYCLES = (DemoCycle("06/QĐ-TTg", f"{YEAR_PLACEHOLDER}.4", Period.MONTHLY, DueRule.DAY_OF_PERIOD, 20),)


def demo_cycles_set(
    *, province: Unit, cycles: Sequence[DemoCycle], since: datetime.date | None = None, year: int | None = None
) -> list[Task]:
    """Give the demo's recurring tasks of ``cycles`` their cycle, dated ``since`` (default: the
    task's document's day of issue), and date their assignments of the units in force that day
    from it (they were written with the seeding day's stamp; the nightly job opens reports from the
    later of the assignment's day and the cycle's). A task that has a cycle is left as it is.
    Returns the tasks."""
    documents = documents_by_number(province)
    tasks = []
    for spec in cycles:
        ref = spec.ref.replace(YEAR_PLACEHOLDER, str(year)) if year is not None else spec.ref
        task = Task.objects.select_related("document").get(document=documents[spec.document], ref=ref)
        tasks.append(task)
        if task.report_period:
            continue
        day = since or task.document.issued_on
        task.report_period, task.due_rule, task.due_day, task.cycle_since = spec.period, spec.rule, spec.day, day
        task.save(update_fields=["report_period", "due_rule", "due_day", "cycle_since"])
        Assignment.objects.filter(
            task=task,
            unit__in=Unit.objects.valid_on(day).filter(province=province),
            created_at__gt=_at(day, 8),
        ).update(created_at=_at(day, 8))
    return tasks


REPORT_NOTE = f"Báo cáo định kỳ của đơn vị {ILLUSTRATIVE}."
PARTLY_NOTE = f"Một số nội dung chưa thực hiện xong trong kỳ, chuyển sang kỳ sau {ILLUSTRATIVE}."


def submission_day(slot: ReportSlot, *, slow: bool) -> datetime.date | None:
    """The day the unit submits ``slot`` in the demo's story, or None (never): most on time, in the
    days before the due date; some days or weeks late; a few never, more in the slow districts.
    Decided by the slot's natural key, so every run (and every step) decides the same."""
    task = slot.assignment.task
    unit_rng = _rng("reporting", slot.unit.code)
    diligence = unit_rng.random() * (0.7 if slow else 1.0)
    rng = _rng("slot", task.document.number, task.ref, slot.unit.code, slot.period_start.isoformat())
    draw = rng.random()
    never = 0.03 + 0.12 * (1 - diligence)
    late = never + 0.08 + 0.35 * (1 - diligence)
    if draw < never:
        return None
    if draw < late:
        return slot.due_date + datetime.timedelta(days=rng.randint(1, 4 if slot.period == Period.WEEKLY else 15))
    early = min(rng.randint(0, 4), (slot.due_date - slot.period_start).days)
    return slot.due_date - datetime.timedelta(days=early)


def demo_reports_play(*, province: Unit, until: datetime.date) -> tuple[int, int]:
    """The periodic reports of the demo's cycles up to ``until`` (the application's clock is that
    day): the reports owed by then are opened (``tasks.slots.slots_ensure``, the nightly job's
    service, which catches up every period started), and every report of a unit in force whose
    story's day (``submission_day``) is on or before ``until`` is submitted, stamped that day by
    the unit's head, with its history entry. Reports the story submits later are left for a later
    step, so the pages as at a past day show what was received by then. Returns (opened, submitted).
    """
    opened = slots_ensure(today=until, province=province)
    slots = list(
        ReportSlot.objects.filter(
            unit__province=province,
            unit__is_active=True,
            submitted_at__isnull=True,
            assignment__task__illustrative=True,
            period_start__lte=until,
        )
        .select_related("unit__area", "assignment__task__document")
        .order_by("pk")
    )
    heads = {
        user.unit_id: user
        for user in User.objects.filter(unit__province=province, role=User.Role.UNIT_HEAD, is_active=True)
    }
    submitted: list[ReportSlot] = []
    history: list[HistoryEntry] = []
    for slot in slots:
        slow = SLOW_DISTRICTS & {slot.unit.code, slot.unit.area.code if slot.unit.area else ""}
        day = submission_day(slot, slow=bool(slow))
        if day is None or day > until:
            continue
        rng = _rng("slot-outcome", slot.unit.code, slot.period_start.isoformat(), str(slot.assignment_id))
        slot.outcome = ReportSlot.Outcome.PARTLY if rng.random() < 0.15 else ReportSlot.Outcome.DONE
        slot.submitted_at = _at(day, rng.randint(8, 16))
        slot.submitted_on = day
        slot.submitted_by = heads.get(slot.unit_id)
        submitted.append(slot)
        history.append(
            history_entry_build(
                obj=slot,
                user=slot.submitted_by,
                action=HistoryEntry.Action.SLOT_REPORTED,
                changes={"outcome": [None, slot.outcome]},
                note=PARTLY_NOTE if slot.outcome == ReportSlot.Outcome.PARTLY else REPORT_NOTE,
                at=slot.submitted_at,
            )
        )
    with transaction.atomic():
        _slots_submitted(submitted)
        HistoryEntry.objects.bulk_create(history, batch_size=1000)
        if history:
            reporting_weeks_reset(province_id=province.pk)  # history was written with past dates
    return opened, len(submitted)


def _slots_submitted(slots: Sequence[ReportSlot]) -> None:
    """Write the submission of ``slots`` (outcome, stamps, author; note, version and update stamp
    derived): one statement run for every row (``executemany``). ``bulk_update`` builds a CASE of
    every row for every field, which took seconds for the demo's few thousand reports."""
    meta, ops = ReportSlot._meta, connection.ops
    columns = [meta.get_field(name).column for name in ("outcome", "note", "submitted_at", "submitted_on")]
    columns += [meta.get_field("submitted_by").column, meta.get_field("updated_at").column]
    assignments = ", ".join(f"{connection.ops.quote_name(column)} = %s" for column in columns)
    version = ops.quote_name(meta.get_field("version").column)
    sql = (
        f"UPDATE {ops.quote_name(meta.db_table)} SET {assignments}, {version} = {version} + 1 "
        f"WHERE {ops.quote_name(meta.pk.column)} = %s"
    )
    rows = [
        (
            slot.outcome,
            PARTLY_NOTE if slot.outcome == ReportSlot.Outcome.PARTLY else REPORT_NOTE,
            ops.adapt_datetimefield_value(slot.submitted_at),
            ops.adapt_datefield_value(slot.submitted_on),
            slot.submitted_by_id,
            ops.adapt_datetimefield_value(slot.submitted_at),
            slot.pk,
        )
        for slot in slots
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)

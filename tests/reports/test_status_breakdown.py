"""The dashboard's breakdown (``reports.selectors.status_breakdown``) against counting by hand.

The breakdown is one ORM aggregation summed per level, district and document. Here every
assignment is read one by one and given its status by the rules of docs/DOMAIN.md written out again in
Python, so a mistake in the aggregation, its sums or the ``counted_q`` rule shows as a difference.
CI runs this file on PostgreSQL as well as SQLite.
"""

import datetime
import re
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from reports.selectors import status_breakdown
from tasks.deadlines import DeadlineStatus
from tasks.models import Assignment
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_document, make_task, make_unit
from units.models import Unit

DAY = datetime.timedelta(days=1)
KEYS = [*map(str, DeadlineStatus), "total"]


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def spread(tree):
    """Two documents, every status at every level, paused and cancelled work, a deactivated
    (merged) commune with open and overdue work, and a second province that must not leak in."""
    plan, letter = make_document("4505/UBND-KSTT"), make_document("78/KH-UBND")
    tasks = [make_task(plan), make_task(plan), make_task(letter)]
    cases = [
        {"due_date": TODAY - 5 * DAY},  # overdue
        {"due_date": TODAY + 2 * DAY, "work_status": "in_progress"},  # due soon
        {"due_date": TODAY + 40 * DAY, "work_status": "reported"},  # not yet due (awaiting confirmation)
        {},  # no deadline
        {"due_date": TODAY - DAY, "work_status": "confirmed", "completed_on": TODAY - 3 * DAY},  # on time
        {"due_date": TODAY - 9 * DAY, "work_status": "confirmed", "completed_on": TODAY - 2 * DAY},  # late
        {"due_date": TODAY - 5 * DAY, "work_status": "paused"},  # counts nowhere
        {"due_date": TODAY - 5 * DAY, "work_status": "cancelled"},  # counts nowhere
    ]
    units = [tree.agency, tree.area, tree.commune, tree.commune2, tree.other_district, tree.other_commune]
    for u, unit in enumerate(units):
        for t, task in enumerate(tasks):
            make_assignment(unit, task, **cases[(u + 2 * t) % len(cases)])
    merged = make_unit(parent=tree.area, code="4013", name="Xã Diễn Tân (đã sáp nhập)", is_active=False)
    for task in tasks:
        make_assignment(merged, task, due_date=TODAY - 5 * DAY)
    elsewhere = Tree(code="42", name="Tỉnh Hà Tĩnh")
    make_assignment(elsewhere.commune, tasks[0], due_date=TODAY - 5 * DAY)
    tree.merged = merged
    return tree


def status_by_hand(assignment: Assignment) -> str | None:
    """docs/DOMAIN.md's rules, one assignment at a time."""
    if assignment.work_status in ("paused", "cancelled") or not assignment.unit.is_active:
        return None
    due = assignment.due_date
    if due is None:
        return "no_deadline"
    if assignment.work_status == "confirmed":
        return "done_on_time" if assignment.completed_on <= due else "done_late"
    if due < TODAY:
        return "overdue"
    return "due_soon" if due <= TODAY + settings.DEADLINE_DUE_SOON_DAYS * DAY else "not_due"


def counted_by_hand(province: Unit) -> dict[str, dict]:
    """The breakdown's numbers by reading every assignment of the province in Python."""
    groups: dict[str, dict] = {"level": {}, "area": {}, "document": {}}
    total = Counter()
    for assignment in Assignment.objects.filter(unit__province=province).select_related("unit", "task"):
        status = status_by_hand(assignment)
        if status is None:
            continue
        keys = {
            "level": assignment.unit.level,
            "area": assignment.unit.area_id,
            "document": assignment.task.document_id,
        }
        for name, key in keys.items():
            if key is not None:
                groups[name].setdefault(key, Counter()).update([status, "total"])
        total.update([status, "total"])
    full = lambda counter: {key: counter[key] for key in KEYS}  # noqa: E731
    return {
        "province": full(total),
        **{name: {key: full(counter) for key, counter in table.items()} for name, table in groups.items()},
    }


def counts(row: dict) -> dict[str, int]:
    return {key: row[key] for key in KEYS}


def test_the_breakdown_equals_counting_every_assignment_by_hand(spread):
    breakdown = status_breakdown(province=spread.province, today=TODAY)
    expected = counted_by_hand(spread.province)

    assert breakdown.province == expected["province"]
    assert {row["level"]: counts(row) for row in breakdown.by_level} == expected["level"]
    assert {row["area_id"]: counts(row) for row in breakdown.by_area} == expected["area"]
    assert {row["document_id"]: counts(row) for row in breakdown.by_document} == expected["document"]
    # The data reach every status, and the rule left work out: 14 counted of the province's 21.
    assert all(breakdown.province[key] for key in KEYS)
    assert breakdown.province["total"] == 14
    assert Assignment.objects.filter(unit__province=spread.province).count() == 21


def test_the_merged_commune_and_paused_work_count_nowhere(spread):
    """Diễn Châu holds the district, two communes and the merged one (3 overdue there): the
    district's row counts only the active units' tracked work."""
    breakdown = status_breakdown(province=spread.province, today=TODAY)
    district = next(row for row in breakdown.by_area if row["area_id"] == spread.area.pk)
    tracked = Assignment.objects.filter(unit__in=[spread.area, spread.commune, spread.commune2]).exclude(
        work_status__in=["paused", "cancelled"]
    )
    assert district["total"] == tracked.count() == 7
    assert spread.merged.pk not in {row["area_id"] for row in breakdown.by_area}
    assert sum(row["total"] for row in breakdown.by_level) == breakdown.province["total"]
    assert sum(row["total"] for row in breakdown.by_document) == breakdown.province["total"]
    # Agencies belong to no district: the districts add up to the province less the agency's work.
    agency = Assignment.objects.filter(unit=spread.agency).exclude(work_status__in=["paused", "cancelled"]).count()
    assert sum(row["total"] for row in breakdown.by_area) == breakdown.province["total"] - agency


# The product's code asks the ORM for its queries; raw SQL, where it is needed, is written whole in
# a named function, never made by editing the text of the SQL Django generated for a queryset.
FIRST_PARTY = ("units", "tasks", "reports", "projectsite", "devtools")
SQL_TEXT_SURGERY = re.compile(r"get_compiler\(|sql_with_params\(|GROUPING SETS|str\([\w.]*\.query\)")


def test_no_code_edits_the_sql_django_generates():
    root = Path(settings.BASE_DIR)
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for package in FIRST_PARTY
        for path in sorted((root / package).rglob("*.py"))
        if "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if SQL_TEXT_SURGERY.search(line)
    ]
    assert found == []

"""seed_demo on the real Nghệ An data: counts, idempotency, and refusal of bad files."""

import datetime
import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import F, Q
from django.urls import reverse

from devtools.demo import HISTORY_DAY
from devtools.reform import DISTRICTS_CLOSED
from reports.models import Notification, ReminderMark
from reports.official import official_report_data
from reports.periods import Period
from reports.selectors import explanations_for_report, indicator_summaries, lagging_details, lagging_units
from tasks.deadlines import DeadlineStatus
from tasks.indicators import with_latest_figure
from tasks.models import (
    Assignment,
    Document,
    ExplanationRequest,
    HistoryEntry,
    IndicatorReport,
    ReportSlot,
    Target,
    Task,
)
from tasks.selectors import reporting_rates, status_counts
from units.models import StructureTransition, Unit, User

DATA = Path(settings.BASE_DIR) / "data"


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Unit,
            User,
            Document,
            Task,
            Assignment,
            Target,
            IndicatorReport,
            HistoryEntry,
            ExplanationRequest,
            ReportSlot,
        )
    } | {"submitted reports": ReportSlot.objects.filter(submitted_at__isnull=False).count()}


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", "--password", "demo-pass-2023", *args, stdout=out)
    return out.getvalue()


TODAY = "20/11/2026"  # the demo's "today" (default: the real today)
OPEN = ~Q(work_status__in=[Assignment.WorkStatus.CONFIRMED, Assignment.WorkStatus.CANCELLED]) & Q(ended_by=None)


@pytest.mark.django_db
def test_it_loads_todays_nghe_an_with_its_2023_history_and_a_second_run_changes_nothing():
    output = seed("--today", TODAY)

    province = Unit.objects.get(code="40", is_active=True)
    assert province.name == "Tỉnh Nghệ An"
    in_force = Unit.objects.filter(province=province, is_active=True)
    # Today's structure: 130 communes directly under the province, no district in force.
    assert in_force.filter(level=Unit.Level.COMMUNE).count() == 130
    assert in_force.filter(level=Unit.Level.COMMUNE, parent=province).count() == 130
    assert not in_force.filter(level=Unit.Level.DISTRICT).exists()
    thanh_vinh = Unit.objects.get(code="16681", is_active=True)
    assert (thanh_vinh.name, thanh_vinh.valid_from) == ("Phường Thành Vinh", datetime.date(2025, 7, 1))
    dong_vinh = Unit.objects.get(name="Phường Đông Vĩnh")
    assert (dong_vinh.is_active, dong_vinh.valid_to) == (False, datetime.date(2025, 7, 1))
    assert [s.successor for s in dong_vinh.successions.all()] == [thanh_vinh]
    assert dong_vinh.parent.code == "412"  # kept as it was, under Thành phố Vinh
    # The agencies: Sở Thông tin và Truyền thông merged into Sở Khoa học và Công nghệ.
    sttt = Unit.objects.get(code="STTTT")
    assert not sttt.is_active and sttt.successions.get().successor.code == "SKHCN"
    # No open work is left on an ended unit: carried to a successor, or closed with a reason.
    ended = Unit.objects.filter(province=province, is_active=False)
    assert ended.count() > 400
    assert not Assignment.objects.filter(OPEN, unit__in=ended).exists()
    assert not Target.objects.filter(unit__in=ended, ended_by=None, due_date__gte=datetime.date(2024, 12, 1)).exists()
    assert Assignment.objects.filter(unit__level=Unit.Level.DISTRICT, end_reason=DISTRICTS_CLOSED).exists()
    # The history stays on the 2023 units: Quang Trung's work and figures are still Quang Trung's.
    quang_trung = Unit.objects.get(name="Phường Quang Trung")
    assert Assignment.objects.filter(unit=quang_trung).exists()
    assert IndicatorReport.objects.filter(unit=quang_trung, carried=False).exists()
    # The programme of 2023 as the secretariat saw it on 20/06/2023: every deadline status.
    units_2023 = Unit.objects.valid_on(HISTORY_DAY).filter(province=province)
    assert units_2023.filter(level=Unit.Level.COMMUNE).count() == 460
    assert units_2023.filter(level=Unit.Level.DISTRICT).count() == 21
    history = Assignment.objects.filter(unit__in=units_2023).exclude(task__ref__startswith="2026.")
    statuses = status_counts(history, HISTORY_DAY)
    assert all(statuses[status.value] > 0 for status in DeadlineStatus)
    # Most of it was finished between the history day and the first transition; a few open
    # assignments were still open and carried to the successors.
    finished_later = history.filter(
        confirmed_at__date__gt=HISTORY_DAY, confirmed_at__date__lt=datetime.date(2024, 12, 1)
    )
    assert finished_later.count() > history.filter(work_status=Assignment.WorkStatus.CONFIRMED).count() / 3
    carried_2023 = Assignment.objects.filter(unit__in=in_force, carried_from__isnull=False).distinct()
    assert 0 < carried_2023.count() < history.count() / 10
    assert Target.objects.get(unit=province).value == 1_269_779
    assert sum(Target.objects.filter(unit__level=Unit.Level.DISTRICT).values_list("value", flat=True)) == 1_269_779
    # Current-year illustrative tasks for the units in force, with progress as of today.
    current = Assignment.objects.filter(task__ref__startswith="2026.")
    assert Task.objects.filter(ref__startswith="2026.").count() == 10
    assert not Task.objects.filter(illustrative=False).exists()
    assert current.filter(unit=thanh_vinh).exists()
    assert not current.filter(unit__is_active=False).exists()
    assert current.exclude(work_status=Assignment.WorkStatus.NOT_STARTED).exists()
    dated = Task.objects.filter(ref__startswith="2026.", is_recurring=False)
    assert {task.default_due_date.year for task in dated} == {2026}
    # Accounts: a head for every unit in force, head-16681 for Phường Thành Vinh.
    head = User.objects.get(username="head-16681")
    assert (head.unit, head.role, head.is_active) == (thanh_vinh, User.Role.UNIT_HEAD, True)
    headed = User.objects.filter(role=User.Role.UNIT_HEAD, is_active=True).values_list("unit_id", flat=True)
    assert not in_force.exclude(pk=province.pk).exclude(pk__in=headed).exists()
    assert not User.objects.get(username="staff-412").is_active  # the district ended, nowhere to follow
    assert User.objects.get(username="secretariat").check_password("demo-pass-2023")
    assert User.objects.get(username="secretariat").has_perm("tasks.change_assignment")
    assert not User.objects.get(username="leader").is_staff
    assert "demo-pass-2023" in output and "head-16681" in output and "20/06/2023" in output
    assert output.count("\n    minh họa: ") == 19 + 1 + 4  # the demo's own choices, each labelled
    before = counts()
    second = seed("--password", "another-password", "--today", TODAY)
    assert counts() == before
    assert User.objects.get(username="head-16681").check_password("demo-pass-2023")
    assert "another-password" not in second


@pytest.mark.django_db
def test_the_dashboards_kept_totals_as_at_20_06_2023_add_up_the_2023_communes_latest_figures():
    seed("--today", TODAY)
    province = Unit.objects.get(code="40", is_active=True)
    (summary,) = indicator_summaries(province=province, today=HISTORY_DAY)
    communes_2023 = Target.objects.filter(unit__level=Unit.Level.COMMUNE, unit__in=Unit.objects.valid_on(HISTORY_DAY))
    as_at = with_latest_figure(communes_2023, HISTORY_DAY)
    assert summary.node.actual == sum(t.latest_value or 0 for t in as_at) == 1_097_165
    # The figures as at 20/06/2023 are the latest ones ever, except for the two 2023 communes that
    # absorbed others on 01/12/2024 and stayed in force until 01/07/2025: their opening figure of
    # 01/12/2024 (carried, its own figure plus the absorbed communes') counts those communes a
    # second time, so the latest figures without a date are no reference for 20/06/2023.
    ever = {t.unit.code: t.latest_value for t in with_latest_figure(communes_2023.select_related("unit"))}
    on_day = {t.unit.code: t.latest_value for t in as_at.select_related("unit")}
    grown = {code for code in ever if ever[code] != on_day[code]}
    assert grown == {"16669", "16972"}  # Phường Lê Lợi, Xã Nghĩa Hưng
    assert IndicatorReport.objects.filter(unit__code__in=grown, carried=True, as_of="2024-12-01").count() == 2


def overview_numbers(response) -> dict:
    """What the overview shows: the status cards, the tables and the indicators with their trend."""
    assert response.status_code == 200
    context = response.context
    return {
        "cards": {card["status"].value: card["count"] for card in context["cards"]},
        "total": context["total"],
        "by_area": [(row["label"], row["counts"], row["total"]) for row in context["by_area"]],
        "by_level": [(row["label"], row["counts"], row["total"]) for row in context["by_level"]],
        "by_document": [(row["label"], row["counts"], row["total"]) for row in context["by_document"]],
        "indicators": [
            (s.node.target.indicator.code, s.node.target.value, s.node.actual, s.node.as_of, s.series, s.forecast)
            for s in context["indicators"]
        ],
        "rates": [
            (row.label, row.expected, row.received, row.on_time)
            for row in [context["rates"].total, *context["rates"].by_area, *context["rates"].by_task]
        ],
        "rate_series": [(row.label, row.expected, row.received, row.on_time) for row in context["rate_series"]],
    }


def explanations_seen(client) -> dict:
    """What the lagging list as at 20/06/2023 (its first page, and every row as its export reads
    them) and the report from 01/04/2023 to the history day show of the explanation requests."""
    province = Unit.objects.get(code="40", level=Unit.Level.PROVINCE)
    rows = lagging_details(lagging_units(province=province, today=HISTORY_DAY, as_at=HISTORY_DAY), as_at=HISTORY_DAY)
    page = client.get(reverse("reports:lagging"), {"as_at": "20/06/2023"})
    assert page.status_code == 200
    report = explanations_for_report(province=province, start=datetime.date(2023, 4, 1), end=HISTORY_DAY)
    return {
        "lagging": sorted((row.code, x.pk, x.shown_status) for row in rows for x in row.explanations),
        "first_page": page.content.decode().count('data-testid="lagging-explanations"><span class="stack-label">'),
        "page_links": sorted(int(pk) for pk in re.findall(r'href="/giai-trinh/(\d+)/"', page.content.decode())),
        "report": [(r.unit.code, r.asked_on, r.due_date, r.status, r.late, r.answered_on) for r in report],
    }


@pytest.mark.django_db
def test_the_overview_as_at_20_06_2023_shows_after_the_transitions_what_it_showed_live_that_day(client, settings):
    assert "--history-only" in seed("--history-only", "--today", TODAY)
    assert not StructureTransition.objects.exists()
    settings.APP_TODAY = HISTORY_DAY
    client.force_login(User.objects.get(username="secretariat"))
    live = overview_numbers(client.get(reverse("reports:overview")))
    assert all(live["cards"][status.value] > 0 for status in DeadlineStatus)
    assert len(live["by_area"]) == 21 and live["indicators"][0][2] == 1_097_165
    assert live["rates"][0][1] > 0  # the districts' periodic reports of 2023 (illustrative)
    # Explanation requests of April–June 2023 (illustrative), to units on the lagging list.
    asked = explanations_seen(client)
    statuses = [x[2] for x in asked["lagging"]]
    assert len(asked["lagging"]) == 5 and statuses.count("answered") == 3 and statuses.count("open") == 2
    assert ExplanationRequest.objects.filter(unit__level=Unit.Level.DISTRICT).count() == 1
    assert {pk for _code, pk, _status in asked["lagging"]} <= set(asked["page_links"])  # on its first page
    assert len(asked["report"]) == 5
    assert sum(1 for row in asked["report"] if row[4]) == 2  # one explained after its date, one not explained
    escalated = ReminderMark.objects.get(stage="escalated").explanation
    assert escalated.status == "open" and escalated.asked_by_unit.level == Unit.Level.DISTRICT
    assert Notification.objects.filter(kind="escalation", status="sent", created_at__date="2023-06-13").exists()

    settings.APP_TODAY = datetime.date(2026, 11, 20)
    seed("--today", TODAY)  # goes on from step 1: the transitions and the current year
    assert StructureTransition.objects.count() == 3
    client.force_login(User.objects.get(username="secretariat"))
    assert overview_numbers(client.get(reverse("reports:overview"), {"as_at": "20/06/2023"})) == live
    assert explanations_seen(client) == asked
    # Explained and closed in July 2023: none open when the structure changed, none carried.
    assert not ExplanationRequest.objects.exclude(status="closed").exists()
    assert not ExplanationRequest.objects.filter(ended_by__isnull=False).exists()
    province = Unit.objects.get(code="40", level=Unit.Level.PROVINCE)
    quarter = explanations_for_report(
        province=province, start=datetime.date(2023, 4, 1), end=datetime.date(2023, 6, 30)
    )
    assert [(r.unit, r.status, r.late) for r in quarter if r.request == escalated] == [(escalated.unit, "open", True)]
    assert [r.status for r in quarter].count("answered") == 4
    today = overview_numbers(client.get(reverse("reports:overview")))
    assert len(today["by_area"]) == 130 and today["indicators"][0][2] == 1_097_165


@pytest.mark.django_db
def test_the_districts_periodic_reports_of_2023_are_on_the_dashboard_as_at_30_06_2023_and_in_the_q2_report(
    client, settings
):
    seed("--today", TODAY)
    settings.APP_TODAY = datetime.date(2026, 11, 20)
    client.force_login(User.objects.get(username="secretariat"))
    page = client.get(reverse("reports:overview"), {"as_at": "30/06/2023"})
    html = page.content.decode()
    assert 'data-testid="rates-by-level"' in html and 'data-testid="reporting-total"' in html
    rates = page.context["rates"]
    # The 21 districts' monthly report (February–June, by the 20th) and weekly e-ID report (the four
    # weeks from 29/05 ending in June, by Friday): all due by 30/06/2023, most received, some late.
    assert rates.total.expected == 21 * (5 + 4)
    assert rates.total.expected > rates.total.received > rates.total.on_time > 0
    assert [row.key for row in rates.by_level] == [Unit.Level.DISTRICT] and len(rates.by_area) == 21
    assert [(row.code, row.label.split(". ")[0]) for row in rates.by_task] == [
        ("4078/UBND-KSTT", "2"),
        ("63/KH-UBND", "II.3"),
    ]
    assert any(row.missing for row in rates.by_area) and any(row.late for row in rates.by_area)

    # The official report of Q2/2023 counts them as the dashboard does as at the quarter's end.
    province = Unit.objects.get(code="40", level=Unit.Level.PROVINCE)
    quarter_end = datetime.date(2023, 6, 30)
    dashboard = reporting_rates(province, datetime.date(2023, 4, 1), quarter_end, as_at=quarter_end)
    data = official_report_data(province=province, period=Period("quarter", 2023, 2), today=settings.APP_TODAY)
    assert [(row.expected, row.received, row.on_time) for row in data.rates] == [
        (row.expected, row.received, row.on_time) for row in [*dashboard.by_level, dashboard.total]
    ]
    assert data.rates[-1].expected == 21 * (3 + 4) and data.rates[-1].received > 0

    # The reports of the units that ended stop with them: none opened after, none submitted after.
    assert not ReportSlot.objects.filter(unit__valid_to__isnull=False, period_start__gte=F("unit__valid_to")).exists()
    assert not ReportSlot.objects.filter(unit__valid_to__isnull=False, submitted_on__gte=F("unit__valid_to")).exists()
    # Today's communes owe the current year's monthly report: this month's is open for each of them.
    this_month = ReportSlot.objects.filter(unit__is_active=True, period_start=datetime.date(2026, 11, 1))
    assert this_month.count() == 130 and this_month.filter(assignment__task__ref="2026.4").count() == 130
    live = client.get(reverse("reports:overview")).context["rates"]
    assert [row.key for row in live.by_level] == [Unit.Level.COMMUNE]
    # January–October due; November's (due today, the 20th) expected only where received early.
    assert 130 * 10 < live.total.expected < 130 * 11 and live.total.received > live.total.expected * 3 / 4


@pytest.mark.django_db
def test_the_current_years_tasks_follow_the_demos_today():
    """Loaded in another year, the current year's tasks are that year's: due on the same days of
    the year, so some are done, some due, some not yet due, not all overdue."""
    seed("--today", "25/09/2031")
    tasks = Task.objects.filter(ref__startswith="2031.")
    assert tasks.count() == 10 and not Task.objects.filter(ref__startswith="2026.").exists()
    dues = {task.ref: task.default_due_date for task in tasks}
    assert dues["2031.1"] == datetime.date(2031, 3, 31) and dues["2031.10"] == datetime.date(2031, 12, 31)
    assert dues["2031.4"] is None  # recurring
    assert tasks.get(ref="2031.9").title == "Sơ kết thực hiện Đề án 06 năm 2031 của đơn vị"
    assert all(task.illustrative for task in tasks)
    current = Assignment.objects.filter(task__in=tasks)
    statuses = status_counts(current, datetime.date(2031, 9, 25))
    assert statuses[DeadlineStatus.NOT_DUE.value] > 0 and statuses[DeadlineStatus.DUE_SOON.value] > 0
    assert statuses[DeadlineStatus.OVERDUE.value] < statuses["total"] / 4
    assert not current.filter(confirmed_at__date__lt=datetime.date(2031, 1, 1)).exists()


@pytest.mark.django_db
def test_if_empty_leaves_an_existing_database_alone():
    Unit.objects.create(code="40", name="Tỉnh Nghệ An", level=Unit.Level.PROVINCE, kind="province")
    assert "không nạp thêm dữ liệu" in seed("--if-empty")
    assert Unit.objects.count() == 1


@pytest.fixture
def data_dir(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def corrupt(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("nghe_an_documents.csv", "2023-06-08", "08/06/2023", "dòng 8"),
        ("nghe_an_documents.csv", "number,kind", "so,kind", "number"),
        ("nghe_an_documents.csv", "Kế hoạch,2022", "Nghị quyết,2022", "Nghị quyết"),
        ("nghe_an_provincial_units.csv", "STTTT,Sở Thông tin và Truyền thông,", "STTTT,,", "dòng 14"),
        ("nghe_an_provincial_units.csv", "SYT,Sở Y tế,department", "SYT,Sở Y tế,hospital", "hospital"),
        ("vn_admin_units_2023-04-10.csv", "40,Tỉnh Nghệ An,Tỉnh,412", "40,Tỉnh Nghệ An,Tỉnh,41X", "41X"),
        ("vn_admin_units_2023-04-10.csv", ",16663,Phường Đông Vĩnh,Phường", ",16663,Phường Đông Vĩnh", "dòng"),
        ("demo/tasks.csv", "2022-12-31,@communes", "31/12/2022,@communes", "dòng 9"),
        ("demo/tasks.csv", ",STTTT,DPTTH BAONA", ",STTTX,DPTTH BAONA", "STTTX"),
        ("demo/tasks.csv", "63/KH-UBND,II.1,", "63/KH-UBNX,II.1,", "63/KH-UBNX"),
        ("demo/tasks.csv", "document,ref,title,due,lead,support", "document,ref,title,due,chu_tri,support", "lead"),
        # The current year's tasks name the units in force: no district, no merged agency.
        ("demo/tasks_current_year.csv", "--03-31,@communes,CAT", "--03-31,@districts,CAT", "@districts"),
        ("demo/tasks_current_year.csv", "--06-30,SKHCN,CAT", "--06-30,STTTT,CAT", "STTTT"),
        # Its due dates are days of the year, taken in the demo's year.
        ("demo/tasks_current_year.csv", "--03-31,@communes", "2026-03-31,@communes", "--MM-DD"),
        ("demo/tasks_current_year.csv", "--06-30,SKHCN", "--02-29,SKHCN", "--02-29"),
        ("nghe_an_communes_2024_mergers.csv", "low/unresolved", "unknown", "dòng 2"),
        ("vn_admin_reform_2025-07-01.csv", "Phường Thành Vinh,full", "Phường Thành Vinh,most", "most"),
    ],
)
@pytest.mark.django_db
def test_a_malformed_file_stops_with_a_clear_message_and_writes_nothing(data_dir, file, old, new, message):
    corrupt(data_dir / file, old, new)
    with pytest.raises(CommandError) as error:
        seed("--data-dir", str(data_dir))
    assert message in str(error.value)
    assert Path(file).name in str(error.value)
    assert sum(counts().values()) == 0


@pytest.mark.parametrize(
    "file",
    ["nghe_an_provincial_units.csv", "demo/tasks.csv", "demo/tasks_current_year.csv", "vn_admin_units_2025-07-01.csv"],
)
@pytest.mark.django_db
def test_a_missing_file_stops_with_a_clear_message_and_writes_nothing(data_dir, file):
    (data_dir / file).unlink()
    with pytest.raises(CommandError, match=re.escape(Path(file).name)):
        seed("--data-dir", str(data_dir))
    assert sum(counts().values()) == 0


@pytest.mark.django_db
def test_it_makes_the_tasks_of_the_demo_tasks_file(data_dir):
    tasks_file = data_dir / "demo" / "tasks.csv"
    assert "illustrative" in tasks_file.read_text(encoding="utf-8").splitlines()[0].lower()
    rows = [line for line in tasks_file.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    corrupt(tasks_file, "Chi trả an sinh xã hội không dùng tiền mặt", "Chi trả an sinh xã hội qua ví điện tử")
    seed("--data-dir", str(data_dir))
    assert Task.objects.exclude(ref__startswith="2026.").count() == len(rows) - 1  # every line but the header
    task = Task.objects.get(document__number="78/KH-UBND", ref="I.6")
    assert task.title == "Chi trả an sinh xã hội qua ví điện tử" and task.illustrative
    assert not Task.objects.filter(title="Chi trả an sinh xã hội không dùng tiền mặt").exists()


@pytest.mark.django_db
def test_an_unknown_province_or_date_is_refused(data_dir):
    with pytest.raises(CommandError, match="99"):
        seed("--province", "99")
    with pytest.raises(CommandError, match="31/02/2023"):
        seed("--today", "31/02/2023")
    with pytest.raises(CommandError, match="01/07/2025"):  # the demo shows the structure since then
        seed("--today", "20/06/2023")
    assert sum(counts().values()) == 0

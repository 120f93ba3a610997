"""The counts per status kept for each province (``tasks.summaries``, behind the national page): they
give what the live count gives for any day, and every writer of assignments keeps them."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from reports.national import province_rows
from reports.selectors import province_status_counts, status_breakdown
from tasks import services
from tasks.deadlines import deadline_counts
from tasks.models import Assignment, ExtensionRequest, ImportRecord, ProvinceStatusCount
from tasks.summaries import province_status_counts_kept, status_counts_rebuild
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_document, make_task
from units.models import Unit
from units.services import unit_save

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


def kept(province) -> dict:
    """The kept rows as they are, without those counting nothing."""
    return {
        (row.state, row.due_date): row.total
        for row in ProvinceStatusCount.objects.filter(province=province)
        if row.total
    }


def assert_same_as_rebuilt(province) -> None:
    before = kept(province)
    status_counts_rebuild(province_id=province.pk)
    assert before == kept(province)


def live(province, today) -> dict:
    return Assignment.objects.filter(unit__province=province).aggregate(**deadline_counts(today))


@pytest.fixture
def work(tree):
    """One assignment in each state, in the province of ``tree``."""
    document = make_document(province=tree.province)
    made = {
        "overdue": make_assignment(tree.commune, make_task(document), due_date=TODAY - 3 * DAY),
        "due_soon": make_assignment(tree.commune, make_task(document), due_date=TODAY + 2 * DAY),
        "not_due": make_assignment(tree.commune2, make_task(document), due_date=TODAY + 40 * DAY),
        "recurring": make_assignment(tree.agency, make_task(document, is_recurring=True)),
        "on_time": make_assignment(
            tree.commune2,
            make_task(document),
            due_date=TODAY - 5 * DAY,
            work_status="confirmed",
            completed_on=TODAY - 6 * DAY,
        ),
        "late": make_assignment(
            tree.other_commune,
            make_task(document),
            due_date=TODAY - 5 * DAY,
            work_status="confirmed",
            completed_on=TODAY - 2 * DAY,
        ),
        "cancelled": make_assignment(
            tree.other_commune, make_task(document), due_date=TODAY - 9 * DAY, work_status="cancelled"
        ),
    }
    return made


@pytest.mark.parametrize("offset", [-60, -4, -3, 0, 2, 3, 33, 40, 41, 90])
def test_the_kept_counts_give_the_live_counts_whatever_the_day(tree, work, offset):
    """Open work is kept by due date, so overdue, due soon and not due follow the day asked."""
    day = TODAY + offset * DAY
    assert province_status_counts_kept(today=day)[tree.province.pk] == live(tree.province, day)


def test_a_province_with_nothing_counted_counts_zero_everywhere(tree):
    Tree(code="42", name="Tỉnh Hà Tĩnh")
    assert province_status_counts_kept(today=TODAY) == {}
    assert province_status_counts(province=tree.province, today=TODAY)["total"] == 0
    assert all(row.counts["total"] == 0 for row in province_rows(today=TODAY))


def test_reports_confirmations_send_backs_pauses_and_cancellations_keep_them(tree, work):
    commune, secretariat = tree.head_commune, tree.secretariat

    def report(assignment, user, status, note="Đã làm xong."):
        assignment = Assignment.objects.select_related("unit").get(pk=assignment.pk)
        services.assignment_report(
            assignment=assignment,
            user=user,
            version=assignment.version,
            work_status=status,
            progress=100,
            note=note,
        )
        assert_same_as_rebuilt(tree.province)

    overdue, due_soon = work["overdue"], work["due_soon"]
    report(overdue, commune, "reported")  # still open: overdue until confirmed
    report(overdue, secretariat, "confirmed")  # done late
    report(due_soon, commune, "reported")
    report(due_soon, secretariat, "returned", note="Thiếu minh chứng.")
    report(due_soon, secretariat, "paused", note="Chờ hướng dẫn.")  # out of every count
    report(due_soon, secretariat, "in_progress", note="Tiếp tục.")  # back
    report(due_soon, secretariat, "cancelled", note="Không còn cần.")
    counts = province_status_counts_kept(today=TODAY)[tree.province.pk]
    assert counts == live(tree.province, TODAY)
    assert (counts["overdue"], counts["due_soon"], counts["done_late"]) == (0, 0, 2)


def test_an_approved_extension_moves_the_open_count_to_its_new_date(tree, work):
    assignment = work["overdue"]
    request = services.extension_request(
        assignment=assignment, user=tree.head_commune, proposed_due_date=TODAY + 20 * DAY, reason="Mưa lũ."
    )
    before = province_status_counts_kept(today=TODAY)[tree.province.pk]
    services.extension_decide(
        request=ExtensionRequest.objects.select_related("assignment__unit").get(pk=request.pk),
        user=tree.secretariat,
        approve=True,
    )
    after = province_status_counts_kept(today=TODAY)[tree.province.pk]
    assert (after["overdue"], after["not_due"]) == (before["overdue"] - 1, before["not_due"] + 1)
    assert_same_as_rebuilt(tree.province)


def test_assignments_given_in_one_step_count_at_once(tree):
    task = make_task(make_document(province=tree.province))
    services.assignments_create(
        task=task,
        units=[tree.commune, tree.commune2],
        user=tree.secretariat,
        province=tree.province,
        role="lead",
        due_date=TODAY + 10 * DAY,
    )
    assert province_status_counts_kept(today=TODAY)[tree.province.pk]["not_due"] == 2
    assert_same_as_rebuilt(tree.province)


def test_an_assignments_import_keeps_them(client, tree):
    from tests.tasks.test_imports import apply, upload, xlsx

    make_document("4505/UBND-KSTT", province=tree.province)
    headers = ("Số văn bản", "Mục", "Tên nhiệm vụ", "Mã đơn vị", "Tên đơn vị", "Vai trò", "Hạn hoàn thành")
    rows = [
        ("4505/UBND-KSTT", "8", "Rà soát hồ sơ", tree.commune.code, "", "Chủ trì", "15/07/2023"),
        ("4505/UBND-KSTT", "8", "Rà soát hồ sơ", tree.commune2.code, "", "Phối hợp", "15/06/2023"),
    ]
    upload(client, tree.secretariat, xlsx(rows, headers=headers, name="giao-viec.xlsx"), kind="assignments")
    assert apply(client, ImportRecord.objects.get()).status_code == 302
    counts = province_status_counts_kept(today=TODAY)[tree.province.pk]
    assert (counts["not_due"], counts["overdue"], counts["total"]) == (1, 1, 2)
    assert_same_as_rebuilt(tree.province)


def test_a_unit_deactivated_in_the_admin_leaves_the_counts_and_comes_back_reactivated(tree, work):
    total = province_status_counts_kept(today=TODAY)[tree.province.pk]["total"]
    commune = Unit.objects.get(pk=tree.commune.pk)
    commune.is_active, commune.valid_to = False, TODAY
    unit_save(unit=commune, user=tree.secretariat)
    assert province_status_counts_kept(today=TODAY)[tree.province.pk]["total"] == total - 2
    assert province_status_counts_kept(today=TODAY)[tree.province.pk] == live(tree.province, TODAY)
    commune.is_active, commune.valid_to = True, None
    unit_save(unit=commune, user=tree.secretariat)
    assert province_status_counts_kept(today=TODAY)[tree.province.pk]["total"] == total


def test_a_structure_transition_recounts_the_province(tree, work, settings):
    from tasks.transitions import Link, TransitionInput, transition_apply
    from units.loaders import UnitRow

    settings.APP_TODAY = TODAY + DAY
    transition_apply(
        TransitionInput(
            province_code=tree.province.code,
            effective_on=TODAY + DAY,
            basis="Nghị quyết thử",
            new_units=[UnitRow("40901", "Xã Mới", Unit.Level.COMMUNE, Unit.Kind.COMMUNE, tree.area.code)],
            links=[Link(tree.commune.code, "40901"), Link(tree.commune2.code, "40901")],
        ),
        by=tree.secretariat,
    )
    # The two communes' open work goes on in the new one; what they completed stays theirs (ended, uncounted).
    assert province_status_counts_kept(today=TODAY + DAY)[tree.province.pk] == live(tree.province, TODAY + DAY)
    assert_same_as_rebuilt(tree.province)


def test_rebuild_summaries_puts_back_what_was_lost(tree, work):
    before = kept(tree.province)
    ProvinceStatusCount.objects.all().delete()
    call_command("rebuild_summaries", stdout=StringIO())
    assert kept(tree.province) == before


def test_the_national_page_reads_the_kept_counts_and_no_assignment_today(client, tree, work):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_user
    from units.models import User

    client.force_login(make_user(None, User.Role.NATIONAL, username="c06"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reports:national"))
    assert response.context["totals"] == status_breakdown(province=tree.province, today=TODAY).province
    table = Assignment._meta.db_table
    assert not [q["sql"] for q in queries.captured_queries if f'FROM "{table}"' in q["sql"]]
    # As at a past date the kept counts (today's) do not apply: the assignments are counted.
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("reports:national"), {"as_at": (TODAY - 3 * DAY).strftime("%d/%m/%Y")})
    assert [q["sql"] for q in queries.captured_queries if f'FROM "{table}"' in q["sql"]]

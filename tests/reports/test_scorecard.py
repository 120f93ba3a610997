"""The scorecard: components, weights, ranks within a level, frozen years and movement."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from reports.models import ScorecardSnapshot, ScoreEntry
from reports.scorecard import live_rows, rows_by_level, scorecard, weights_for
from reports.services import snapshot_take, weights_update
from tasks.models import Assignment, HistoryEntry, Indicator, IndicatorReport, Target
from tasks.services import history_entry_build
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_unit
from units.models import Unit
from units.services import secretariat_group_ensure

YEAR = TODAY.year
START, DUE = datetime.date(2023, 1, 1), datetime.date(2023, 6, 30)
EXPECTED = 170 / 180  # share of the e-ID period elapsed on TODAY


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY (snapshots are taken as of clock.today())."""


def card(tree):
    return scorecard(province=tree.province, year=YEAR, today=TODAY)


def row_of(card, unit):
    (row,) = [row for row in card.rows if row.unit == unit]
    return row


def on_time(unit, due=datetime.date(2023, 5, 31)):
    return make_assignment(unit, due_date=due, work_status=Assignment.WorkStatus.CONFIRMED, completed_on=due)


def late(unit, due=datetime.date(2023, 5, 31)):
    completed = due + datetime.timedelta(days=5)
    return make_assignment(unit, due_date=due, work_status=Assignment.WorkStatus.CONFIRMED, completed_on=completed)


def overdue(unit, due=datetime.date(2023, 6, 10)):
    return make_assignment(unit, due_date=due, work_status=Assignment.WorkStatus.IN_PROGRESS)


def confirm_on_time(assignment):
    Assignment.objects.filter(pk=assignment.pk).update(
        work_status=Assignment.WorkStatus.CONFIRMED, completed_on=assignment.due_date
    )


def local(day, hour=9, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def record(assignment, user, at):
    history_entry_build(obj=assignment, user=user, action=HistoryEntry.Action.PROGRESS, changes={}, at=at).save()


def test_it_rates_on_time_completion_over_what_was_due_this_year(tree):
    on_time(tree.commune)
    late(tree.commune)
    overdue(tree.commune)
    # Not counted: not due yet, paused, due last year, recurring.
    make_assignment(tree.commune, due_date=datetime.date(2023, 6, 25))
    make_assignment(tree.commune, due_date=datetime.date(2023, 6, 1), work_status=Assignment.WorkStatus.PAUSED)
    overdue(tree.commune, due=datetime.date(2022, 12, 31))
    make_assignment(tree.commune, due_date=None)
    # Completed early, before its due date: it already counts.
    make_assignment(
        tree.commune2,
        due_date=datetime.date(2023, 9, 30),
        work_status=Assignment.WorkStatus.CONFIRMED,
        completed_on=datetime.date(2023, 6, 1),
    )

    result = card(tree)

    assert row_of(result, tree.commune).on_time_rate == Decimal("0.3333")
    assert row_of(result, tree.commune2).on_time_rate == Decimal("1.0000")
    assert row_of(result, tree.other_commune).on_time_rate is None
    assert tree.police not in [row.unit for row in result.rows]  # the standing body scores the others
    assert tree.province not in [row.unit for row in result.rows]


def test_it_measures_attainment_against_the_expected_to_date_share(tree):
    eid = Indicator.objects.create(code="DDDT", name="Kích hoạt định danh điện tử", unit_of_measure="tài khoản")
    later = Indicator.objects.create(code="DVC", name="Dịch vụ công trực tuyến", unit_of_measure="hồ sơ")

    def target(indicator, unit, value, start=START, due=DUE):
        return Target.objects.create(indicator=indicator, unit=unit, value=value, start_date=start, due_date=due)

    for unit, value in [(tree.province, 3000), (tree.area, 2000), (tree.commune, 1000), (tree.commune2, 1000)]:
        target(eid, unit, value)
    target(eid, tree.other_district, 1000)
    target(eid, tree.other_commune, 1000)  # no figure yet
    target(later, tree.province, 500, start=datetime.date(2023, 7, 1), due=datetime.date(2023, 12, 31))
    target(later, tree.area, 500, start=datetime.date(2023, 7, 1), due=datetime.date(2023, 12, 31))
    for unit, value in [(tree.commune, 500), (tree.commune2, 990)]:
        IndicatorReport.objects.create(indicator=eid, unit=unit, as_of=datetime.date(2023, 6, 15), value=value)

    result = card(tree)

    assert row_of(result, tree.commune).attainment == Decimal("0.5294")  # 50% against 94.4% expected
    assert row_of(result, tree.commune2).attainment == Decimal("1.0000")  # ahead of the line counts as on it
    assert row_of(result, tree.other_commune).attainment == Decimal("0.0000")
    # The district is the sum of its communes; its target of July has not started and is skipped.
    assert row_of(result, tree.area).attainment == Decimal(str(round(1490 / 2000 / EXPECTED, 4)))
    assert row_of(result, tree.agency).attainment is None


def test_it_counts_the_weeks_in_which_a_unit_reported(tree):
    assignment = make_assignment(tree.commune, due_date=datetime.date(2023, 6, 30))
    district_assignment = make_assignment(tree.area, due_date=datetime.date(2023, 6, 30))
    # The province started using the application on Monday 29/05: four weeks up to Tuesday 20/06.
    record(assignment, tree.secretariat, local(datetime.date(2023, 5, 29)))
    record(assignment, tree.head_commune, local(datetime.date(2023, 5, 30)))
    record(assignment, tree.head_commune, local(datetime.date(2023, 6, 1)))  # the same week
    record(assignment, tree.head_commune, local(datetime.date(2023, 6, 5), hour=0, minute=30))  # Sunday in UTC
    record(assignment, tree.secretariat, local(datetime.date(2023, 6, 12)))  # not the unit's own report
    record(assignment, tree.head_commune, local(datetime.date(2023, 6, 21)))  # after today
    record(district_assignment, tree.staff_district, local(datetime.date(2023, 6, 19)))

    result = card(tree)

    assert row_of(result, tree.commune).timeliness == Decimal("0.5000")
    assert row_of(result, tree.area).timeliness == Decimal("0.2500")
    assert row_of(result, tree.commune2).timeliness == Decimal("0.0000")


def test_it_has_no_reporting_component_before_anything_was_recorded(tree):
    on_time(tree.commune)

    assert row_of(card(tree), tree.commune).timeliness is None


def test_it_renormalises_the_weights_over_the_available_components(tree):
    assignment = on_time(tree.commune)
    late(tree.commune)
    overdue(tree.commune)
    record(assignment, tree.secretariat, local(datetime.date(2023, 5, 29)))
    record(assignment, tree.head_commune, local(datetime.date(2023, 5, 30)))
    record(assignment, tree.head_commune, local(datetime.date(2023, 6, 13)))

    commune = row_of(card(tree), tree.commune)
    assert (commune.on_time_rate, commune.attainment, commune.timeliness) == (Decimal("0.3333"), None, Decimal("0.5"))
    assert commune.score == Decimal("38.1")  # (50 × 1/3 + 20 × 0.5) / 70, without attainment
    agency = row_of(card(tree), tree.agency)  # no assignment, no target, never reported
    assert (agency.on_time_rate, agency.attainment, agency.timeliness, agency.score) == (None, None, 0, Decimal("0.0"))

    weights_update(province=tree.province, user=tree.secretariat, on_time=40, attainment=40, timeliness=20)
    assert row_of(card(tree), tree.commune).score == Decimal("38.9")  # (40 × 1/3 + 20 × 0.5) / 60


def test_it_refuses_weights_that_do_not_add_up_to_100(tree):
    with pytest.raises(ValidationError) as error:
        weights_update(province=tree.province, user=tree.secretariat, on_time=40, attainment=40, timeliness=30)
    assert error.value.code == "sum" and "100" in error.value.messages[0]

    assert weights_for(tree.province).pk is None
    assert weights_for(tree.province).as_dict() == {"on_time": 50, "attainment": 30, "timeliness": 20}


def test_it_lets_only_the_provinces_secretariat_change_the_weights(tree):
    other = Tree(code="01", name="Thành phố Hà Nội")
    for user in (tree.head_district, tree.leader, other.secretariat):
        with pytest.raises(PermissionDenied):
            weights_update(province=tree.province, user=user, on_time=60, attainment=20, timeliness=20)

    weights_update(province=tree.province, user=tree.secretariat, on_time=60, attainment=20, timeliness=20)

    saved = weights_for(tree.province)
    assert (saved.on_time, saved.attainment, saved.timeliness, saved.updated_by) == (60, 20, 20, tree.secretariat)
    assert card(tree).weights == {"on_time": 60, "attainment": 20, "timeliness": 20}


def test_it_ranks_units_within_their_level_with_shared_ranks_for_ties(tree):
    on_time(tree.commune)
    on_time(tree.commune2)
    overdue(tree.other_commune)
    overdue(tree.area)
    on_time(tree.other_district)

    levels = rows_by_level(card(tree))

    communes = [(row.unit, row.score, row.rank) for row in levels[Unit.Level.COMMUNE]]
    assert communes == [
        (tree.commune, Decimal("100.0"), 1),
        (tree.commune2, Decimal("100.0"), 1),
        (tree.other_commune, Decimal("0.0"), 3),
    ]
    assert [(row.unit, row.rank) for row in levels[Unit.Level.DISTRICT]] == [
        (tree.other_district, 1),
        (tree.area, 2),
    ]
    assert [(row.unit, row.score, row.rank) for row in levels[Unit.Level.AGENCY]] == [(tree.agency, None, 1)]


def test_it_keeps_a_frozen_ranking_when_the_data_change(tree):
    on_time(tree.commune)
    late_one = overdue(tree.commune2)
    snapshot = snapshot_take(province=tree.province, user=tree.secretariat, year=YEAR, final=True, note="Năm 2023")
    before = [(row.unit, row.score, row.rank) for row in card(tree).rows]

    confirm_on_time(late_one)

    frozen = card(tree)
    assert frozen.frozen and frozen.snapshot == snapshot
    assert [(row.unit, row.score, row.rank) for row in frozen.rows] == before
    assert row_of(frozen, tree.commune2).score == Decimal("0.0")
    live = live_rows(province=tree.province, year=YEAR, today=TODAY, weights=frozen.weights)
    assert [row.score for row in live if row.unit == tree.commune2] == [Decimal("100.0")]
    assert ScoreEntry.objects.filter(snapshot=snapshot).count() == len(before) == 6


def test_it_refuses_a_second_final_snapshot_for_the_year(tree):
    snapshot_take(province=tree.province, user=tree.secretariat, year=YEAR, final=True)

    with pytest.raises(ValidationError, match="2023"):
        snapshot_take(province=tree.province, user=tree.secretariat, year=YEAR, final=True)
    with pytest.raises(ValidationError) as error:
        snapshot_take(province=tree.province, user=tree.secretariat, year=YEAR)
    assert error.value.code == "frozen"
    assert ScorecardSnapshot.objects.count() == 1
    snapshot_take(province=tree.province, user=tree.secretariat, year=YEAR + 1, final=True)  # another year


def test_it_lets_only_the_secretariat_take_a_snapshot(tree):
    with pytest.raises(PermissionDenied):
        snapshot_take(province=tree.province, user=tree.head_commune, year=YEAR, final=True)
    assert not ScorecardSnapshot.objects.exists()


def test_it_shows_who_moved_up_and_down_since_the_last_snapshot(tree):
    on_time(tree.commune)
    behind = overdue(tree.commune2)
    snapshot = snapshot_take(province=tree.province, user=tree.secretariat, year=YEAR)

    confirm_on_time(behind)
    overdue(tree.commune)  # commune: 1/2, commune2: 1/1

    result = card(tree)
    assert not result.frozen and result.previous == snapshot
    moves = {row.unit: (row.previous_rank, row.rank, row.movement) for row in result.rows}
    assert moves[tree.commune2] == (2, 1, +1)
    assert moves[tree.commune] == (1, 2, -1)
    assert moves[tree.other_commune] == (3, 3, 0)


def test_it_shows_a_frozen_years_movement_since_the_snapshot_before_it(tree):
    on_time(tree.commune)
    behind = overdue(tree.commune2)
    earlier = snapshot_take(province=tree.province, user=tree.secretariat, year=YEAR)
    confirm_on_time(behind)
    overdue(tree.commune)
    final = snapshot_take(province=tree.province, user=tree.secretariat, year=YEAR, final=True)

    result = card(tree)

    assert (result.snapshot, result.previous) == (final, earlier)
    assert row_of(result, tree.commune2).movement == 1
    assert row_of(result, tree.commune).movement == -1


def test_it_computes_the_scorecard_in_the_same_few_queries_whatever_the_number_of_units(
    tree, django_assert_max_num_queries
):
    eid = Indicator.objects.create(code="DDDT", name="Kích hoạt", unit_of_measure="tài khoản")
    for unit in (tree.province, tree.area):
        Target.objects.create(indicator=eid, unit=unit, value=100_000, start_date=START, due_date=DUE)
    record(make_assignment(tree.area), tree.head_district, local(datetime.date(2023, 6, 1)))
    snapshot_take(province=tree.province, user=tree.secretariat, year=YEAR)

    def add_communes(count):
        communes = [make_unit(parent=tree.area) for _ in range(count)]
        assignments = Assignment.objects.bulk_create(
            Assignment(task=tree_task, unit=unit, due_date=datetime.date(2023, 6, 1)) for unit in communes
        )
        Target.objects.bulk_create(
            Target(indicator=eid, unit=unit, value=100, start_date=START, due_date=DUE) for unit in communes
        )
        IndicatorReport.objects.bulk_create(
            IndicatorReport(indicator=eid, unit=unit, as_of=datetime.date(2023, 6, 1), value=50) for unit in communes
        )
        HistoryEntry.objects.bulk_create(
            history_entry_build(
                obj=assignment, user=tree.head_commune, action=HistoryEntry.Action.PROGRESS, changes={}, at=local(TODAY)
            )
            for assignment in assignments
        )

    def measure():
        with django_assert_max_num_queries(11) as captured:
            result = card(tree)
        return len(captured), len(result.rows)

    tree_task = make_assignment(tree.agency).task
    add_communes(50)
    small = measure()
    add_communes(450)
    large = measure()

    assert small[1] + 450 == large[1]
    assert small[0] == large[0] == 11


def test_it_shows_snapshots_read_only_in_the_admin(client, tree):
    secretariat = tree.secretariat
    secretariat.is_staff = True
    secretariat.save()
    secretariat_group_ensure(users=[secretariat])
    on_time(tree.commune)
    snapshot = snapshot_take(province=tree.province, user=secretariat, year=YEAR)
    entry = snapshot.entries.get(unit=tree.commune)
    client.force_login(secretariat)

    page = client.get(reverse("admin:reports_scorecardsnapshot_change", args=[snapshot.pk]))
    assert page.status_code == 200
    assert "Xã Diễn Kỷ" in page.content.decode()
    assert list(page.context["adminform"].form.fields) == ["note"]
    assert client.get(reverse("admin:reports_scoreentry_changelist"), {"q": "dien ky"}).status_code == 200
    entry_page = client.get(reverse("admin:reports_scoreentry_change", args=[entry.pk]))
    assert entry_page.status_code == 200 and not entry_page.context["has_change_permission"]
    assert client.get(reverse("admin:reports_scorecardsnapshot_add")).status_code == 403
    assert client.get(reverse("admin:reports_scorecardsnapshot_delete", args=[snapshot.pk])).status_code == 403
    assert client.get(reverse("admin:reports_scoreweights_add")).status_code == 200

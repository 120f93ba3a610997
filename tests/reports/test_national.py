"""The national role and the national dashboard (issue #15, item 2): every province's counts in one
aggregation, equal to the sum of the provinces' own dashboards; drill-down read only; a province's
own rank; the export; the as-at date; bad input; query counts."""

import datetime
from io import BytesIO

import openpyxl
import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import national
from reports.selectors import indicator_summaries, status_breakdown
from tasks.models import IndicatorReport
from tasks.summaries import indicator_totals_rebuild
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_document, make_eid_targets, make_task, make_user
from units.models import Unit, User
from units.selectors import can_write_for_unit, unit_scope_q

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


def _province(code: str, name: str, overdue: int, on_time: int, late: int = 0, figures: int = 0) -> Tree:
    """A province with assignments in each deadline status; with ``figures`` (a commune's daily
    pace), e-ID targets and 15 days of figures."""
    tree = Tree(code=code, name=name)
    document = make_document(province=tree.province)

    def task():
        return make_task(document)

    for _ in range(overdue):
        make_assignment(tree.commune, task(), due_date=TODAY - 5 * DAY)
    for _ in range(on_time):
        make_assignment(
            tree.commune2, task(), due_date=TODAY - 5 * DAY, work_status="confirmed", completed_on=TODAY - 6 * DAY
        )
    for _ in range(late):
        make_assignment(
            tree.agency, task(), due_date=TODAY - 5 * DAY, work_status="confirmed", completed_on=TODAY - 1 * DAY
        )
    make_assignment(tree.other_commune, task(), due_date=TODAY + 30 * DAY)  # not yet due
    make_assignment(tree.other_commune, task(), due_date=TODAY - 9 * DAY, work_status="cancelled")  # not counted
    if figures:
        indicator = make_eid_targets({tree.province: 2000, tree.area: 1000, tree.commune: 500, tree.commune2: 500})
        for day in range(15):  # the communes report daily for the last 15 days
            for unit, base, pace in [(tree.commune, 200, figures), (tree.commune2, 450, 3)]:
                value = base + pace * day
                IndicatorReport.objects.create(
                    indicator=indicator, unit=unit, as_of=TODAY - (14 - day) * DAY, value=value
                )
        indicator_totals_rebuild(province_id=tree.province.pk)
    return tree


@pytest.fixture
def provinces():
    return [
        _province("40", "Tỉnh Nghệ An", overdue=3, on_time=1, figures=10),
        _province("42", "Tỉnh Hà Tĩnh", overdue=1, on_time=3, figures=20),
        _province("44", "Tỉnh Quảng Bình", overdue=0, on_time=2, late=2),
    ]


@pytest.fixture
def minister():
    return make_user(None, User.Role.NATIONAL, username="c06")


def test_a_national_account_has_no_unit_and_no_other_role_may_lack_one(provinces):
    with transaction.atomic(), pytest.raises(IntegrityError):
        make_user(provinces[0].province, User.Role.NATIONAL, username="c06-with-unit")
    with transaction.atomic(), pytest.raises(IntegrityError):
        User.objects.create(username="secretariat-without-unit", role=User.Role.SECRETARIAT)


def test_a_national_account_reads_every_unit_and_writes_for_none(provinces, minister):
    units = Unit.objects.filter(unit_scope_q(minister))
    assert set(units) == set(Unit.objects.all())
    for tree in provinces:
        assert minister.has_perm("units.read_unit", tree.commune)
        assert not minister.has_perm("units.write_for_unit", tree.commune)
        assert not can_write_for_unit(minister, tree.commune)
        assert not minister.has_perm("tasks.confirm_assignment", tree.commune)
        assert not minister.has_perm("tasks.plan", tree.province)


def test_the_national_counts_equal_the_sum_of_the_provinces_dashboards(provinces):
    rows = national.province_rows(today=TODAY)
    totals = national.national_totals(rows)
    summed = {}
    for tree in provinces:
        own = status_breakdown(province=tree.province, today=TODAY).province
        by_code = {row.province.code: row.counts for row in rows}
        assert by_code[tree.province.code] == own
        for key, value in own.items():
            summed[key] = summed.get(key, 0) + value
    assert totals == summed
    assert totals["total"] == 3 * 1 + (3 + 1) + (1 + 3) + (2 + 2)  # one "not yet due" each, cancelled ones out
    assert totals["overdue"] == 4


def _sum_of_dashboards(provinces, **day) -> dict[str, int]:
    summed: dict[str, int] = {}
    for tree in provinces:
        for key, value in status_breakdown(province=tree.province, **day).province.items():
            summed[key] = summed.get(key, 0) + value
    return summed


def test_after_confirmations_and_a_deactivated_unit_the_national_counts_are_still_the_sum(provinces):
    """Today's national counts come from the counts kept per province (tasks.summaries): the
    services that change assignments, and a unit deactivated in the admin, keep them."""
    from tasks import services
    from units.services import unit_save

    nghe_an = provinces[0]
    overdue = nghe_an.commune.assignments.filter(work_status="not_started").first()
    for user, status in ((nghe_an.head_commune, "reported"), (nghe_an.secretariat, "confirmed")):
        overdue.refresh_from_db()
        services.assignment_report(
            assignment=overdue, user=user, version=overdue.version, work_status=status, progress=100, note="Xong."
        )
    commune = Unit.objects.get(pk=provinces[1].commune.pk)
    commune.is_active, commune.valid_to = False, TODAY
    unit_save(unit=commune, user=provinces[1].secretariat)

    rows = national.province_rows(today=TODAY)
    assert national.national_totals(rows) == _sum_of_dashboards(provinces, today=TODAY)
    assert national.national_totals(rows)["overdue"] == 4 - 1 - 1  # one confirmed (late), one unit's gone


def test_as_at_a_past_date_the_national_counts_are_the_sum_of_the_dashboards_as_at_it(provinces):
    from tasks.models import Assignment

    past = TODAY - 7 * DAY
    Assignment.objects.update(created_at=datetime.datetime(2023, 5, 1, 9, tzinfo=datetime.UTC))  # given before it
    rows = national.province_rows(today=past, as_at=past)
    totals = national.national_totals(rows)
    assert totals["total"] == 15 and totals["done_on_time"] == 0  # all given by then, none completed yet
    by_code = {row.province.code: row.counts for row in rows}
    for tree in provinces:
        assert by_code[tree.province.code] == status_breakdown(province=tree.province, today=past, as_at=past).province
    assert national.national_totals(rows) == _sum_of_dashboards(provinces, today=past, as_at=past)


def test_the_indicator_attainment_and_forecast_are_each_provinces_and_their_sum(client, provinces, minister):
    client.force_login(minister)
    response = client.get(reverse("reports:national"))
    entry = response.context["indicators"]["DDDT"]
    assert set(entry["provinces"]) == {"40", "42"}  # Quảng Bình has no e-ID target: not guessed
    for tree in provinces[:2]:
        (own,) = indicator_summaries(province=tree.province, today=TODAY)
        part = entry["provinces"][tree.province.code]
        assert (part.actual, part.target) == (own.node.actual, own.node.target.value)
        assert part.reached_on == own.forecast.reached_on
    assert entry["provinces"]["40"].actual == 200 + 140 + 450 + 42
    assert entry["nation"].actual == (200 + 140 + 450 + 42) + (200 + 280 + 450 + 42)
    assert entry["nation"].target == 4000
    assert 'data-indicator="DDDT"' in response.content.decode()


def test_the_national_page_ranks_by_on_time_rate_then_overdue_and_lists_the_lagging(client, provinces, minister):
    client.force_login(minister)
    response = client.get(reverse("reports:national"))
    assert response.status_code == 200
    ranked = [row.province.code for row in response.context["rows"]]
    # Hà Tĩnh 3/4 on time, Quảng Bình 2/4 (two late, none overdue), Nghệ An 1/4.
    assert ranked == ["42", "44", "40"]
    assert [row.province.code for row in response.context["lagging"]] == ["40", "42"]
    html = response.content.decode()
    assert f"{reverse('reports:overview')}?province=40" in html
    assert "Tỉnh Quảng Bình" in html


def test_the_national_user_opens_another_provinces_overview_read_only(client, provinces, minister):
    client.force_login(minister)
    for tree in provinces:
        response = client.get(reverse("reports:overview"), {"province": tree.province.code})
        assert response.status_code == 200
        assert response.context["province"] == tree.province
        own = status_breakdown(province=tree.province, today=TODAY).province
        assert response.context["total"] == own["total"]
        assert "province=" + tree.province.code in response.context["link_param"]
    assignment = provinces[1].commune.assignments.filter(work_status="not_started").first()
    assert client.post(reverse("reports:queue_confirm", args=[assignment.pk])).status_code == 403
    assert client.post(reverse("tasks:assignment", args=[assignment.pk]), {"progress": 50}).status_code == 403
    assert client.post(reverse("reports:scorecard_weights"), {"on_time": 1}).status_code == 403


@pytest.mark.parametrize("bad", ["99", "x" * 500, "<script>", "40'--"])
def test_a_bad_province_is_404_never_500(client, provinces, minister, bad):
    client.force_login(minister)
    assert client.get(reverse("reports:overview"), {"province": bad}).status_code == 404


def test_a_superuser_picks_the_province_too(client, provinces):
    root = make_user(None, username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    response = client.get(reverse("reports:overview"), {"province": "44"})
    assert response.context["province"] == provinces[2].province
    assert [c.code for c in response.context["province_choices"]] == ["40", "42", "44"]
    # Without ?province= and several provinces in force: the picker, never "the first province".
    picker = client.get(reverse("reports:overview"))
    assert picker.status_code == 200
    assert [(p.code, url) for p, url in picker.context["choices"]] == [
        (code, f"/tong-quan/?province={code}") for code in ("40", "42", "44")
    ]
    assert "province" not in picker.context


def test_a_secretariat_sees_its_rank_but_not_the_national_page(client, provinces):
    client.force_login(provinces[0].secretariat)
    response = client.get(reverse("reports:overview"))
    assert response.context["rank"] == (3, 3)
    assert "3/3" in response.content.decode()
    assert "Tỉnh Hà Tĩnh" not in response.content.decode()
    assert client.get(reverse("reports:national")).status_code == 403
    assert client.get(reverse("reports:national_excel")).status_code == 403
    # Its own province only: another province's code changes nothing.
    assert client.get(reverse("reports:overview"), {"province": "42"}).context["province"] == provinces[0].province
    client.force_login(provinces[1].leader)
    assert client.get(reverse("reports:overview")).context["rank"] == (1, 3)


def test_the_national_page_as_at_a_past_date(client, provinces, minister):
    later = Tree(code="46", name="Tỉnh Quảng Trị")
    Unit.objects.filter(province=later.province).update(valid_from=TODAY - 2 * DAY)
    client.force_login(minister)
    past = client.get(reverse("reports:national"), {"as_at": (TODAY - 10 * DAY).strftime("%d/%m/%Y")})
    assert past.status_code == 200
    assert "46" not in [row.province.code for row in past.context["rows"]]
    now = client.get(reverse("reports:national"))
    assert "46" in [row.province.code for row in now.context["rows"]]
    assert client.get(reverse("reports:national"), {"as_at": "31/02/2023"}).status_code == 400


def test_the_national_export_is_the_table(client, provinces, minister):
    client.force_login(minister)
    response = client.get(reverse("reports:national_excel"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    codes = [row[1] for row in values if row and row[0] in (1, 2, 3)]
    assert codes == ["42", "44", "40"]


def _count_queries(client, codes) -> int:
    for i in codes:
        _province(f"{50 + i}", f"Tỉnh {i}", overdue=1, on_time=1, figures=5)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("reports:national")).status_code == 200
    return len(queries)


def test_the_national_page_takes_as_many_queries_for_10_provinces_as_for_3(client, minister):
    client.force_login(minister)
    three = _count_queries(client, range(3))
    ten = _count_queries(client, range(3, 10))
    assert three == ten


def test_the_national_user_drills_into_a_provinces_lists_and_scorecard(client, provinces, minister):
    client.force_login(minister)
    ha_tinh = provinces[1]
    listed = client.get(reverse("reports:assignments"), {"province": "42", "status": "overdue"})
    assert listed.status_code == 200
    units = {assignment.unit for assignment in listed.context["page"].object_list}
    assert units == {ha_tinh.commune}
    lagging = client.get(reverse("reports:lagging"), {"province": "42"})
    assert lagging.status_code == 200
    assert lagging.context["area"] == ha_tinh.province
    scorecard = client.get(reverse("reports:scorecard"), {"province": "42"})
    assert scorecard.status_code == 200
    # The overview's links keep the chosen province.
    html = client.get(reverse("reports:overview"), {"province": "42"}).content.decode()
    assert f"{reverse('reports:lagging')}?province=42" in html
    assert "?status=overdue&amp;province=42" in html
    assert client.get(reverse("reports:overview_excel"), {"province": "42"}).status_code == 200


def test_the_national_export_is_formula_injection_safe(client, minister):
    Tree(code="48", name='=HYPERLINK("http://evil","x")')
    client.force_login(minister)
    sheet = openpyxl.load_workbook(BytesIO(client.get(reverse("reports:national_excel")).content)).active
    names = [row[2] for row in sheet.iter_rows(values_only=True) if row and row[1] == "48"]
    assert len(names) == 1
    assert not str(names[0]).startswith("=")
    assert "HYPERLINK" in names[0]


def test_only_a_superuser_makes_a_national_account_and_it_cannot_keep_a_unit(provinces):
    from django.core.exceptions import PermissionDenied, ValidationError

    from units.services import account_save

    secretariat = provinces[0].secretariat
    account = User(username="c06-by-province", role=User.Role.NATIONAL)
    with pytest.raises(PermissionDenied):
        account_save(account=account, user=secretariat)
    assert not User.objects.filter(username="c06-by-province").exists()
    with pytest.raises(ValidationError) as refused:
        User(username="c06-unit", role=User.Role.NATIONAL, unit=provinces[0].province).full_clean(exclude=["password"])
    assert refused.value.message_dict == {"__all__": ["Tài khoản cấp quốc gia không thuộc đơn vị nào."]}
    root = make_user(None, username="root", is_superuser=True, is_staff=True)
    assert account_save(account=account, user=root).is_national

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
from reports.selectors import status_breakdown
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_document, make_task, make_user
from units.models import Unit, User
from units.selectors import can_write_for_unit, unit_scope_q

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


def _province(code: str, name: str, overdue: int, on_time: int, late: int = 0) -> Tree:
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
    return tree


@pytest.fixture
def provinces():
    return [
        _province("40", "Tỉnh Nghệ An", overdue=3, on_time=1),
        _province("42", "Tỉnh Hà Tĩnh", overdue=1, on_time=3),
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
    assert client.get(reverse("reports:overview")).context["province"] == provinces[0].province


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
        _province(f"{50 + i}", f"Tỉnh {i}", overdue=1, on_time=1)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("reports:national")).status_code == 200
    return len(queries)


def test_the_national_page_takes_as_many_queries_for_10_provinces_as_for_3(client, minister):
    client.force_login(minister)
    three = _count_queries(client, range(3))
    ten = _count_queries(client, range(3, 10))
    assert three == ten

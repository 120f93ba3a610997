"""The province's pages "as at" a date: the counts, structure and ranking as they stood then.

The history is built live with the clock at D1 (20/06/2023) and the numbers a user saw that day
are taken from the pages themselves. Then a transition is simulated without the service (the
helper that builds it is tested on its own): the old units end on E (01/07/2025), new communes
directly under the province succeed them, open work is carried as new rows created on E, and
some work is confirmed after D1. As at D1 every page must show exactly what was taken live at
D1; as at today, the new communes, labelled with the district they came from.
"""

import datetime
from io import BytesIO

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reports import selectors
from reports.scorecard import scorecard
from tasks.deadlines import DeadlineStatus, deadline_counts
from tasks.models import Assignment
from tests.factories import bulk_assignments, bulk_communes, make_assignment, make_task, make_unit, make_user
from tests.pages import visible_text
from units.models import StructureTransition, Unit, UnitSuccession, User

D1 = datetime.date(2023, 6, 20)
E = datetime.date(2025, 7, 1)
NOW = datetime.date(2025, 9, 15)
AS_AT_D1 = {"as_at": "20/06/2023"}


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def overview_numbers(response) -> dict:
    """What the reader of the overview sees: the cards and the area, level and document tables."""
    assert response.status_code == 200
    context = response.context
    return {
        "cards": {card["status"].value: card["count"] for card in context["cards"]},
        "total": context["total"],
        "by_area": [(row["label"], row["counts"], row["total"]) for row in context["by_area"]],
        "by_level": [(row["label"], row["counts"], row["total"]) for row in context["by_level"]],
        "by_document": [(row["label"], row["counts"], row["total"]) for row in context["by_document"]],
    }


def lagging_numbers(response) -> list:
    assert response.status_code == 200
    return [(row.unit.code, row.unit.name, row.overdue, row.days_overdue) for row in response.context["page"]]


def scorecard_numbers(response) -> list:
    assert response.status_code == 200
    return [
        (row.unit.code, row.unit.name, row.rank, row.score, row.on_time_rate) for row in response.context["card"].rows
    ]


def sheet_rows(response) -> tuple[str, list]:
    assert response.status_code == 200, response.content[:200]
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    return sheet["A1"].value, [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5)]


def unit_numbers(response) -> dict:
    """What a unit's page shows: the unit, its counts per status, its assignments with their
    status, its communes with theirs."""
    assert response.status_code == 200
    context = response.context
    return {
        "unit": (context["unit"].code, context["unit"].name),
        "summary": {item["status"].value: item["count"] for item in context["summary"]},
        "assignments": sorted((a.task.ref, a.deadline) for _item, rows in context["groups"] for a in rows),
        "untracked": sorted(a.task.ref for a in context["untracked"]),
        "children": [
            (c.code, c.name, [getattr(c, str(status)) for status in DeadlineStatus]) for c in context["children"]
        ],
    }


def document_numbers(response) -> list:
    assert response.status_code == 200
    keys = [*map(str, DeadlineStatus), "total"]
    return [(task.ref, [getattr(task, key) for key in keys]) for task in response.context["tasks"]]


@pytest.fixture
def history(settings, tree, client):
    """Work of every kind at D1, what the pages showed that day, then the 2025 transition."""
    settings.APP_TODAY = D1
    t = tree
    a = make_task(ref="1", title="Thu thập dữ liệu dân cư")
    b = make_task(a.document, ref="2", title="Kích hoạt định danh điện tử")
    c = make_task(a.document, ref="3", title="Tuyên truyền")
    d = make_task(a.document, ref="4", title="Báo cáo hằng tháng", is_recurring=True)
    late = make_task(ref="5", title="Rà soát hồ sơ")
    confirmed = {"work_status": "confirmed", "confirmed_at": at(D1)}
    rows = {
        "commune_a": make_assignment(t.commune, a, due_date=datetime.date(2023, 6, 10)),
        "commune2_a": make_assignment(
            t.commune2, a, due_date=datetime.date(2023, 6, 10), completed_on=datetime.date(2023, 6, 5), **confirmed
        ),
        "other_a": make_assignment(t.other_commune, a, due_date=datetime.date(2023, 6, 10), work_status="in_progress"),
        "commune_b": make_assignment(t.commune, b, due_date=datetime.date(2023, 6, 25), work_status="in_progress"),
        "other_b": make_assignment(
            t.other_commune, b, due_date=datetime.date(2023, 6, 25), work_status="reported", reported_at=at(D1)
        ),
        "district_b": make_assignment(t.area, b, due_date=datetime.date(2023, 6, 25)),
        "agency_c": make_assignment(t.agency, c, due_date=datetime.date(2023, 9, 30)),
        "commune2_c": make_assignment(t.commune2, c, due_date=datetime.date(2023, 9, 30), work_status="paused"),
        "other_d": make_assignment(t.other_commune, d),
        "other_district_late": make_assignment(
            t.other_district,
            late,
            due_date=datetime.date(2023, 6, 1),
            completed_on=datetime.date(2023, 6, 15),
            **confirmed,
        ),
    }
    client.force_login(t.secretariat)
    live = {
        "overview": overview_numbers(client.get(reverse("reports:overview"))),
        "lagging": lagging_numbers(client.get(reverse("reports:lagging"))),
        "scorecard": scorecard_numbers(client.get(reverse("reports:scorecard"))),
        "export": sheet_rows(client.get(reverse("reports:overview_excel")))[1],
        "lagging_export": sheet_rows(client.get(reverse("reports:lagging_excel")))[1],
        "document": document_numbers(client.get(reverse("reports:document", args=[a.document_id]))),
        "overdue_list": client.get(reverse("reports:assignments"), {"status": "overdue"})
        .context["page"]
        .paginator.count,
        "breakdown": selectors.status_breakdown(province=t.province, today=D1),
        "commune_page": unit_numbers(client.get(reverse("tasks:unit", args=[t.commune.code]))),
        "district_page": unit_numbers(client.get(reverse("tasks:unit", args=[t.area.code]))),
        "commune_export": sheet_rows(client.get(reverse("reports:unit_excel", args=[t.commune.code])))[1],
    }
    client.force_login(t.head_district)
    live["district_overview"] = overview_numbers(client.get(reverse("reports:overview")))
    live["own_page"] = unit_numbers(client.get(reverse("tasks:my_unit")))
    client.force_login(t.secretariat)
    # After D1: work is confirmed, a new assignment is given to an old commune.
    Assignment.objects.filter(pk=rows["other_b"].pk).update(
        work_status="confirmed", confirmed_at=at(datetime.date(2023, 7, 1)), completed_on=datetime.date(2023, 6, 22)
    )
    Assignment.objects.filter(pk=rows["commune_a"].pk).update(
        work_status="confirmed", confirmed_at=at(datetime.date(2024, 1, 10)), completed_on=datetime.date(2024, 1, 5)
    )
    # Confirmed late in the evening of D1, local time: done as at D1, though not when D1's page was read.
    Assignment.objects.filter(pk=rows["district_b"].pk).update(
        work_status="confirmed", confirmed_at=at(D1, 23), completed_on=D1
    )
    later = make_assignment(t.commune, make_task(ref="6"), due_date=datetime.date(2024, 3, 1))
    Assignment.objects.filter(pk=later.pk).update(created_at=at(datetime.date(2024, 2, 1)))

    # The transition of 01/07/2025, as the service would leave it: old units ended, new communes
    # directly under the province (one reusing an old code), successions, open work carried.
    settings.APP_TODAY = NOW
    old = [t.area, t.commune, t.commune2, t.other_district, t.other_commune]
    Unit.objects.filter(pk__in=[u.pk for u in old]).update(valid_to=E, is_active=False)
    new = make_unit(parent=t.province, level=Unit.Level.COMMUNE, code=t.commune.code, name="Xã Diễn Châu", valid_from=E)
    new2 = make_unit(parent=t.province, level=Unit.Level.COMMUNE, code="4099", name="Xã Mường Xén", valid_from=E)
    transition = StructureTransition.objects.create(province=t.province, effective_on=E, basis="1243/NQ-UBTVQH15")
    for predecessor, successor in [(t.commune, new), (t.commune2, new), (t.other_commune, new2)]:
        UnitSuccession.objects.create(
            predecessor=predecessor, successor=successor, effective_on=E, transition=transition
        )
    open_rows = Assignment.objects.filter(unit__in=old).exclude(work_status__in=["confirmed", "paused", "cancelled"])
    successor_of = {t.commune.pk: new, t.commune2.pk: new, t.other_commune.pk: new2}
    for row in open_rows.exclude(unit=t.area):
        copy = make_assignment(successor_of[row.unit_id], row.task, due_date=row.due_date, work_status=row.work_status)
        Assignment.objects.filter(pk=copy.pk).update(created_at=at(E, 0))
    t.new, t.new2, t.task_a, t.live = new, new2, a, live
    return t


def test_the_overview_as_at_d1_shows_exactly_what_it_showed_live_that_day(client, history):
    client.force_login(history.secretariat)
    response = client.get(reverse("reports:overview"), AS_AT_D1)
    shown = overview_numbers(response)
    live = history.live["overview"]
    # The evening's confirmation of D1 is the one change: done on D1, so counted done as at D1.
    assert shown["total"] == live["total"] == 9
    assert shown["cards"]["due_soon"] == live["cards"]["due_soon"] - 1
    assert shown["cards"]["done_on_time"] == live["cards"]["done_on_time"] + 1
    assert {k: v for k, v in shown["cards"].items() if k not in ("due_soon", "done_on_time")} == {
        k: v for k, v in live["cards"].items() if k not in ("due_soon", "done_on_time")
    }
    assert [label for label, _c, _t in shown["by_area"]] == ["Huyện Diễn Châu", "Huyện Kỳ Sơn"]
    text = visible_text(response.content)
    assert "Số liệu tại ngày 20/06/2023" in text
    assert "Xã Diễn Châu" not in text and "trước đây" not in text
    # Every number links to the list behind it, as at the same date.
    assert "as_at=20/06/2023" in response.content.decode()


def test_every_page_and_export_as_at_d1_matches_the_live_counts_of_d1(client, history, settings):
    """Without the evening confirmation of D1, the pages read as at D1 equal the pages read live on D1."""
    Assignment.objects.filter(unit=history.area, task__ref="2").update(confirmed_at=at(datetime.date(2023, 6, 21)))
    client.force_login(history.secretariat)
    live = history.live
    assert overview_numbers(client.get(reverse("reports:overview"), AS_AT_D1)) == live["overview"]
    assert lagging_numbers(client.get(reverse("reports:lagging"), AS_AT_D1)) == live["lagging"]
    assert live["lagging"], "the comparison must be about something"
    assert scorecard_numbers(client.get(reverse("reports:scorecard"), AS_AT_D1)) == live["scorecard"]
    title, rows = sheet_rows(client.get(reverse("reports:overview_excel"), AS_AT_D1))
    assert rows == live["export"]
    assert "Số liệu tại ngày 20/06/2023" in title
    assert sheet_rows(client.get(reverse("reports:lagging_excel"), AS_AT_D1))[1] == live["lagging_export"]
    document = reverse("reports:document", args=[history.task_a.document_id])
    assert document_numbers(client.get(document, AS_AT_D1)) == live["document"]
    overdue = client.get(reverse("reports:assignments"), {"status": "overdue", **AS_AT_D1})
    assert overdue.context["page"].paginator.count == live["overdue_list"] == 2
    breakdown = selectors.status_breakdown(province=history.province, today=D1, as_at=D1)
    assert breakdown == live["breakdown"]


def test_exports_as_at_a_date_name_it_in_their_file_name(client, history):
    client.force_login(history.leader)
    for name in ("reports:overview_excel", "reports:lagging_excel", "reports:scorecard_excel"):
        response = client.get(reverse(name), AS_AT_D1)
        assert response.status_code == 200
        assert "20-06-2023" in response["Content-Disposition"]
        title, _rows = sheet_rows(response)
        assert "20/06/2023" in title


def test_as_at_today_the_overview_shows_the_new_communes_with_their_former_district(client, history):
    client.force_login(history.secretariat)
    response = client.get(reverse("reports:overview"))
    shown = overview_numbers(response)
    assert [label for label, _c, _t in shown["by_area"]] == [
        "Xã Diễn Châu — trước đây: Huyện Diễn Châu",
        "Xã Mường Xén — trước đây: Huyện Kỳ Sơn",
    ]
    # The carried copies: Diễn Châu's tasks 2 and 6, Mường Xén's tasks 1 and 4; the agency's task 3.
    assert shown["total"] == 5
    text = visible_text(response.content)
    assert "Theo địa bàn: xã, phường" in text
    assert "Huyện Kỳ Sơn —" not in text
    # The area filter offers today's areas only.
    listing = client.get(reverse("reports:assignments"))
    assert {unit.code for unit in listing.context["form"].fields["area"].queryset} == {history.new.code, "4099"}
    # Typed as today's date, the page is today's.
    same = overview_numbers(client.get(reverse("reports:overview"), {"as_at": NOW.strftime("%d/%m/%Y")}))
    assert same == shown


def test_the_dated_rule_on_today_gives_the_live_counts(history):
    """One rule: the counts as at today equal today's live counts."""
    province_assignments = Assignment.objects.filter(unit__province=history.province)
    live = province_assignments.aggregate(**deadline_counts(NOW))
    dated = province_assignments.aggregate(**deadline_counts(NOW, as_at=NOW))
    assert live == dated
    assert live["total"] == 5


def test_between_the_transitions_the_area_filter_offers_the_units_valid_then(client, history):
    client.force_login(history.secretariat)
    response = client.get(reverse("reports:assignments"), AS_AT_D1)
    codes = {unit.code for unit in response.context["form"].fields["area"].queryset}
    assert codes == {history.area.code, history.other_district.code}
    # The list behind a district's number as at D1: the district's and its communes' work then.
    area = client.get(reverse("reports:assignments"), {"area": history.area.code, **AS_AT_D1})
    assert area.status_code == 200
    assert area.context["page"].paginator.count == 4


def test_the_2023_scorecard_ranks_the_2023_units_and_todays_the_current_ones(client, history):
    client.force_login(history.leader)
    past = client.get(reverse("reports:scorecard"), {"year": 2023})
    assert past.status_code == 200
    ranked = {row.unit.code for row in past.context["card"].rows}
    assert past.context["card"].as_of == datetime.date(2023, 12, 31)
    assert {history.commune.pk, history.area.pk} <= {row.unit.pk for row in past.context["card"].rows}
    assert history.new.pk not in {row.unit.pk for row in past.context["card"].rows}
    assert "Số liệu tại ngày 31/12/2023" in visible_text(past.content)
    current = scorecard(province=history.province, year=2025)
    assert {row.unit.pk for row in current.rows} == {history.agency.pk, history.new.pk, history.new2.pk}
    assert history.commune.code in ranked  # the code reused by the new commune, ranked as the old one


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "không phải là ngày"),
        ("31/02/2023", "không phải là ngày"),
        ("2023-13-01", "không phải là ngày"),
        ("9" * 400, "không phải là ngày"),
        ("20/06/2999", "sau hôm nay"),
        ("01/01/1999", "01/01/2000"),
    ],
)
def test_a_bad_date_is_refused_in_vietnamese_and_the_page_shows_today(client, history, typed, message):
    client.force_login(history.secretariat)
    for name in ("reports:overview", "reports:assignments", "reports:lagging", "reports:scorecard"):
        response = client.get(reverse(name), {"as_at": typed})
        assert response.status_code == 400, name
        text = visible_text(response.content)
        assert message in text, name
        assert "Số liệu tại ngày 15/09/2025" in text, name
    for name in ("reports:overview_excel", "reports:lagging_excel", "reports:scorecard_excel"):
        response = client.get(reverse(name), {"as_at": typed})
        assert response.status_code == 400, name
        assert message in response.content.decode(), name
    document = client.get(reverse("reports:document", args=[history.task_a.document_id]), {"as_at": typed})
    assert document.status_code == 400


def test_a_commune_of_the_two_level_structure_is_its_own_area(client, db, settings):
    """A province created in the two-level structure: its communes are the areas, never an empty
    district table; with more areas than the chart shows, the worst are charted and all listed."""
    settings.APP_TODAY = NOW
    province = make_unit(code="42", name="Tỉnh Hà Tĩnh")
    police = make_unit(parent=province, level=Unit.Level.AGENCY, code="CAT42", kind=Unit.Kind.STANDING_BODY)
    communes = [
        make_unit(parent=province, level=Unit.Level.COMMUNE, code=f"42{i:03d}", name=f"Xã Thử {i}") for i in range(25)
    ]
    assert all(commune.area_id == commune.pk for commune in communes)
    task = make_task()
    for i, commune in enumerate(communes):
        make_assignment(commune, task, due_date=NOW - datetime.timedelta(days=1 if i % 2 else -30))
    client.force_login(make_user(police, User.Role.SECRETARIAT))
    response = client.get(reverse("reports:overview"))
    assert response.status_code == 200
    assert len(response.context["by_area"]) == 25
    assert len(response.context["area_chart"]["labels"]) == 20
    text = visible_text(response.content)
    assert "20 địa bàn có nhiều nhiệm vụ quá hạn nhất trong tổng số 25" in text
    assert "Theo địa bàn: xã, phường" in text
    # The chart keeps the worst: every overdue commune is in it.
    overdue = {f"Xã Thử {i}" for i in range(25) if i % 2}
    assert overdue <= set(response.context["area_chart"]["labels"])


def test_the_as_at_overview_takes_the_same_queries_whatever_the_number_of_units(client, history):
    client.force_login(history.secretariat)
    url = reverse("reports:overview")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, AS_AT_D1).status_code == 200
        return len(captured)

    before = queries()
    task = make_task()
    more = bulk_communes(history.other_district, 40)
    Unit.objects.filter(pk__in=[u.pk for u in more]).update(valid_to=E, is_active=False)
    created = bulk_assignments(more, task, due_date=datetime.date(2023, 6, 1))
    Assignment.objects.filter(pk__in=[a.pk for a in created]).update(created_at=at(D1, 0))
    assert queries() == before
    # ...and the new rows are counted as at D1.
    assert client.get(url, AS_AT_D1).context["total"] == 9 + 40


def test_a_unit_page_and_its_export_as_at_d1_show_what_they_showed_live(client, history):
    """The unit page reads as_at too: the code names the unit valid then (4011 is Xã Diễn Kỷ on D1,
    Xã Diễn Châu today), with its work and statuses as they stood; the district's communes then."""
    Assignment.objects.filter(unit=history.area, task__ref="2").update(confirmed_at=at(datetime.date(2023, 6, 21)))
    client.force_login(history.secretariat)
    commune = client.get(reverse("tasks:unit", args=[history.commune.code]), AS_AT_D1)
    assert unit_numbers(commune) == history.live["commune_page"]
    assert unit_numbers(commune)["unit"] == ("4011", "Xã Diễn Kỷ")
    assert "Số liệu tại ngày 20/06/2023" in visible_text(commune.content)
    district = client.get(reverse("tasks:unit", args=[history.area.code]), AS_AT_D1)
    assert unit_numbers(district) == history.live["district_page"]
    assert f'href="/don-vi/{history.commune.code}/?as_at=20/06/2023"' in district.content.decode()
    title, rows = sheet_rows(client.get(reverse("reports:unit_excel", args=[history.commune.code]), AS_AT_D1))
    assert "Xã Diễn Kỷ" in title and "20/06/2023" in title
    # Document, task, role, due date and deadline status as then (the work status, progress and
    # last update are the row's current state: DECISIONS "As at a date", approximations).
    assert [row[:5] for row in rows] == [row[:5] for row in history.live["commune_export"]]
    # Today the code is the new commune, which carries the open work.
    today = unit_numbers(client.get(reverse("tasks:unit", args=[history.commune.code])))
    assert today["unit"] == ("4011", "Xã Diễn Châu") and today != history.live["commune_page"]
    # A bad date: the page says why and shows today; the export refuses.
    refused = client.get(reverse("tasks:unit", args=[history.commune.code]), {"as_at": "31/02/2023"})
    assert refused.status_code == 200 and "không phải là ngày" in visible_text(refused.content).lower()
    export = client.get(reverse("reports:unit_excel", args=[history.commune.code]), {"as_at": "01/01/2099"})
    assert export.status_code == 400


def test_a_district_heads_overview_and_own_page_as_at_d1(client, history):
    Assignment.objects.filter(unit=history.area, task__ref="2").update(confirmed_at=at(datetime.date(2023, 6, 21)))
    client.force_login(history.head_district)
    assert overview_numbers(client.get(reverse("reports:overview"), AS_AT_D1)) == history.live["district_overview"]
    assert unit_numbers(client.get(reverse("tasks:my_unit"), AS_AT_D1)) == history.live["own_page"]


def test_an_ended_unit_says_so_and_links_its_successors_and_they_their_predecessors(client, history):
    client.force_login(history.secretariat)
    # Xã Mường Xén (4021) ended on 01/07/2025; its code names no unit today, so its own page opens.
    ended = client.get(reverse("tasks:unit", args=[history.other_commune.code]))
    text = visible_text(ended.content)
    assert "Đơn vị này đã kết thúc hoạt động từ ngày 01/07/2025" in text
    # Its rows count nowhere today: listed as its work when it ended, not as paused or cancelled.
    assert "Công việc của đơn vị khi kết thúc hoạt động" in text and "Tạm dừng hoặc đã hủy" not in text
    page = ended.content.decode()
    assert 'href="/don-vi/4099/"' in page  # its successor, in force
    assert 'href="?as_at=30/06/2025"' in page  # its history, as at its last day
    # The new commune lists what it was formed from; 4011's link opens Xã Diễn Kỷ, whose code
    # names Xã Diễn Châu today, as at its last day.
    new = client.get(reverse("tasks:unit", args=[history.new.code]))
    text = visible_text(new.content)
    assert "Thành lập từ ngày 01/07/2025 trên cơ sở" in text and "Xã Diễn Kỷ (4011)" in text
    assert 'href="/don-vi/4011/?as_at=30/06/2025"' in new.content.decode()
    old = client.get("/don-vi/4011/", {"as_at": "30/06/2025"})
    assert old.context["unit"] == history.commune
    assert "kết thúc hoạt động từ ngày 01/07/2025" in visible_text(old.content)
    # Links from the lists as at D1 to a unit keep the date.
    listing = client.get(reverse("reports:assignments"), AS_AT_D1).content.decode()
    assert f'href="/don-vi/{history.commune.code}/?as_at=20/06/2023"' in listing
    overview = client.get(reverse("reports:overview"), AS_AT_D1).content.decode()
    assert f'href="/don-vi/{history.area.code}/?as_at=20/06/2023"' in overview

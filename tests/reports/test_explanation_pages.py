"""Explanation requests on the province's pages: the lagging list (shown, asked from a row, in its
export), the list of requests, and the selector the official report reads."""

import datetime
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse

from reports.selectors import explanations_for_report
from tasks import services
from tasks.models import ExplanationRequest
from tests.conftest import TODAY
from tests.factories import Tree, bulk_assignments, bulk_communes, make_assignment, make_task
from tests.pages import visible_text

X = ExplanationRequest.Status


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """TODAY (20/06/2023) unless a test moves the clock."""


@pytest.fixture
def lagging(tree, settings):
    """Two communes with an assignment overdue since 16/06, given on 01/06."""
    settings.APP_TODAY = datetime.date(2023, 6, 1)
    for unit in (tree.commune, tree.other_commune):
        make_assignment(unit, make_task(title="Kích hoạt định danh"), due_date=days(-4))
    settings.APP_TODAY = TODAY
    return tree


def ask(tree, unit, *, user=None, due=5, due_date=None, **fields):
    return services.explanation_ask(
        unit=unit,
        user=user or tree.secretariat,
        reason=fields.pop("reason", "Vì sao chậm kích hoạt?"),
        due_date=due_date or days(due),
        **fields,
    )


def row_of(response, unit):
    (row,) = [row for row in response.context["page"] if row.unit == unit]
    return row


def test_the_lagging_list_shows_each_units_request_and_its_explanation(client, lagging):
    request = ask(lagging, lagging.commune)
    services.explanation_answer(request=request, user=lagging.head_commune, version=1, answer="Thiếu máy đọc chip.")
    ask(lagging, lagging.other_commune, due=3)
    client.force_login(lagging.leader)
    response = client.get(reverse("reports:lagging"))
    assert [x.pk for x in row_of(response, lagging.commune).explanations] == [request.pk]
    text = visible_text(response.content)
    assert "Đã giải trình hạn giải trình 25/06/2023 “Thiếu máy đọc chip.”" in text
    assert "Chờ giải trình hạn giải trình 23/06/2023" in text
    assert 'data-testid="ask-explanation"' not in response.content.decode()  # leaders read, do not ask


def test_the_secretariat_asks_from_a_row_of_the_lagging_list(client, lagging):
    client.force_login(lagging.secretariat)
    page = client.get(reverse("reports:lagging")).content.decode()
    ask_url = reverse("tasks:unit_explanations", args=[lagging.commune.code])
    assert f'href="{ask_url}" data-testid="ask-explanation"' in page
    response = client.post(
        ask_url, {"subject": "", "reason": "Giải trình việc chậm", "due_date": days(7).strftime("%d/%m/%Y")}
    )
    assert response.status_code == 302
    assert ExplanationRequest.objects.get().unit == lagging.commune
    assert "Giải trình việc chậm" not in visible_text(client.get(reverse("reports:lagging")).content)  # the reason
    assert "Chờ giải trình" in visible_text(client.get(reverse("reports:lagging")).content)


def test_a_district_asks_from_its_list_only_its_communes(client, lagging):
    make_assignment(lagging.area, make_task(), due_date=days(-2))
    client.force_login(lagging.head_district)
    page = client.get(reverse("reports:lagging")).content.decode()
    assert f'href="{reverse("tasks:unit_explanations", args=[lagging.commune.code])}"' in page
    assert f'href="{reverse("tasks:unit_explanations", args=[lagging.area.code])}"' not in page


def test_a_closed_request_leaves_the_lagging_list_and_a_past_date_shows_what_stood_then(client, lagging, settings):
    settings.APP_TODAY = days(-2)
    request = ask(lagging, lagging.commune)
    settings.APP_TODAY = TODAY
    services.explanation_close(request=request, user=lagging.secretariat, version=1, note="Đã làm việc trực tiếp.")
    client.force_login(lagging.secretariat)
    assert row_of(client.get(reverse("reports:lagging")), lagging.commune).explanations == []
    then = client.get(reverse("reports:lagging"), {"as_at": days(-1).strftime("%d/%m/%Y")})
    (shown,) = row_of(then, lagging.commune).explanations
    assert shown.shown_status == X.OPEN
    assert 'data-testid="ask-explanation"' not in then.content.decode()  # asking is today's act
    before = client.get(reverse("reports:lagging"), {"as_at": days(-3).strftime("%d/%m/%Y")})
    assert row_of(before, lagging.commune).explanations == []


def test_the_lagging_list_makes_the_same_queries_with_more_units_and_requests(
    client, lagging, django_assert_max_num_queries
):
    def grow(n, prefix):
        communes = bulk_communes(lagging.area, n, prefix=prefix)
        bulk_assignments(communes, make_task(), due_date=days(-3))
        for commune in communes:
            ask(lagging, commune)

    client.force_login(lagging.secretariat)
    grow(3, "A")
    with django_assert_max_num_queries(25) as small:
        client.get(reverse("reports:lagging"))
    grow(30, "B")
    with django_assert_max_num_queries(25) as large:
        client.get(reverse("reports:lagging"))
    assert len(small.captured_queries) == len(large.captured_queries)


def test_the_lagging_export_has_the_requests_and_explanations(client, lagging):
    request = ask(lagging, lagging.commune)
    services.explanation_answer(request=request, user=lagging.head_commune, version=1, answer="Thiếu máy.")
    client.force_login(lagging.secretariat)
    sheet = openpyxl.load_workbook(BytesIO(client.get(reverse("reports:lagging_excel")).content)).active
    header = [cell.value for cell in next(row for row in sheet.iter_rows() if row[0].value == "Đơn vị")]
    assert header[-1] == "Yêu cầu giải trình"
    cells = {row[0].value: row[-1].value for row in sheet.iter_rows(min_row=5)}
    assert cells["Xã Diễn Kỷ"] == "Đã giải trình, hạn giải trình 25/06/2023: Thiếu máy."
    assert cells["Xã Mường Xén"] in (None, "")


def test_the_list_of_requests_filters_by_status(client, lagging, settings):
    settings.APP_TODAY = days(-10)
    late = ask(lagging, lagging.commune, due=-5)
    settings.APP_TODAY = TODAY
    waiting = ask(lagging, lagging.commune2)
    answered = ask(lagging, lagging.other_commune)
    services.explanation_answer(request=answered, user=lagging.head_other_commune, version=1, answer="Đã xong.")
    closed = ask(lagging, lagging.agency)
    services.explanation_close(request=closed, user=lagging.secretariat, version=1, note="Rút yêu cầu.")
    client.force_login(lagging.secretariat)
    url = reverse("reports:explanations")

    def listed(**query):
        response = client.get(url, query)
        assert response.status_code == 200
        return [x.pk for x in response.context["page"]]

    assert listed() == [late.pk, waiting.pk, closed.pk, answered.pk]  # unanswered first by date, then newest
    assert listed(status="waiting") == [late.pk, waiting.pk]
    assert listed(status="late") == [late.pk]
    assert listed(status="answered") == [answered.pk]
    assert listed(status="closed") == [closed.pk]
    refused = client.get(url, {"status": "x" * 500})
    assert refused.status_code == 400 and list(refused.context["page"]) == []
    assert "Quá hạn giải trình" in visible_text(client.get(url).content)


def test_a_district_lists_its_own_area_and_units_cannot_open_the_list(client, lagging):
    own = ask(lagging, lagging.commune, user=lagging.head_district)
    ask(lagging, lagging.other_commune)
    client.force_login(lagging.head_district)
    assert [x.pk for x in client.get(reverse("reports:explanations")).context["page"]] == [own.pk]
    client.force_login(lagging.head_commune)
    assert client.get(reverse("reports:explanations")).status_code == 403
    other = Tree("41", "Tỉnh Hà Tĩnh")
    client.force_login(other.secretariat)
    assert list(client.get(reverse("reports:explanations")).context["page"]) == []


def test_the_official_report_reads_the_requests_of_the_period_as_they_stood_at_its_end(lagging, settings):
    """Q2/2023 (01/04–30/06): a request answered before the quarter is not in it; one answered
    after the quarter is in it unanswered (and late); one asked after it is not in it."""
    task = make_assignment(lagging.agency, make_task(title="Số hóa hồ sơ"), due_date=datetime.date(2023, 3, 1))

    def at(day, action):
        settings.APP_TODAY = day
        return action()

    def answer(request, user, text):
        return lambda: services.explanation_answer(request=request, user=user, version=1, answer=text)

    date = datetime.date
    q1 = at(date(2023, 3, 10), lambda: ask(lagging, lagging.commune, due_date=date(2023, 3, 15), reason="Quý I"))
    at(date(2023, 3, 20), answer(q1, lagging.head_commune, "Đã giải trình quý I"))
    in_time = at(date(2023, 6, 1), lambda: ask(lagging, lagging.agency, assignment=task, due_date=date(2023, 6, 8)))
    at(date(2023, 6, 5), answer(in_time, lagging.head_agency, "Thiếu\nnhân lực"))
    silent = at(date(2023, 6, 10), lambda: ask(lagging, lagging.other_commune, due_date=date(2023, 6, 15)))
    at(date(2023, 7, 2), answer(silent, lagging.head_other_commune, "Trả lời muộn"))
    at(date(2023, 7, 3), lambda: ask(lagging, lagging.commune2, due_date=date(2023, 7, 10), reason="Quý III"))
    settings.APP_TODAY = TODAY

    rows = explanations_for_report(
        province=lagging.province, start=datetime.date(2023, 4, 1), end=datetime.date(2023, 6, 30)
    )
    assert [(row.unit.name, row.status, row.late) for row in rows] == [
        ("Sở Thông tin và Truyền thông", X.ANSWERED, False),
        ("Xã Mường Xén", X.OPEN, True),
    ]
    agency, commune = rows
    assert agency.subject.endswith("Số hóa hồ sơ") and agency.answer == "Thiếu\nnhân lực"
    assert agency.answered_on == datetime.date(2023, 6, 5) and agency.asked_on == datetime.date(2023, 6, 1)
    assert agency.area_name == "" and commune.area_name == "Huyện Kỳ Sơn"
    assert commune.answer == "" and commune.answered_on is None  # explained after the quarter
    assert commune.asked_by == "secretariat40, Công an tỉnh"
    assert commune.due_date == datetime.date(2023, 6, 15)


def test_the_official_report_selector_is_one_query(lagging, django_assert_num_queries):
    for unit in (lagging.commune, lagging.commune2, lagging.other_commune, lagging.agency):
        ask(lagging, unit)
    with django_assert_num_queries(1):
        rows = explanations_for_report(province=lagging.province, start=TODAY, end=days(30))
    assert len(rows) == 4

"""Explanation requests (yêu cầu giải trình): asked by the secretariat or a district head, answered
by the unit on its page, closed by who may; as the people involved see them."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from reports.models import Notification
from tasks import services
from tasks.models import ExplanationRequest, Target
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_eid_targets, make_task
from tests.pages import visible_text
from units.models import User

X = ExplanationRequest.Status


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY (20/06/2023)."""


@pytest.fixture
def units(tree):
    for user in User.objects.all():
        user.email = f"{user.username}@example.org"
        user.save()
    return tree


def ask(tree, unit=None, *, user=None, **fields):
    fields.setdefault("reason", "Vì sao chậm kích hoạt định danh điện tử?")
    fields.setdefault("due_date", days(5))
    return services.explanation_ask(unit=unit or tree.commune, user=user or tree.secretariat, **fields)


def form(**fields):
    return {"subject": "", "reason": "Vì sao chậm tiến độ?", "due_date": days(5).strftime("%d/%m/%Y"), **fields}


def test_the_secretariat_asks_a_unit_and_its_head_is_mailed(client, units):
    overdue = make_assignment(units.commune, make_task(title="Kích hoạt định danh"), due_date=days(-5))
    client.force_login(units.secretariat)
    page = client.get(reverse("tasks:unit_explanations", args=[units.commune.code]), {"assignment": overdue.pk})
    assert page.status_code == 200
    assert page.context["form"].initial["subject"] == f"a{overdue.pk}"  # preselected from the link
    response = client.post(
        reverse("tasks:unit_explanations", args=[units.commune.code]), form(subject=f"a{overdue.pk}")
    )
    assert response.status_code == 302
    request = ExplanationRequest.objects.get()
    assert (request.unit, request.assignment, request.status, request.due_date) == (
        units.commune,
        overdue,
        X.OPEN,
        days(5),
    )
    assert request.asked_by_unit == units.police
    mail = Notification.objects.get(kind="explanation", user=units.head_commune)
    assert "Xã Diễn Kỷ" in mail.subject and "25/06/2023" in mail.subject
    assert "Vì sao chậm tiến độ?" in mail.body_text and "Kích hoạt định danh" in mail.body_text
    assert f"/giai-trinh/{request.pk}/" in mail.body_text


def test_a_district_head_asks_its_communes_only(client, units):
    client.force_login(units.head_district)
    assert client.post(reverse("tasks:unit_explanations", args=[units.commune.code]), form()).status_code == 302
    # Its own district, another district's commune: refused; nothing saved.
    assert client.post(reverse("tasks:unit_explanations", args=[units.area.code]), form()).status_code == 403
    assert client.post(reverse("tasks:unit_explanations", args=[units.other_commune.code]), form()).status_code == 404
    assert ExplanationRequest.objects.get().asked_by_unit == units.area
    client.force_login(units.staff_district)  # a district's staff reads, the head asks
    assert client.post(reverse("tasks:unit_explanations", args=[units.commune2.code]), form()).status_code == 403
    assert ExplanationRequest.objects.count() == 1


@pytest.mark.parametrize("role", ["leader", "head_commune", "head_agency"])
def test_leaders_and_units_cannot_ask(client, units, role):
    client.force_login(getattr(units, role))
    response = client.post(reverse("tasks:unit_explanations", args=[units.commune.code]), form())
    assert response.status_code in (403, 404)
    assert not ExplanationRequest.objects.exists()
    with pytest.raises(PermissionDenied):
        ask(units, user=getattr(units, role))


def test_another_provinces_secretariat_cannot_ask(client, units):
    other = Tree("41", "Tỉnh Hà Tĩnh")
    client.force_login(other.secretariat)
    assert client.post(reverse("tasks:unit_explanations", args=[units.commune.code]), form()).status_code == 404
    with pytest.raises(PermissionDenied):
        ask(units, user=other.secretariat)
    assert not ExplanationRequest.objects.exists()


@pytest.mark.parametrize(
    ("due", "message"),
    [
        (days(-1), "Hạn giải trình không được là ngày đã qua."),
        (days(91), "Hạn giải trình tối đa là 90 ngày kể từ hôm nay (18/09/2023)."),
    ],
)
def test_the_date_to_explain_by_is_from_today_to_ninety_days(client, units, due, message):
    client.force_login(units.secretariat)
    response = client.post(
        reverse("tasks:unit_explanations", args=[units.commune.code]), form(due_date=due.strftime("%d/%m/%Y"))
    )
    assert response.status_code == 400
    assert message in visible_text(response.content)
    assert not ExplanationRequest.objects.exists()
    with pytest.raises(ValidationError):
        ask(units, due_date=due)


def test_today_and_ninety_days_ahead_are_accepted(units):
    ask(units, due_date=days(0))
    ask(units, units.commune2, due_date=days(90))
    assert ExplanationRequest.objects.count() == 2


def test_bad_input_is_refused_in_vietnamese_and_saves_nothing(client, units):
    client.force_login(units.secretariat)
    url = reverse("tasks:unit_explanations", args=[units.commune.code])
    for data, message in [
        (form(reason="  "), "Trường này là bắt buộc."),
        (form(due_date="31/02/2023"), "Hãy nhập ngày hợp lệ theo dạng dd/mm/yyyy."),
        (form(subject="a999999999999999999999"), "Lựa chọn không hợp lệ"),
    ]:
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert message in visible_text(response.content), data
    assert not ExplanationRequest.objects.exists()


def test_only_the_units_own_assignments_and_targets_can_be_the_subject(client, units):
    others = make_assignment(units.other_commune, make_task(), due_date=days(-3))
    make_eid_targets({units.commune: 100, units.other_commune: 100})
    own_target = Target.objects.get(unit=units.commune)
    client.force_login(units.secretariat)
    url = reverse("tasks:unit_explanations", args=[units.commune.code])
    assert client.post(url, form(subject=f"a{others.pk}")).status_code == 400
    assert client.post(url, form(subject=f"t{own_target.pk}")).status_code == 302
    assert ExplanationRequest.objects.get().target == own_target
    with pytest.raises(ValidationError) as refused:
        ask(units, assignment=others)
    assert "Chọn một nhiệm vụ của chính đơn vị này." in str(refused.value)


def test_asking_again_about_the_same_thing_while_it_waits_is_refused(client, units):
    client.force_login(units.secretariat)
    url = reverse("tasks:unit_explanations", args=[units.commune.code])
    assert client.post(url, form()).status_code == 302
    again = client.post(url, form())  # a double click
    assert again.status_code == 400
    assert "Đơn vị đã có một yêu cầu giải trình về nội dung này đang chờ trả lời" in visible_text(again.content)
    assert ExplanationRequest.objects.count() == 1
    assignment = make_assignment(units.commune, make_task(), due_date=days(-2))
    assert client.post(url, form(subject=f"a{assignment.pk}")).status_code == 302  # another subject
    assert ExplanationRequest.objects.count() == 2


def test_the_province_its_standing_body_and_an_ended_unit_are_not_asked(units):
    for unit in (units.province, units.police):
        with pytest.raises(ValidationError):
            ask(units, unit)
    units.commune2.valid_to = TODAY
    units.commune2.is_active = False
    units.commune2.save()
    with pytest.raises(ValidationError) as refused:
        ask(units, units.commune2)
    assert "đã kết thúc" in str(refused.value)


def test_the_unit_answers_on_its_page_and_whoever_asked_is_mailed(client, units):
    request = ask(units)
    client.force_login(units.head_commune)
    page = client.get(reverse("tasks:my_unit"))
    text = visible_text(page.content)
    assert "Yêu cầu giải trình" in text and "Vì sao chậm kích hoạt định danh điện tử?" in text
    assert "hạn giải trình 25/06/2023" in text and "Chờ giải trình" in text
    assert f'action="{reverse("tasks:explanation", args=[request.pk])}"' in page.content.decode()
    response = client.post(
        reverse("tasks:explanation", args=[request.pk]),
        {"answer": "Thiếu máy đọc chip; đã mượn của huyện.", "version": request.version},
    )
    assert response.status_code == 302 and response["Location"].endswith("#explanations")
    request.refresh_from_db()
    assert (request.status, request.answer, request.answered_by) == (
        X.ANSWERED,
        "Thiếu máy đọc chip; đã mượn của huyện.",
        units.head_commune,
    )
    mail = Notification.objects.get(kind="explanation", recipient="secretariat40@example.org")
    assert "Xã Diễn Kỷ đã giải trình" in mail.subject and "Thiếu máy đọc chip" in mail.body_text
    # The same explanation sent again (a double click) changes and mails nothing.
    response = client.post(
        reverse("tasks:explanation", args=[request.pk]),
        {"answer": "Thiếu máy đọc chip; đã mượn của huyện.", "version": request.version},
    )
    assert response.status_code == 302
    assert Notification.objects.filter(kind="explanation", recipient="secretariat40@example.org").count() == 1
    page = visible_text(client.get(reverse("tasks:my_unit")).content)
    assert "Đã giải trình" in page and "Thiếu máy đọc chip; đã mượn của huyện." in page


def test_only_the_unit_answers(client, units):
    request = ask(units)
    url = reverse("tasks:explanation", args=[request.pk])
    data = {"answer": "Không phải đơn vị tôi", "version": 1}
    client.force_login(units.head_district)  # reads its commune's request, does not answer for it
    assert client.get(url).status_code == 200
    assert client.post(url, data).status_code == 403
    client.force_login(units.head_other_commune)
    assert client.post(url, data).status_code == 404
    client.force_login(units.secretariat)
    assert client.post(url, data).status_code == 403
    request.refresh_from_db()
    assert (request.status, request.answer) == (X.OPEN, "")


def test_an_empty_explanation_is_refused(client, units):
    request = ask(units)
    client.force_login(units.head_commune)
    response = client.post(reverse("tasks:explanation", args=[request.pk]), {"answer": "   ", "version": 1})
    assert response.status_code == 400
    assert "Trường này là bắt buộc." in visible_text(response.content)
    assert ExplanationRequest.objects.get().status == X.OPEN


def test_two_people_of_the_unit_answering_at_once_do_not_overwrite_each_other(client, units):
    request = ask(units)
    staff = User.objects.create(username="staff-commune", role=User.Role.UNIT_STAFF, unit=units.commune)
    services.explanation_answer(request=request, user=staff, version=1, answer="Giải trình của cán bộ.")
    client.force_login(units.head_commune)
    response = client.post(
        reverse("tasks:explanation", args=[request.pk]), {"answer": "Giải trình của thủ trưởng.", "version": 1}
    )
    assert response.status_code == 409
    text = visible_text(response.content)
    assert "staff-commune đã gửi giải trình lúc" in text and "Nội dung của bạn chưa được lưu" in text
    assert "Giải trình của thủ trưởng." in text  # still in the form
    assert response.context["answer_form"]["version"].value() == 2  # sending again is deliberate
    assert ExplanationRequest.objects.get().answer == "Giải trình của cán bộ."


def test_the_secretariat_closes_an_explained_request_and_the_unit_is_told(client, units):
    request = ask(units)
    request = services.explanation_answer(request=request, user=units.head_commune, version=1, answer="Đã khắc phục.")
    client.force_login(units.secretariat)
    page = client.get(reverse("tasks:explanation", args=[request.pk]))
    assert page.context["close_form"] is not None
    response = client.post(reverse("tasks:explanation_close", args=[request.pk]), {"note": "", "version": 2})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.closed_by) == (X.CLOSED, units.secretariat)
    assert Notification.objects.filter(kind="explanation", user=units.head_commune).count() == 2  # asked, closed
    # Closed once: a second close, and an explanation after it, are refused.
    again = client.post(reverse("tasks:explanation_close", args=[request.pk]), {"note": "", "version": 3})
    assert again.status_code == 400
    assert "Yêu cầu giải trình này đã đóng." in visible_text(again.content)
    client.force_login(units.head_commune)
    late = client.post(reverse("tasks:explanation", args=[request.pk]), {"answer": "Bổ sung", "version": 3})
    assert late.status_code == 403
    with pytest.raises(ValidationError):
        services.explanation_answer(request=request, user=units.head_commune, version=3, answer="Bổ sung")


def test_closing_an_unanswered_request_needs_a_note(client, units):
    request = ask(units)
    client.force_login(units.secretariat)
    response = client.post(reverse("tasks:explanation_close", args=[request.pk]), {"note": "", "version": 1})
    assert response.status_code == 400
    assert "Đơn vị chưa giải trình: hãy ghi lý do đóng yêu cầu." in visible_text(response.content)
    assert ExplanationRequest.objects.get().status == X.OPEN
    response = client.post(
        reverse("tasks:explanation_close", args=[request.pk]), {"note": "Đã hoàn thành nhiệm vụ.", "version": 1}
    )
    assert response.status_code == 302
    assert ExplanationRequest.objects.get().close_note == "Đã hoàn thành nhiệm vụ."


def test_closing_on_a_stale_page_after_the_unit_explained_is_refused_with_409(client, units):
    request = ask(units)
    services.explanation_answer(request=request, user=units.head_commune, version=1, answer="Mới gửi giải trình.")
    client.force_login(units.secretariat)
    response = client.post(
        reverse("tasks:explanation_close", args=[request.pk]), {"note": "Không cần nữa", "version": 1}
    )
    assert response.status_code == 409
    text = visible_text(response.content)
    assert "hãy đọc trước khi đóng" in text and "Mới gửi giải trình." in text
    assert ExplanationRequest.objects.get().status == X.ANSWERED


def test_the_district_closes_what_it_asked_not_what_the_secretariat_asked(client, units):
    by_district = ask(units, user=units.head_district)
    by_secretariat = ask(units, units.commune2)
    client.force_login(units.head_district)
    note = {"note": "Xã đã hoàn thành.", "version": 1}
    assert client.post(reverse("tasks:explanation_close", args=[by_secretariat.pk]), note).status_code == 403
    assert client.post(reverse("tasks:explanation_close", args=[by_district.pk]), note).status_code == 302
    assert list(ExplanationRequest.objects.order_by("pk").values_list("status", flat=True)) == [X.CLOSED, X.OPEN]


def test_a_past_date_shows_the_request_as_it_stood_then(client, units, settings):
    settings.APP_TODAY = days(-2)
    request = ask(units)
    settings.APP_TODAY = TODAY
    services.explanation_answer(request=request, user=units.head_commune, version=1, answer="Giải trình hôm nay.")
    client.force_login(units.secretariat)
    url = reverse("tasks:unit", args=[units.commune.code])
    then = client.get(url, {"as_at": days(-1).strftime("%d/%m/%Y")})
    (shown,) = then.context["explanations"]
    assert shown.shown_status == X.OPEN and shown.answer_form is None
    assert "Giải trình hôm nay." not in visible_text(then.content)
    before = client.get(url, {"as_at": days(-3).strftime("%d/%m/%Y")})
    assert before.context["explanations"] == []
    now = visible_text(client.get(url).content)
    assert "Giải trình hôm nay." in now


def test_the_unit_page_offers_to_ask_to_who_may(client, units):
    client.force_login(units.secretariat)
    assert client.get(reverse("tasks:unit", args=[units.commune.code])).context["can_ask_explanation"]
    assert not client.get(reverse("tasks:unit", args=[units.police.code])).context["can_ask_explanation"]
    client.force_login(units.leader)
    assert not client.get(reverse("tasks:unit", args=[units.commune.code])).context["can_ask_explanation"]
    client.force_login(units.head_district)
    assert client.get(reverse("tasks:unit", args=[units.commune.code])).context["can_ask_explanation"]
    assert not client.get(reverse("tasks:unit", args=[units.area.code])).context["can_ask_explanation"]


def test_the_unit_page_makes_the_same_queries_with_more_requests(client, units, django_assert_max_num_queries):
    client.force_login(units.head_commune)
    ask(units)
    with django_assert_max_num_queries(60) as few:
        client.get(reverse("tasks:my_unit"))
    for n in range(8):
        ask(units, assignment=make_assignment(units.commune, make_task(), due_date=days(-n - 1)))
    with django_assert_max_num_queries(60) as many:
        client.get(reverse("tasks:my_unit"))
    assert len(many.captured_queries) == len(few.captured_queries)

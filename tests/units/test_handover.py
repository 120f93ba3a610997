"""The secretariat hands a unit over to its new head; the former head's account is kept, deactivated."""

import datetime
import logging

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext_lazy

from reports import digests, reminders
from reports.models import Notification
from tasks.models import Assignment, HistoryEntry
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_task, make_user
from units import services
from units.models import UnitHandover, User

PASSWORD = "pw-for-tests-1"
# Django's message, which the project's catalogue translates.
INVALID_CHOICE = gettext_lazy("Select a valid choice. That choice is not one of the available choices.")


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def units(tree):
    tree.head_district.first_name = "Nguyễn Văn Cũ"
    tree.head_district.save()
    tree.staff_district.first_name = "Trần Thị Mới"
    tree.staff_district.save()
    for user in User.objects.all():
        user.email = f"{user.username}@example.org"
        user.save()
    for name in ("head_district", "staff_district", "head_commune", "secretariat"):
        getattr(tree, name).refresh_from_db()
    return tree


def url(unit) -> str:
    return reverse("unit_handover", args=[unit.code])


def promote(client, units, **extra):
    client.force_login(units.secretariat)
    data = {"mode": "staff", "new_head": units.staff_district.pk, "confirm": "on", **extra}
    return client.post(url(units.area), data)


def create(client, units, **extra):
    client.force_login(units.secretariat)
    data = {
        "mode": "new",
        "username": "head-district-moi",
        "full_name": "Lê Văn Mới",
        "email": "lvmoi@example.org",
        "confirm": "on",
        **extra,
    }
    return client.post(url(units.area), data)


def logged_in_client(user) -> Client:
    other = Client()
    other.force_login(user)
    return other


def assert_nothing_changed(units, accounts: int) -> None:
    units.head_district.refresh_from_db()
    units.staff_district.refresh_from_db()
    assert units.head_district.is_active and units.head_district.role == User.Role.UNIT_HEAD
    assert units.staff_district.role == User.Role.UNIT_STAFF
    assert User.objects.count() == accounts
    assert not UnitHandover.objects.exists()


# Success ---------------------------------------------------------------------------------------


def test_it_makes_a_staff_member_the_head_and_deactivates_the_former_head(client, units):
    response = promote(client, units, note="Quyết định số 12/QĐ-UBND")
    assert response.status_code == 302
    assert response.url == reverse("tasks:unit", args=[units.area.code])
    old, new = User.objects.get(pk=units.head_district.pk), User.objects.get(pk=units.staff_district.pk)
    assert not old.is_active and old.role == User.Role.UNIT_HEAD and old.unit == units.area  # kept, not deleted
    assert new.is_active and new.role == User.Role.UNIT_HEAD and not new.must_change_password
    handover = UnitHandover.objects.get()
    assert (handover.unit, handover.old_head, handover.new_head, handover.by) == (
        units.area,
        old,
        new,
        units.secretariat,
    )
    assert handover.note == "Quyết định số 12/QĐ-UBND" and not handover.account_created
    page = client.get(response.url).content.decode()
    assert escape("Trần Thị Mới") in page  # the success message names the new head


def test_the_former_head_is_logged_out_at_once(client, units):
    old_head = logged_in_client(units.head_district)
    bystander = logged_in_client(units.head_commune)
    assert old_head.get(reverse("tasks:my_unit")).status_code == 200
    promote(client, units)
    response = old_head.get(reverse("tasks:my_unit"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert bystander.get(reverse("tasks:my_unit")).status_code == 200  # other accounts stay logged in
    assert Session.objects.count() == 2  # the secretariat's and the bystander's
    login = old_head.post(reverse("login"), {"username": units.head_district.username, "password": PASSWORD})
    assert login.status_code == 200 and "_auth_user_id" not in old_head.session


def test_a_new_account_gets_a_temporary_password_shown_once(client, units):
    response = create(client, units)
    assert response.status_code == 302 and response.url == reverse("unit_handover_done", args=[units.area.code])
    page = client.get(response.url)
    assert page["Cache-Control"].startswith("max-age=0") and "no-store" in page["Cache-Control"]
    password = page.context["password"]
    assert password and f'id="temporary-password">{password}<' in page.content.decode()
    validate_password(password)  # strong enough for the project's own rules
    assert password not in client.get(response.url).content.decode()  # once only
    head = User.objects.get(username="head-district-moi")
    assert (head.first_name, head.email, head.role, head.unit) == (
        "Lê Văn Mới",
        "lvmoi@example.org",
        User.Role.UNIT_HEAD,
        units.area,
    )
    assert head.must_change_password and head.check_password(password)
    assert UnitHandover.objects.get().account_created
    assert not User.objects.get(pk=units.head_district.pk).is_active


def test_the_new_head_logs_in_chooses_a_password_and_sees_the_units_pages(client, units):
    create(client, units)
    password = client.get(reverse("unit_handover_done", args=[units.area.code])).context["password"]
    new_head = Client()
    response = new_head.post(reverse("login"), {"username": "head-district-moi", "password": password}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("password_change")
    response = new_head.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": "mat-khau-rieng-2023", "new_password2": "mat-khau-rieng-2023"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("tasks:my_unit")  # still logged in
    assert "Huyện Diễn Châu" in response.content.decode()
    head = User.objects.get(username="head-district-moi")
    assert not head.must_change_password and head.check_password("mat-khau-rieng-2023")
    assert new_head.get(reverse("tasks:unit", args=[units.commune.code])).status_code == 200  # its communes too


def test_a_wrong_old_password_changes_nothing(client, units):
    create(client, units)
    password = client.get(reverse("unit_handover_done", args=[units.area.code])).context["password"]
    head = User.objects.get(username="head-district-moi")
    client.force_login(head)
    response = client.post(
        reverse("password_change"),
        {"old_password": "sai", "new_password1": "mat-khau-rieng-2023", "new_password2": "mat-khau-rieng-2023"},
    )
    assert response.status_code == 400
    assert "Mật khẩu cũ không chính xác" in response.content.decode()
    head.refresh_from_db()
    assert head.must_change_password and head.check_password(password)


def test_history_stays_attributed_to_the_former_head(client, units):
    assignment = make_assignment(units.area, make_task(title="Rà soát dữ liệu dân cư"), due_date=TODAY)
    Assignment.objects.filter(pk=assignment.pk).update(updated_by=units.head_district, progress=50)
    HistoryEntry.objects.create(
        user=units.head_district,
        unit=units.area,
        assignment=assignment,
        action=HistoryEntry.Action.PROGRESS,
        changes={"progress": [0, 50]},
    )
    promote(client, units)
    assert HistoryEntry.objects.get().user_id == units.head_district.pk
    client.force_login(User.objects.get(pk=units.staff_district.pk))
    unit_page = client.get(reverse("tasks:my_unit")).content.decode()
    assert unit_page.count("Nguyễn Văn Cũ") == 2  # the history and the assignment's last update
    assignment_page = client.get(reverse("tasks:assignment", args=[assignment.pk])).content.decode()
    assert "Nguyễn Văn Cũ" in assignment_page


def test_the_next_reminder_and_digest_go_to_the_new_head_only(client, units):
    make_assignment(units.area, make_task(title="Kích hoạt định danh"), due_date=TODAY + datetime.timedelta(days=7))
    reminders.reminders_decide(today=TODAY)
    before = set(Notification.objects.filter(kind="reminder").values_list("recipient", flat=True))
    assert before == {"head-district40@example.org"}
    promote(client, units)
    later = TODAY + datetime.timedelta(days=4)  # the "3 days left" reminder
    reminders.reminders_decide(today=later)
    after = Notification.objects.filter(
        kind="reminder", created_at__gt=Notification.objects.earliest("created_at").created_at
    )
    assert list(after.values_list("recipient", "user")) == [("staff-district40@example.org", units.staff_district.pk)]
    digests.digests_decide(today=later)
    digest_mails = Notification.objects.filter(kind="digest_unit", unit=units.area)
    assert list(digest_mails.values_list("recipient", flat=True)) == ["staff-district40@example.org"]


def test_the_handover_is_written_to_the_audit_log_when_it_commits(
    client, units, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger="audit")
    with django_capture_on_commit_callbacks(execute=True):
        create(client, units, email="bad")  # refused: nothing written
        create(client, units)
    [record] = [r for r in caplog.records if r.name == "audit" and r.audit["action"] == "unit.handed_over"]
    handover = UnitHandover.objects.get()
    assert record.audit == {
        "action": "unit.handed_over",
        "user": "secretariat40",
        "unit": "401",
        "obj": f"units.unithandover:{handover.pk}",
        "old_head": "head-district40",
        "new_head": "head-district-moi",
        "account": "created",
        "sessions_ended": 0,
    }
    password = client.get(reverse("unit_handover_done", args=[units.area.code])).context["password"]
    assert password not in caplog.text


def test_a_unit_without_a_head_can_be_given_one(client, units):
    User.objects.filter(pk=units.head_district.pk).update(is_active=False)
    response = promote(client, units)
    assert response.status_code == 302
    assert UnitHandover.objects.get().old_head is None
    assert User.objects.get(pk=units.staff_district.pk).role == User.Role.UNIT_HEAD


def test_the_page_lists_the_current_head_the_staff_and_previous_handovers(client, units):
    promote(client, units, note="Quyết định số 12/QĐ-UBND")
    make_user(units.area, User.Role.UNIT_STAFF, username="staff-2", first_name="Phạm Văn Hai")
    page = client.get(url(units.area)).content.decode()
    assert "Trần Thị Mới" in page  # the head now
    assert "Phạm Văn Hai (staff-2)" in page  # can be chosen
    assert "Quyết định số 12/QĐ-UBND" in page and "Nguyễn Văn Cũ" in page  # the previous handover


def test_the_unit_page_links_to_the_handover_for_the_secretariat_only(client, units):
    client.force_login(units.secretariat)
    assert url(units.area) in client.get(reverse("tasks:unit", args=[units.area.code])).content.decode()
    client.force_login(units.head_district)
    assert url(units.area) not in client.get(reverse("tasks:my_unit")).content.decode()


def test_a_superuser_may_hand_over_any_unit(client, units):
    admin = User.objects.create_superuser("it", "it@example.org", PASSWORD)
    client.force_login(admin)
    response = client.post(url(units.area), {"mode": "staff", "new_head": units.staff_district.pk, "confirm": "on"})
    assert response.status_code == 302
    assert UnitHandover.objects.get().by == admin


def test_the_handover_record_is_read_only_in_the_admin(client, units):
    promote(client, units)
    client.force_login(User.objects.create_superuser("it", "it@example.org", PASSWORD))
    handover = UnitHandover.objects.get()
    assert client.get(reverse("admin:units_unithandover_changelist")).status_code == 200
    assert client.get(reverse("admin:units_unithandover_change", args=[handover.pk])).status_code == 200
    assert client.get(reverse("admin:units_unithandover_add")).status_code == 403
    unit_admin = client.get(reverse("admin:units_unit_change", args=[units.area.pk])).content.decode()
    assert url(units.area) in unit_admin


# Who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["head_district", "staff_district", "leader", "head_commune"])
def test_other_roles_get_403_and_change_nothing(client, units, who):
    accounts = User.objects.count()
    client.force_login(getattr(units, who))
    assert client.get(url(units.area)).status_code == 403
    data = {"mode": "staff", "new_head": units.staff_district.pk, "confirm": "on"}
    assert client.post(url(units.area), data).status_code == 403
    assert_nothing_changed(units, accounts)


def test_anonymous_users_are_sent_to_login(client, units):
    response = client.get(url(units.area))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_unit_of_another_province_answers_404(client, units):
    other = Tree(code="01", name="Thành phố Hà Nội")
    accounts = User.objects.count()
    client.force_login(units.secretariat)
    assert client.get(url(other.area)).status_code == 404
    data = {"mode": "staff", "new_head": other.staff_district.pk, "confirm": "on"}
    assert client.post(url(other.area), data).status_code == 404
    assert client.get(reverse("unit_handover_done", args=[other.area.code])).status_code == 404
    assert User.objects.get(pk=other.head_district.pk).is_active
    assert User.objects.count() == accounts and not UnitHandover.objects.exists()


def test_the_service_refuses_anyone_but_the_secretariat(units):
    for who in (units.leader, units.head_district, Tree(code="01").secretariat):
        with pytest.raises(PermissionDenied):
            services.unit_handover(unit=units.area, by=who, new_head=units.staff_district)
    assert not UnitHandover.objects.exists()


# Bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"mode": "staff", "new_head": ""}, "new_head", gettext_lazy("Choose the staff member who becomes the head.")),
        ({"mode": "staff", "new_head": "current-head"}, "new_head", services.HEAD_ALREADY),
        ({"mode": "staff", "new_head": "other-unit"}, "new_head", services.OTHER_UNIT),
        ({"mode": "staff", "new_head": "secretariat"}, "new_head", services.OTHER_UNIT),
        ({"mode": "staff", "new_head": "other-province"}, "new_head", INVALID_CHOICE),
        ({"mode": "new", "username": ""}, "username", services.REQUIRED),
        ({"mode": "new", "username": "HEAD-COMMUNE40"}, "username", services.USERNAME_TAKEN),
        ({"mode": "new", "username": "le van moi"}, "username", services.USERNAME_INVALID),
        ({"mode": "new", "full_name": "  "}, "full_name", services.REQUIRED),
        ({"mode": "new", "email": "lvmoi@"}, "email", services.EMAIL_INVALID),
        ({"mode": "new", "email": ""}, "email", services.REQUIRED),
        ({"mode": "new", "confirm": ""}, "confirm", services.REQUIRED),
        ({"mode": ""}, "mode", services.REQUIRED),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(client, units, data, field, message):
    other_province = Tree(code="01")
    accounts = User.objects.count()
    old_head_session = logged_in_client(units.head_district)
    picks = {
        "current-head": units.head_district.pk,
        "other-unit": units.head_commune.pk,
        "secretariat": units.secretariat.pk,
        "other-province": other_province.staff_district.pk,
    }
    data = {**data, "new_head": picks.get(data.get("new_head"), data.get("new_head", ""))}
    response = create(client, units, **data)
    assert response.status_code == 400
    assert str(message) in str(response.context["form"].errors[field])
    assert escape(str(message)) in response.content.decode()
    assert_nothing_changed(units, accounts)
    assert old_head_session.get(reverse("tasks:my_unit")).status_code == 200


def test_messages_are_vietnamese_where_the_catalogue_has_them(client, units):
    response = create(client, units, username="", email="lvmoi@")
    page = response.content.decode()
    assert "Trường này là bắt buộc." in page


def test_an_inactive_unit_cannot_be_handed_over(client, units):
    units.area.is_active = False
    units.area.save()
    accounts = User.objects.count()
    response = promote(client, units)
    assert response.status_code == 400
    assert escape(str(services.UNIT_INACTIVE)) in response.content.decode()
    assert_nothing_changed(units, accounts)


def test_a_deactivated_staff_member_cannot_become_head(units):
    User.objects.filter(pk=units.staff_district.pk).update(is_active=False)
    with pytest.raises(services.ValidationError) as error:
        services.unit_handover(unit=units.area, by=units.secretariat, new_head=units.staff_district)
    assert error.value.message_dict == {"new_head": [str(services.ACCOUNT_INACTIVE)]}
    assert User.objects.get(pk=units.head_district.pk).is_active


def test_a_secretariat_account_cannot_become_head_of_its_own_unit(units):
    with pytest.raises(services.ValidationError) as error:
        services.unit_handover(unit=units.police, by=units.secretariat, new_head=units.secretariat)
    assert error.value.message_dict == {"new_head": [str(services.NOT_STAFF)]}
    assert User.objects.get(pk=units.secretariat.pk).role == User.Role.SECRETARIAT


# Cost ------------------------------------------------------------------------------------------


def test_the_page_costs_the_same_for_2_and_20_staff_and_handovers(client, units, django_assert_max_num_queries):
    client.force_login(units.secretariat)

    def queries() -> int:
        with django_assert_max_num_queries(10) as captured:
            assert client.get(url(units.area)).status_code == 200
        return len(captured.captured_queries)

    make_user(units.area, User.Role.UNIT_STAFF)
    UnitHandover.objects.create(
        unit=units.area, old_head=units.head_district, new_head=units.head_district, by=units.secretariat
    )
    few = queries()
    for _i in range(18):
        make_user(units.area, User.Role.UNIT_STAFF)
        UnitHandover.objects.create(
            unit=units.area, old_head=make_user(None), new_head=make_user(None), by=units.secretariat
        )
    assert queries() == few

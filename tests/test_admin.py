"""The Django admin: every model, in Vietnamese, for the secretariat; changes recorded in history."""

import datetime
import logging

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from reports.models import DEFAULT_WEIGHTS, ReminderSettings, ScoreWeights
from tasks.models import Assignment, ExplanationRequest, HistoryEntry, IndicatorReport, Target
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_eid_targets, make_task
from tests.security.test_sessions import form_fields
from units.models import User
from units.services import secretariat_group_ensure


@pytest.fixture
def secretariat(tree):
    user = tree.secretariat
    user.is_staff = True
    user.save()
    secretariat_group_ensure(users=[user])
    return User.objects.get(pk=user.pk)  # fresh permission cache


@pytest.mark.parametrize(
    "model",
    [m for m in admin.site._registry if m._meta.app_label in ("units", "tasks", "reports")],
    ids=lambda m: m.__name__,
)
def test_every_model_has_a_vietnamese_list_page(client, secretariat, tree, model):
    make_assignment(tree.commune, due_date=datetime.date(2023, 6, 30))
    client.force_login(secretariat)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Quản trị Đề án 06" in page
    with translation.override("vi"):
        assert f"Chọn {model._meta.verbose_name} để " in page  # "thay đổi", or "xem" when read-only


def test_unit_autocomplete_finds_units_without_accents(client, secretariat, tree):
    client.force_login(secretariat)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "tasks", "model_name": "assignment", "field_name": "unit", "term": "dien ky"},
    )
    assert response.status_code == 200
    assert [item["text"] for item in response.json()["results"]] == ["Xã Diễn Kỷ"]


def test_unit_heads_cannot_enter_the_admin(client, tree):
    client.force_login(tree.head_district)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "login" in response.url


@pytest.mark.parametrize("name", ["assignment", "target", "indicatorreport", "document", "task", "explanationrequest"])
def test_what_the_application_changes_through_its_services_is_read_only_in_the_admin(client, secretariat, tree, name):
    """No save button, a link to the page that changes it, and a posted change is refused (403)."""
    assignment = make_assignment(tree.commune, make_task(), due_date=datetime.date(2023, 6, 30))
    indicator = make_eid_targets({tree.commune: 100})
    target = Target.objects.get(indicator=indicator, unit=tree.commune)
    report = IndicatorReport.objects.create(
        indicator=indicator, unit=tree.commune, as_of=datetime.date(2023, 6, 30), value=10
    )
    explanation = ExplanationRequest.objects.create(
        unit=tree.commune,
        assignment=assignment,
        reason="Vì sao chậm?",
        due_date=datetime.date(2023, 6, 30),
        asked_by=tree.secretariat,
    )
    obj = {
        "assignment": assignment,
        "target": target,
        "indicatorreport": report,
        "document": assignment.task.document,
        "task": assignment.task,
        "explanationrequest": explanation,
    }[name]
    client.force_login(secretariat)
    url = reverse(f"admin:tasks_{name}_change", args=[obj.pk])
    page = client.get(url)
    assert page.status_code == 200 and not page.context["has_change_permission"]
    text = page.content.decode()
    assert 'name="_save"' not in text
    assert "Nơi thay đổi" in text and "Mở trang" in text
    assert client.get(reverse(f"admin:tasks_{name}_add")).status_code == 403
    assert client.get(reverse(f"admin:tasks_{name}_delete", args=[obj.pk])).status_code == 403
    before = list(type(obj).objects.filter(pk=obj.pk).values())
    assert client.post(url, {"due_date": "15/07/2023", "progress": 40, "value": 99, "title": "X"}).status_code == 403
    assert list(type(obj).objects.filter(pk=obj.pk).values()) == before
    assert not HistoryEntry.objects.exists()


def test_an_explanation_request_in_the_admin_links_to_its_page_where_it_is_answered_and_closed(
    client, secretariat, tree
):
    request = ExplanationRequest.objects.create(
        unit=tree.commune, reason="Vì sao chậm?", due_date=datetime.date(2023, 6, 30), asked_by=tree.secretariat
    )
    client.force_login(secretariat)
    listing = client.get(reverse("admin:tasks_explanationrequest_changelist"), {"q": tree.commune.code})
    assert listing.status_code == 200 and "Xã Diễn Kỷ" in listing.content.decode()
    assert "Yêu cầu giải trình được tạo, trả lời và đóng trên trang của yêu cầu." in listing.content.decode()
    page = client.get(reverse("admin:tasks_explanationrequest_change", args=[request.pk])).content.decode()
    assert f'href="/giai-trinh/{request.pk}/"' in page


def test_the_list_of_assignments_says_where_they_are_changed(client, secretariat, tree):
    client.force_login(secretariat)
    page = client.get(reverse("admin:tasks_assignment_changelist")).content.decode()
    assert "nhập liệu" in page


def test_units_and_assignments_cannot_be_deleted(client, secretariat, tree):
    assignment = make_assignment(tree.commune)
    client.force_login(secretariat)
    assert client.get(reverse("admin:units_unit_delete", args=[tree.commune.pk])).status_code == 403
    assert client.get(reverse("admin:tasks_assignment_delete", args=[assignment.pk])).status_code == 403
    assert Assignment.objects.filter(pk=assignment.pk).exists()


def test_the_secretariat_of_another_province_reads_but_cannot_change_an_assignment(client, secretariat, tree):
    """The admin asks the same policy as the pages: "tasks.plan" on the assignment's unit."""
    foreign = Tree("41", "Tỉnh Hà Tĩnh")
    assignment = make_assignment(foreign.commune, make_task(), due_date=datetime.date(2023, 6, 30))
    client.force_login(secretariat)
    url = reverse("admin:tasks_assignment_change", args=[assignment.pk])
    page = client.get(url)
    assert page.status_code == 200 and "adminform" in page.context
    assert not page.context["has_change_permission"]
    response = client.post(url, {"due_date": "15/07/2023", "progress": 40})
    assert response.status_code == 403
    assignment.refresh_from_db()
    assert assignment.due_date == datetime.date(2023, 6, 30)
    assert not HistoryEntry.objects.filter(assignment=assignment).exists()


def weights_post(client, province, on_time=40, attainment=40, timeliness=20):
    data = {"province": province.pk, "on_time": on_time, "attainment": attainment, "timeliness": timeliness}
    return client.post(reverse("admin:reports_scoreweights_add"), data)


def test_the_scorecard_weights_are_saved_in_the_admin_through_the_scorecard_service(
    client, secretariat, tree, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger="audit")
    client.force_login(secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        response = weights_post(client, tree.province)
    assert response.status_code == 302
    weights = ScoreWeights.objects.get(province=tree.province)
    assert (weights.as_dict(), weights.updated_by) == ({"on_time": 40, "attainment": 40, "timeliness": 20}, secretariat)
    assert [r for r in caplog.records if "action=scorecard.weights_set" in r.getMessage()]

    url = reverse("admin:reports_scoreweights_change", args=[weights.pk])
    changed = client.post(url, {"province": Tree("41", "Tỉnh Hà Tĩnh").province.pk, **WEIGHTS_60_20_20})
    assert changed.status_code == 302
    weights.refresh_from_db()
    assert weights.province == tree.province  # the province is not moved, only the values change
    assert weights.as_dict() == WEIGHTS_60_20_20


WEIGHTS_60_20_20 = {"on_time": 60, "attainment": 20, "timeliness": 20}


def test_weights_that_do_not_add_up_or_equal_the_defaults_are_refused_with_a_message(client, secretariat, tree):
    client.force_login(secretariat)
    wrong = weights_post(client, tree.province, timeliness=30)
    assert wrong.status_code == 200 and wrong.context["adminform"].form.errors
    same = weights_post(client, tree.province, **DEFAULT_WEIGHTS)
    assert same.status_code == 200
    assert "Đây đã là trọng số đang dùng" in same.content.decode()
    assert not ScoreWeights.objects.exists()


def test_the_secretariat_cannot_set_another_provinces_weights_in_the_admin(client, secretariat, tree):
    foreign = Tree("41", "Tỉnh Hà Tĩnh")
    client.force_login(secretariat)
    assert weights_post(client, foreign.province).status_code == 403
    assert not ScoreWeights.objects.exists()


def admin_form_data(page) -> dict:
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = value
    return data


def test_a_unit_deactivated_in_the_admin_goes_through_the_unit_service(client, secretariat, tree, fixed_today):
    client.force_login(secretariat)
    url = reverse("admin:units_unit_change", args=[tree.commune.pk])
    data = admin_form_data(client.get(url))
    del data["is_active"]  # the secretariat unticks "active" and saves, without a date
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    tree.commune.refresh_from_db()
    assert not tree.commune.is_active
    assert tree.commune.valid_to == TODAY  # the service dates it


def test_the_secretariat_reads_but_cannot_change_another_provinces_unit_or_account(client, secretariat, tree):
    foreign = Tree("41", "Tỉnh Hà Tĩnh")
    client.force_login(secretariat)
    for name, obj in [("unit", foreign.commune), ("user", foreign.head_commune)]:
        url = reverse(f"admin:units_{name}_change", args=[obj.pk])
        page = client.get(url)
        assert page.status_code == 200 and not page.context["has_change_permission"]
        assert client.post(url, {"is_active": ""}).status_code == 403
        obj.refresh_from_db()
        assert obj.is_active


def test_an_account_deactivated_in_the_admin_by_the_secretariat_is_saved_and_cannot_be_made_superuser(
    client, secretariat, tree
):
    client.force_login(secretariat)
    url = reverse("admin:units_user_change", args=[tree.head_commune.pk])
    page = client.get(url)
    assert "is_superuser" not in page.context["adminform"].form.fields
    data = form_fields(page.content.decode())
    del data["is_active"]
    response = client.post(url, {**data, "is_superuser": "on"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    tree.head_commune.refresh_from_db()
    assert not tree.head_commune.is_active and not tree.head_commune.is_superuser


def test_the_secretariat_cannot_set_another_provinces_reminder_times(client, secretariat, tree):
    foreign = Tree("41", "Tỉnh Hà Tĩnh")
    client.force_login(secretariat)
    data = {"overdue_repeat_days": 2, "escalation_days": 5, "offsets": "[7, 3, 1]"}
    url = reverse("admin:reports_remindersettings_add")
    assert client.post(url, {**data, "province": foreign.province.pk}).status_code == 403
    assert not ReminderSettings.objects.exists()
    assert client.post(url, {**data, "province": tree.province.pk}).status_code == 302
    settings = ReminderSettings.objects.create(
        province=foreign.province, offsets=[7], **{"overdue_repeat_days": 2, "escalation_days": 5}
    )
    change = reverse("admin:reports_remindersettings_change", args=[settings.pk])
    assert client.post(change, {**data, "province": foreign.province.pk}).status_code == 403

"""The audit trail's API (units/trail.py) and the changes of units and accounts it records: who,
when, from what to what, in the change's own transaction; never a password."""

import datetime
import logging

import pytest
from django.db import transaction
from django.urls import reverse

from tasks.models import Document, Task
from tests.factories import make_document, make_task
from tests.security.test_sessions import form_fields
from units import services, trail
from units.models import AuditEntry, Unit, User
from units.services import secretariat_group_ensure

PASSWORD = "pw-for-tests-1"


@pytest.fixture
def staff_secretariat(tree):
    user = tree.secretariat
    user.is_staff = True
    user.save()
    secretariat_group_ensure(users=[user])
    return User.objects.get(pk=user.pk)


def test_a_recorded_change_keeps_who_what_whose_and_from_what_to_what(tree, django_capture_on_commit_callbacks):
    task = make_task(default_due_date=datetime.date(2023, 6, 30))
    with django_capture_on_commit_callbacks(execute=True):
        entry = trail.audit_record(
            user=tree.secretariat,
            obj=task,
            action="updated",
            unit=tree.province,
            changes={"default_due_date": [datetime.date(2023, 6, 30), datetime.date(2023, 7, 15)]},
        )
    entry.refresh_from_db()
    assert (entry.kind, entry.object_type, entry.object_id) == ("task", "tasks.task", task.pk)
    assert entry.unit == tree.province and entry.user == tree.secretariat
    assert entry.changes == {"default_due_date": ["2023-06-30", "2023-07-15"]}
    assert trail.change_rows(entry.changes, model=Task) == [("Hạn hoàn thành mặc định", "30/06/2023", "15/07/2023")]


def test_its_line_in_the_audit_log_is_written_when_the_change_commits(tree, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.INFO, logger="audit")
    document = make_document()
    with django_capture_on_commit_callbacks(execute=True):
        trail.audit_record(
            user=tree.secretariat, obj=document, action="updated", unit=tree.province, changes={"title": ["a", "b"]}
        )
    [record] = [r for r in caplog.records if r.name == "audit"]
    assert record.getMessage() == (
        f"action=document.updated user=secretariat40 unit=40 obj=tasks.document:{document.pk} "
        'changes="{\\"title\\":[\\"a\\",\\"b\\"]}"'
    )


def test_a_rolled_back_change_leaves_no_entry(tree):
    with transaction.atomic():
        trail.audit_record(user=tree.secretariat, obj=tree.commune, action="updated", unit=tree.commune)
        transaction.set_rollback(True)
    assert not AuditEntry.objects.exists()


def test_an_object_of_an_unknown_model_needs_its_kind(tree):
    group = tree.secretariat.groups.model.objects.create(name="Nhóm thử")
    with pytest.raises(ValueError, match="kind"):
        trail.audit_record(user=tree.secretariat, obj=group, action="updated", unit=None)
    entry = trail.audit_record(user=tree.secretariat, obj=group, action="updated", unit=None, kind="account")
    assert entry.kind == "account"


def test_values_are_shown_as_a_reader_writes_them():
    rows = trail.change_rows(
        {
            "kind": ["plan", "decision"],
            "number": ["2023-01-01", "78/KH-UBND"],
            "issued_on": [None, "2023-01-28"],
        },
        model=Document,
    )
    assert ("Số hiệu", "2023-01-01", "78/KH-UBND") in rows  # text that looks like a date stays text
    assert ("Ngày ban hành", "—", "28/01/2023") in rows
    assert ("Loại", "Kế hoạch", "Quyết định") in rows
    assert trail.change_rows({"is_recurring": [False, True]}, model=Task) == [("Thường xuyên", "Không", "Có")]
    assert trail.readable(1269779) == "1.269.779"
    assert trail.readable("2023-06-20T09:15+07:00") == "20/06/2023 09:15"


def test_a_unit_changed_in_the_admin_is_recorded_with_its_old_and_new_values(client, staff_secretariat, tree):
    client.force_login(staff_secretariat)
    url = reverse("admin:units_unit_change", args=[tree.commune.pk])
    data = form_fields(client.get(url).content.decode())
    data["phone"] = "0238 3844 123"
    assert client.post(url, data).status_code == 302
    entry = AuditEntry.objects.get(kind="unit")
    assert (entry.action, entry.user, entry.unit) == ("updated", staff_secretariat, tree.commune)
    assert entry.changes == {"phone": ["", "0238 3844 123"]}


def test_an_account_changed_in_the_admin_is_recorded_and_a_deactivation_is_named(client, staff_secretariat, tree):
    client.force_login(staff_secretariat)
    url = reverse("admin:units_user_change", args=[tree.head_commune.pk])
    data = form_fields(client.get(url).content.decode())
    del data["is_active"]
    data["email"] = "xa-dien-ky@nghean.gov.vn"
    assert client.post(url, data).status_code == 302
    entry = AuditEntry.objects.get(kind="account")
    assert (entry.action, entry.unit) == ("deactivated", tree.commune)
    assert entry.changes == {"email": ["", "xa-dien-ky@nghean.gov.vn"], "is_active": [True, False]}
    assert entry.object_repr == "head-commune40"


def test_an_unchanged_save_in_the_admin_records_nothing(client, staff_secretariat, tree):
    client.force_login(staff_secretariat)
    url = reverse("admin:units_user_change", args=[tree.head_commune.pk])
    assert client.post(url, form_fields(client.get(url).content.decode())).status_code == 302
    assert not AuditEntry.objects.exists()


def test_a_password_set_in_the_admin_is_recorded_without_the_password(client, staff_secretariat, tree):
    client.force_login(staff_secretariat)
    url = reverse("admin:auth_user_password_change", args=[tree.head_commune.pk])
    response = client.post(url, {"password1": "Mat-khau-moi-2023", "password2": "Mat-khau-moi-2023"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(kind="account")
    assert (entry.action, entry.user, entry.unit, entry.changes) == (
        "password_set",
        staff_secretariat,
        tree.commune,
        {},
    )
    assert "Mat-khau-moi-2023" not in str(AuditEntry.objects.values())


def test_a_users_own_password_and_digest_choice_are_recorded(client, tree):
    client.force_login(tree.head_commune)
    client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Mat-khau-moi-2023", "new_password2": "Mat-khau-moi-2023"},
    )
    client.post(reverse("account"), {})  # the digest unticked
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", "user__username", "changes"))
    assert actions == [
        ("password_changed", "head-commune40", {}),
        ("updated", "head-commune40", {"wants_digest": [True, False]}),
    ]


def test_a_handover_is_recorded_on_the_units_trail(tree):
    services.unit_handover(unit=tree.area, by=tree.secretariat, new_head=tree.staff_district)
    entry = AuditEntry.objects.get()
    assert (entry.kind, entry.action, entry.unit) == ("account", "handed_over", tree.area)
    assert entry.changes == {"head": ["head-district40", "staff-district40"], "account_created": [None, False]}


def test_accounts_moved_and_deactivated_by_a_transition_are_recorded_one_by_one(tree):
    moves = [services.AccountMove(tree.head_commune.pk, tree.commune2, User.Role.UNIT_STAFF)]
    services.accounts_transfer(moves=moves, deactivate=[tree.head_other_commune.pk], by=tree.secretariat, note="NQ")
    entries = {e.object_id: e for e in AuditEntry.objects.all()}
    moved, deactivated = entries[tree.head_commune.pk], entries[tree.head_other_commune.pk]
    assert (moved.action, moved.unit_id, moved.note) == ("moved", tree.commune2.pk, "NQ")
    assert moved.changes == {"unit": ["Xã Diễn Kỷ", "Thị trấn Diễn Châu"], "role": ["unit_head", "unit_staff"]}
    assert (deactivated.action, deactivated.unit_id) == ("deactivated", tree.other_commune.pk)


def test_making_an_account_the_secretariat_from_the_command_is_the_systems_change(tree):
    account = User.objects.create_user("quan-tri", password=PASSWORD)
    services.secretariat_appoint(account=account, standing_body=tree.police)
    entry = AuditEntry.objects.get()
    assert entry.user is None and entry.unit == tree.police
    assert entry.changes == {"role": ["", "secretariat"], "unit": [None, "Công an tỉnh"], "is_staff": [False, True]}
    assert Unit.objects.get(pk=tree.police.pk).users.filter(pk=account.pk).exists()

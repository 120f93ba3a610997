"""Weak passwords are refused, in Vietnamese, where passwords are chosen: the user's own password
page (tai-khoan/mat-khau/) and the admin's password form; the old password keeps working."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_user

PASSWORD = "pw-for-tests-1"
GOOD = "Dien-Chau-de-an-06-2023"

WEAK = [
    pytest.param("Xk7#q2", "Mật khẩu quá ngắn: cần ít nhất 10 ký tự.", id="too short"),
    pytest.param("qwertyuiop", "Mật khẩu này quá phổ biến.", id="common"),
    pytest.param("3849201758", "Mật khẩu này hoàn toàn là số.", id="all digits"),
    pytest.param("head-commune40!", "Mật khẩu quá giống với", id="like the username"),
]


@pytest.mark.parametrize(("password", "message"), WEAK)
def test_the_password_page_refuses_a_weak_password_in_vietnamese(client, tree, password, message):
    client.force_login(tree.head_commune)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    tree.head_commune.refresh_from_db()
    assert tree.head_commune.check_password(PASSWORD)


def test_the_password_page_takes_a_strong_one(client, tree):
    client.force_login(tree.head_commune)
    response = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": GOOD, "new_password2": GOOD}
    )
    assert response.status_code == 302
    tree.head_commune.refresh_from_db()
    assert tree.head_commune.check_password(GOOD)


@pytest.mark.parametrize(("password", "message"), WEAK)
def test_the_admin_refuses_a_weak_password_in_vietnamese(tree, password, message):
    admin = Client()
    admin.force_login(make_user(None, username="root", is_superuser=True, is_staff=True))

    response = admin.post(
        reverse("admin:auth_user_password_change", args=[tree.head_commune.pk]),
        {"password1": password, "password2": password, "usable_password": "true"},
    )

    assert response.status_code == 200  # the form again, with the reason
    assert message in response.content.decode()
    tree.head_commune.refresh_from_db()
    assert tree.head_commune.check_password(PASSWORD)

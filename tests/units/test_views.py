"""Logging in and landing on the right page for each role."""

import pytest
from django.urls import reverse

from tests.factories import make_user
from units.models import User

PASSWORD = "pw-for-tests-1"


def login(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True)


@pytest.mark.parametrize(
    ("who", "landing"),
    [
        ("secretariat", "reports:overview"),
        ("leader", "reports:overview"),
        ("head_commune", "tasks:my_unit"),
        ("head_district", "tasks:my_unit"),
        ("staff_district", "tasks:my_unit"),
        ("head_agency", "tasks:my_unit"),
    ],
)
def test_it_lands_each_role_on_its_page(client, tree, who, landing):
    response = login(client, getattr(tree, who))
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse(landing)


def test_it_lands_a_superuser_on_the_overview(client, tree):
    User.objects.create_superuser("it", "it@example.org", PASSWORD)
    response = client.post(reverse("login"), {"username": "it", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("reports:overview")


def test_a_wrong_password_is_refused_with_a_vietnamese_message(client, tree):
    response = client.post(reverse("login"), {"username": tree.head_commune.username, "password": "sai-mat-khau"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "mật khẩu chính xác" in response.content.decode()


def test_the_login_page_is_in_vietnamese(client, db):
    page = client.get(reverse("login")).content.decode()
    assert "Đăng nhập" in page and "Mật khẩu" in page


def test_anonymous_users_are_sent_to_login(client, db):
    for name in ("home", "reports:overview", "tasks:my_unit"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_an_account_without_role_gets_403_not_a_page(client, tree):
    user = make_user(None)
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 403
    assert client.get(reverse("tasks:my_unit")).status_code == 403
    assert client.get(reverse("reports:overview")).status_code == 403


def test_unit_heads_cannot_open_the_province_overview(client, tree):
    client.force_login(tree.head_commune)
    assert client.get(reverse("reports:overview")).status_code == 403
    client.force_login(tree.head_district)  # a district reads its own district's overview
    response = client.get(reverse("reports:overview"))
    assert response.status_code == 200 and response.context["province"] == tree.area


def test_logout_needs_a_post_and_ends_the_session(client, tree):
    client.force_login(tree.head_commune)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_logged_in_user_visiting_login_goes_to_their_page(client, tree):
    client.force_login(tree.head_commune)
    response = client.get(reverse("login"))
    assert response.status_code == 302


def test_pages_are_vietnamese_even_for_a_browser_set_to_english(client, db):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Đăng nhập" in page and 'lang="vi"' in page

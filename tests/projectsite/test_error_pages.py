"""With DEBUG off the error pages are ours: Vietnamese, in the site's layout, with a way back home."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.pages import visible_text

# What Django's own error pages say.
DJANGO_ENGLISH = ["Not Found", "Forbidden", "Bad Request", "Server Error", "CSRF verification failed", "requested"]


@pytest.fixture(autouse=True)
def debug_off(settings):
    settings.DEBUG = False


def assert_our_error_page(response, status: int, heading: str, *, layout: bool = True):
    assert response.status_code == status
    page = response.content.decode()
    text = visible_text(page)
    assert heading in text
    assert "Về trang chủ" in text and 'href="/"' in page
    assert [words for words in DJANGO_ENGLISH if words in text] == []
    if layout:  # the site's navigation bar and styles
        assert 'class="navbar' in page and "bootstrap.min.css" in page


def test_it_answers_an_unknown_address_with_a_vietnamese_page(client, tree):
    client.force_login(tree.head_commune)
    response = client.get("/khong-co-trang-nay/")
    assert_our_error_page(response, 404, "Không tìm thấy trang")
    assert "Đăng xuất" in response.content.decode()  # the layout's menu, for a logged-in user


def test_it_answers_a_refused_page_with_a_vietnamese_page(client, tree):
    client.force_login(tree.head_commune)
    response = client.get(reverse("reports:overview"))
    assert_our_error_page(response, 403, "Không có quyền truy cập")


def test_it_answers_a_foreign_host_with_a_vietnamese_page(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert_our_error_page(response, 400, "Yêu cầu không hợp lệ")


def test_it_answers_a_form_without_its_token_with_a_vietnamese_page(tree):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(reverse("login"), {"username": tree.head_commune.username, "password": "x"})
    assert_our_error_page(response, 403, "Biểu mẫu đã hết hiệu lực")


@pytest.mark.urls("tests.projectsite.error_urls")
def test_it_answers_a_bug_with_a_vietnamese_page_that_needs_no_database(db, django_assert_num_queries):
    client = Client(raise_request_exception=False)
    with django_assert_num_queries(0):
        response = client.get("/test-broken/")
    assert_our_error_page(response, 500, "Lỗi máy chủ", layout=False)

"""Main journeys in a real browser: each role logs in and lands on its page."""

import datetime

import pytest

from tests.browser.conftest import log_in
from tests.factories import Tree, make_assignment, make_document, make_task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = datetime.date(2023, 6, 20)


@pytest.fixture
def tree(settings):
    settings.APP_TODAY = TODAY
    tree = Tree()
    task = make_task(make_document("4505/UBND-KSTT"), title="Kích hoạt 100% tài khoản định danh điện tử")
    make_assignment(tree.commune, task, due_date=TODAY - datetime.timedelta(days=3))
    make_assignment(tree.commune2, task, due_date=TODAY + datetime.timedelta(days=2))
    return tree


def test_the_secretariat_sees_the_province_counts(page, tree):
    log_in(page, tree.secretariat.username)
    page.wait_for_url("**/tong-quan/")
    overdue = page.locator('[data-status="overdue"]')
    assert overdue.inner_text().splitlines() == ["Quá hạn chưa hoàn thành", "1"]
    assert page.locator('[data-status="due_soon"] .display-6').inner_text() == "1"
    assert "Tổng quan toàn tỉnh" in page.locator("nav").inner_text()


def test_a_commune_head_sees_its_overdue_task_first(page, tree):
    log_in(page, tree.head_commune.username)
    page.wait_for_url("**/don-vi/")
    first_row = page.locator("tbody tr").first
    assert "Kích hoạt 100% tài khoản định danh điện tử" in first_row.inner_text()
    assert "quá hạn 3 ngày" in first_row.inner_text()
    assert page.locator("tbody tr").count() == 1  # the other commune's assignment is not here


def test_a_wrong_password_keeps_the_user_on_the_login_page(page, tree):
    log_in(page, tree.head_commune.username, password="khong-dung")
    assert page.url.endswith("/login/")
    assert "mật khẩu chính xác" in page.locator(".alert-danger").inner_text()


def test_logging_out_returns_to_the_login_page(page, tree):
    log_in(page, tree.leader.username)
    page.wait_for_url("**/tong-quan/")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login/")
    page.goto("/tong-quan/")
    assert "/login/" in page.url


def test_the_unit_page_works_on_a_phone(phone, tree):
    log_in(phone, tree.head_commune.username)
    phone.wait_for_url("**/don-vi/")
    row = phone.locator("tbody tr").first
    assert row.is_visible()
    # No sideways scrolling on a 390 px screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

"""Search ignores accents and follows the access rule."""

import pytest
from django.urls import reverse

from tests.factories import Tree, make_assignment, make_document, make_task


@pytest.fixture
def data(tree):
    tree.document = make_document("4505/UBND-KSTT", title="Thực hiện Chỉ thị số 23-CT/TU về Đề án 06")
    tree.task = make_task(tree.document, title="Tuyên truyền trực quan tại Diễn Châu")
    make_assignment(tree.commune, tree.task)
    tree.foreign_task = make_task(tree.document, title="Tuyên truyền ở Kỳ Sơn")
    make_assignment(tree.other_commune, tree.foreign_task)
    return tree


def results(client, user, q):
    client.force_login(user)
    response = client.get(reverse("reports:search"), {"q": q})
    assert response.status_code == 200
    return response.context["results"]


def test_dien_chau_finds_dien_chau(client, data):
    found = results(client, data.secretariat, "dien chau")
    assert {u.name for u in found["units"]} == {"Huyện Diễn Châu", "Thị trấn Diễn Châu"}
    assert [t.title for t in found["tasks"]] == ["Tuyên truyền trực quan tại Diễn Châu"]


def test_documents_are_found_by_number_or_title(client, data):
    assert [d.number for d in results(client, data.leader, "chi thi so 23")["documents"]] == ["4505/UBND-KSTT"]
    assert [d.number for d in results(client, data.leader, "4505")["documents"]] == ["4505/UBND-KSTT"]


def test_a_commune_finds_only_what_it_may_read(client, data):
    found = results(client, data.head_commune, "tuyen truyen")
    assert [t.title for t in found["tasks"]] == ["Tuyên truyền trực quan tại Diễn Châu"]
    assert results(client, data.head_commune, "ky son")["units"] == []


def test_another_province_is_never_found(client, data):
    Tree(code="01", name="Thành phố Hà Nội")
    assert [u.code for u in results(client, data.secretariat, "nghe an")["units"]] == [data.province.code]
    assert results(client, data.secretariat, "ha noi")["units"] == []


def test_a_one_letter_search_returns_nothing(client, data):
    assert results(client, data.secretariat, "d") == {"units": [], "documents": [], "tasks": []}


def test_anonymous_users_are_sent_to_login(client, data):
    assert client.get(reverse("reports:search"), {"q": "dien"}).status_code == 302

"""Numbers in URLs have a bound (projectsite/bounds.py): a row id beyond it, or a query value that
is no number, answers 404 or 400, never a 500 (issue 12, item 1, the read side)."""

import pytest
from django.urls import Resolver404, resolve, reverse
from django.utils import translation

from projectsite.bounds import MAX_ID, BadQueryValue, bounded_int, parse_id
from tasks.models import Assignment
from tests.factories import make_assignment, make_document, make_task, make_user
from tests.security.urlconf import routes


def test_every_id_in_a_url_goes_through_the_bounded_converter():
    unbounded = [f"/{route.route}" for route in routes() if "<int:" in route.route]
    assert not unbounded, f"Use <id:...> (projectsite/bounds.py), not <int:...>, in {unbounded}"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("7", 7),
        (" 42 ", 42),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("²", None),
        ("١", None),
        ("-1", None),
        ("", None),
        ("1.0", None),
    ],
)
def test_parse_id_reads_an_id_on_the_converters_terms(text, expected):
    assert parse_id(text) == expected


@pytest.mark.parametrize("value", [str(MAX_ID + 1), str(10**30), "-1", "+1", "1.0", "²", "١٢٣"])
def test_an_id_beyond_the_bound_or_not_a_number_does_not_match_a_url(value):
    with pytest.raises(Resolver404):
        resolve(f"/nhiem-vu/{value}/")


def test_an_id_within_the_bound_matches():
    assert resolve(f"/nhiem-vu/{MAX_ID}/").kwargs == {"pk": MAX_ID}


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, 7), ("", 7), ("0", 0), ("42", 42), (" 42 ", 42), (str(MAX_ID), MAX_ID)]
)
def test_bounded_int_reads_a_number_within_its_bounds(raw, expected):
    assert bounded_int(raw, name="page", default=7) == expected


@pytest.mark.parametrize(
    "raw", ["-1", str(MAX_ID + 1), str(10**30), "9" * 5000, "abc", "²", "١٢٣", "1e3", "1.5", "--1"]
)
def test_bounded_int_refuses_anything_else_in_vietnamese(raw):
    with translation.override("vi"), pytest.raises(BadQueryValue) as refused:
        bounded_int(raw, name="page")
    assert str(refused.value) in ("“page” phải là một số nguyên.", f"“page” phải nằm trong khoảng từ 0 đến {MAX_ID}.")


@pytest.mark.parametrize("value", ["²", "99999999999999999999999", "-3", "abc"])
def test_an_odd_assignment_in_the_obstacle_form_link_preselects_nothing(client, tree, value):
    client.force_login(tree.head_commune)
    response = client.get(reverse("tasks:obstacles"), {"assignment": value})
    assert response.status_code == 200
    assert response.context["form"].initial.get("assignment") is None


@pytest.mark.parametrize("value", ["²", "١٢٣", "99999999999999999999999", "-2023"])
def test_an_odd_year_of_the_scorecard_is_404(client, tree, value):
    client.force_login(tree.secretariat)
    assert client.get(reverse("reports:scorecard"), {"year": value}).status_code == 404


@pytest.mark.parametrize(
    ("url", "query"),
    [("reports:search", {"q": "Diễn\x00 Kỷ"}), ("admin:units_unit_changelist", {"q": "dien\x00"})],
)
def test_a_nul_character_in_the_query_string_is_400(client, tree, url, query):
    tree.secretariat.is_superuser = tree.secretariat.is_staff = True
    tree.secretariat.save()
    client.force_login(tree.secretariat)
    assert client.get(reverse(url), query).status_code == 400


def test_an_empty_to_field_in_the_admin_means_the_primary_key(client, tree):
    client.force_login(make_user(None, username="root", is_superuser=True, is_staff=True))
    url = reverse("admin:units_unit_change", args=[tree.commune.pk])
    response = client.get(url, {"_to_field": ""})
    assert response.status_code == 200
    assert tree.commune.name in response.content.decode()


HUGE = 10**30


@pytest.mark.parametrize(
    "lookup",
    [
        {"unit": HUGE},
        {"unit_id": -HUGE},
        {"unit__in": [HUGE]},
        {"unit_id__in": [HUGE, -HUGE]},
        {"pk__in": [HUGE]},
        {"unit__gt": HUGE},
        {"unit__lte": -HUGE},
    ],
    ids=str,
)
def test_an_id_beyond_every_column_matches_nothing_instead_of_crashing(tree, lookup):
    make_assignment(tree.commune, make_task())
    assert list(Assignment.objects.filter(**lookup)) == []


def test_an_id_beyond_every_column_compared_the_other_way_matches_everything(tree):
    assignment = make_assignment(tree.commune, make_task())
    assert list(Assignment.objects.filter(unit__gt=-HUGE)) == [assignment]
    assert list(Assignment.objects.filter(unit__lt=HUGE, pk__in=[assignment.pk, HUGE])) == [assignment]


def test_assigning_a_task_to_a_district_id_beyond_every_column_is_refused(client, tree):
    task = make_task(make_document(province=tree.province))
    client.force_login(tree.secretariat)
    response = client.post(
        reverse("tasks:task_assign", args=[task.pk]),
        {"target": "communes_of", "districts": [str(HUGE)], "role": "lead", "due_date": "30/06/2023"},
    )
    assert response.status_code == 400
    assert str(HUGE) in " ".join(response.context["form"].errors["districts"])  # "... is not one of the choices"
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("value", ["²", "abc", str(HUGE)])
def test_an_admin_form_posted_with_an_odd_unit_id_is_refused_not_crashed(client, tree, value):
    client.force_login(make_user(None, username="root", is_superuser=True, is_staff=True))
    account = tree.head_commune
    response = client.post(reverse("admin:units_user_change", args=[account.pk]), {"unit": value})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["unit"]
    account.refresh_from_db()
    assert account.unit == tree.commune


def test_in_with_no_integer_matches_nothing(tree):
    assert list(Assignment.objects.filter(pk__in=["²", "abc"])) == []

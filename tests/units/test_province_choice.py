"""A superuser chooses the province a page shows (issue 15, item 2): with several provinces in force,
a province's page without ?province= is the picker, never "the first province"; with one, that one;
the chosen province is the one shown, changed and kept by the page's links and redirects."""

import datetime

import pytest
from django.urls import reverse

from reports.models import ScoreWeights
from tasks.models import Assignment, Document, ImportRecord
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_document, make_task, make_user
from units.models import Unit
from units.selectors import user_province

pytestmark = pytest.mark.django_db

# Every page about one province that a superuser opens from the menu or the planning pages.
PROVINCE_PAGES = [
    "reports:overview",
    "reports:lagging",
    "reports:assignments",
    "reports:work_queue",
    "reports:scorecard",
    "reports:notifications",
    "tasks:plan",
    "tasks:document_new",
    "tasks:import_start",
    "tasks:transition",
]


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def two():
    trees = {"40": Tree("40", "Tỉnh Nghệ An"), "42": Tree("42", "Tỉnh Hà Tĩnh")}
    for code, tree in trees.items():
        tree.plan = make_document(f"1{code}/KH-UBND", province=tree.province)
        tree.reported = make_assignment(
            tree.commune, make_task(tree.plan), due_date=TODAY + datetime.timedelta(days=5), work_status="reported"
        )
    return trees


@pytest.fixture
def root(client):
    user = make_user(None, username="root", is_superuser=True, is_staff=True)
    client.force_login(user)
    return user


def _shown(response) -> Unit | None:
    context = response.context
    return context.get("province") or context.get("area")


@pytest.mark.parametrize("name", PROVINCE_PAGES)
def test_without_a_choice_among_several_provinces_the_page_is_the_picker(client, two, root, name):
    response = client.get(reverse(name), {"status": "overdue"} if name == "reports:assignments" else {})

    assert response.status_code == 200
    assert [province.code for province, _url in response.context["choices"]] == ["40", "42"]
    assert response.templates[0].name == "units/province_picker.html"
    html = response.content.decode()
    assert f"{reverse(name)}?" in html and "province=42" in html
    if name == "reports:assignments":  # the page's own parameters are kept in the links
        assert "status=overdue&amp;province=42" in html


@pytest.mark.parametrize("name", [n for n in PROVINCE_PAGES if n != "tasks:document_new"])
def test_with_a_choice_the_page_shows_that_province(client, two, root, name):
    response = client.get(reverse(name), {"province": "42"})

    assert response.status_code == 200
    shown = _shown(response)
    if shown is not None:
        assert shown == two["42"].province
    html = response.content.decode()
    # The menu keeps the choice.
    assert f'href="{reverse("reports:work_queue")}?province=42"' in html


def test_the_chosen_provinces_lists_are_its_own(client, two, root):
    plan = client.get(reverse("tasks:plan"), {"province": "42"})
    queue = client.get(reverse("reports:work_queue"), {"province": "42"})
    search = client.get(reverse("reports:search"), {"q": "KH-UBND", "province": "42"})

    assert {d.pk for d in plan.context["documents"]} == {two["42"].plan.pk}
    assert [a.pk for a in queue.context["confirmations"]] == [two["42"].reported.pk]
    assert [d.pk for d in search.context["results"]["documents"]] == [two["42"].plan.pk]
    assert f'href="{reverse("reports:document", args=[two["42"].plan.pk])}?province=42"' in plan.content.decode()


def test_a_superusers_change_goes_to_the_chosen_province_and_the_redirect_keeps_it(client, two, root):
    data = {"number": "300/KH-UBND", "kind": "plan", "issued_on": "05/07/2023", "issuer": "UBND tỉnh Hà Tĩnh"}

    refused = client.post(reverse("tasks:document_new"), data)
    saved = client.post(f"{reverse('tasks:document_new')}?province=42", data)

    assert refused.status_code == 400  # the picker: which province? nothing saved
    assert "Hãy chọn tỉnh, thành phố trước: chưa có gì được lưu." in refused.content.decode()
    document = Document.objects.get(number="300/KH-UBND")
    assert document.province == two["42"].province
    assert saved.status_code == 302 and saved.url == f"{reverse('reports:document', args=[document.pk])}?province=42"
    weights = {"on_time": 60, "attainment": 20, "timeliness": 20}
    assert client.post(reverse("reports:scorecard_weights"), weights).status_code == 400
    assert not ScoreWeights.objects.exists()
    kept = client.post(f"{reverse('reports:scorecard_weights')}?year=2023&province=42", weights)
    assert kept.status_code == 302 and kept.url.endswith("province=42")
    assert ScoreWeights.objects.get().province == two["42"].province
    confirmed = client.post(
        f"{reverse('reports:queue_confirm', args=[two['42'].reported.pk])}?province=42", {"version": 1}
    )
    assert confirmed.status_code == 302 and confirmed.url == f"{reverse('reports:work_queue')}?province=42"
    assert Assignment.objects.get(pk=two["42"].reported.pk).work_status == "confirmed"


def test_an_upload_is_for_the_chosen_province(client, two, root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    header = "Số văn bản,Mục,Tên nhiệm vụ,Mã đơn vị,Vai trò,Hạn hoàn thành\n"
    content = header + f"142/KH-UBND,9,Rà soát,{two['42'].agency.code},Chủ trì,31/07/2023\n"
    response = client.post(
        f"{reverse('tasks:import_start')}?province=42",
        {"kind": "assignments", "file": SimpleUploadedFile("giao-viec.csv", content.encode())},
    )

    record = ImportRecord.objects.get()
    assert record.province == two["42"].province
    assert response.status_code == 302 and response.url.endswith("?province=42")
    preview = client.get(response.url)
    assert preview.context["preview"].errors == [] and len(preview.context["preview"].create) == 1
    listed = client.get(reverse("tasks:import_start"), {"province": "40"})
    assert list(listed.context["records"]) == []


def test_one_province_in_force_needs_no_choice(client, root):
    tree = Tree("40")
    make_document(province=tree.province)

    response = client.get(reverse("tasks:plan"))

    assert response.status_code == 200 and response.context["province"] == tree.province
    assert user_province(root) == tree.province


def test_the_picker_offers_the_provinces_in_force_on_the_pages_date(client, two, root):
    later = Tree("44", "Tỉnh Quảng Bình")
    Unit.objects.filter(province=later.province).update(valid_from=TODAY - datetime.timedelta(days=2))

    now = client.get(reverse("reports:overview"))
    then = client.get(
        reverse("reports:overview"), {"as_at": (TODAY - datetime.timedelta(days=10)).strftime("%d/%m/%Y")}
    )

    assert [p.code for p, _url in now.context["choices"]] == ["40", "42", "44"]
    assert [p.code for p, _url in then.context["choices"]] == ["40", "42"]
    assert "as_at=" in then.content.decode().split('data-testid="province-choices"')[1]


def test_only_superusers_and_national_accounts_choose(two):
    secretariat = two["40"].secretariat
    assert user_province(secretariat, "42") == two["40"].province
    root = make_user(None, username="root2", is_superuser=True)
    assert user_province(root) is None
    assert user_province(root, "42") == two["42"].province

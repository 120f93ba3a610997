"""The secretariat plans: documents, tasks, assignment in one step, targets."""

import datetime

import pytest
from django.urls import reverse

from tasks.models import MAX_FIGURE, Assignment, Document, HistoryEntry, Indicator, Target, Task
from tests.factories import Tree, make_assignment, make_document, make_task, make_unit, make_user
from units.models import Unit


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def secretariat(client, tree):
    client.force_login(tree.secretariat)
    return tree


def test_the_secretariat_adds_a_document_and_a_duplicate_number_is_refused(client, secretariat):
    data = {"number": "300/KH-UBND", "kind": "plan", "issued_on": "05/07/2023", "issuer": "UBND tỉnh Nghệ An"}
    response = client.post(reverse("tasks:document_new"), data)
    assert response.status_code == 302
    assert Document.objects.get(number="300/KH-UBND").issued_on == datetime.date(2023, 7, 5)
    again = client.post(reverse("tasks:document_new"), data)
    assert again.status_code == 400
    assert "đã tồn tại" in again.content.decode()
    assert Document.objects.filter(number="300/KH-UBND").count() == 1
    assert Document.objects.get(number="300/KH-UBND").province == secretariat.province  # the province's own


def test_a_new_task_leads_to_its_assignment(client, secretariat):
    document = make_document("249/KH-UBND", province=secretariat.province)
    response = client.post(
        reverse("tasks:task_new", args=[document.pk]),
        {"ref": "III.9", "title": "Rà soát thuê bao", "default_due_date": "31/07/2023"},
    )
    task = Task.objects.get(ref="III.9")
    assert response.status_code == 302 and response.url == reverse("tasks:task_assign", args=[task.pk])
    refused = client.post(
        reverse("tasks:task_new", args=[document.pk]),
        {"ref": "III.10", "title": "Định kỳ", "is_recurring": "on", "default_due_date": "31/07/2023"},
    )
    assert refused.status_code == 400 and not Task.objects.filter(ref="III.10").exists()


def assign(client, task, **data):
    return client.post(reverse("tasks:task_assign", args=[task.pk]), {"role": "lead", "due_date": "31/07/2023", **data})


def test_a_task_goes_to_every_commune_in_one_step_with_its_history(client, secretariat):
    task = make_task()
    response = assign(client, task, target="communes")
    assert response.status_code == 302
    units = set(Assignment.objects.filter(task=task).values_list("unit__code", flat=True))
    assert units == {secretariat.commune.code, secretariat.commune2.code, secretariat.other_commune.code}
    assert (
        HistoryEntry.objects.filter(assignment__task=task, action="created", user=secretariat.secretariat).count() == 3
    )


def test_a_task_goes_to_the_communes_of_chosen_districts_or_to_chosen_agencies(client, secretariat):
    task = make_task()
    assert assign(client, task, target="communes_of", districts=[secretariat.other_district.pk]).status_code == 302
    assert list(Assignment.objects.filter(task=task).values_list("unit", flat=True)) == [secretariat.other_commune.pk]
    other = make_task()
    assert assign(client, other, target="agencies", agencies=[secretariat.agency.pk]).status_code == 302
    assert list(Assignment.objects.filter(task=other).values_list("unit", flat=True)) == [secretariat.agency.pk]


def test_a_duplicate_assignment_is_refused_by_name_and_nothing_is_saved(client, secretariat):
    task = make_task()
    make_assignment(secretariat.commune2, task)
    response = assign(client, task, target="communes")
    assert response.status_code == 400
    assert "Thị trấn Diễn Châu" in response.content.decode()
    assert Assignment.objects.filter(task=task).count() == 1


def test_another_provinces_agency_cannot_be_chosen(client, secretariat):
    other = Tree(code="01", name="Thành phố Hà Nội")
    task = make_task()
    response = assign(client, task, target="agencies", agencies=[other.agency.pk])
    assert response.status_code == 400
    assert not Assignment.objects.filter(task=task).exists()


def test_a_one_off_task_needs_a_due_date_and_a_recurring_one_has_none(client, secretariat):
    assert assign(client, make_task(), target="districts", due_date="").status_code == 400
    recurring = make_task(is_recurring=True)
    assert assign(client, recurring, target="districts").status_code == 400
    assert assign(client, recurring, target="districts", due_date="").status_code == 302
    assert not Assignment.objects.filter(due_date__isnull=False).exists()


def test_in_the_two_level_structure_a_task_goes_to_the_communes_and_no_district_is_offered(client, tree):
    province = make_unit(code="48", name="Thành phố Đà Nẵng")
    commune = make_unit(parent=province, level=Unit.Level.COMMUNE, code="20194", name="Phường Hải Châu")
    client.force_login(make_user(province, "secretariat"))
    task = make_task()
    page = client.get(reverse("tasks:task_assign", args=[task.pk])).content.decode()
    assert "Tất cả cấp xã" in page and "Tất cả cấp huyện" not in page
    assert assign(client, task, target="districts").status_code == 400  # not offered, refused
    assert assign(client, task, target="communes").status_code == 302
    assert list(Assignment.objects.filter(task=task).values_list("unit", flat=True)) == [commune.pk]


@pytest.fixture
def indicator(secretariat):
    indicator = Indicator.objects.create(code="DDDT", name="Kích hoạt", unit_of_measure="tk")
    Target.objects.create(
        indicator=indicator,
        unit=secretariat.area,
        value=900,
        start_date=datetime.date(2023, 1, 1),
        due_date=datetime.date(2023, 6, 30),
    )
    Target.objects.create(
        indicator=indicator,
        unit=secretariat.commune,
        value=200,
        start_date=datetime.date(2023, 1, 1),
        due_date=datetime.date(2023, 6, 30),
    )
    Target.objects.create(
        indicator=indicator,
        unit=secretariat.commune2,
        value=100,
        start_date=datetime.date(2023, 1, 1),
        due_date=datetime.date(2023, 6, 30),
    )
    return indicator


def targets_url(indicator, unit):
    return reverse("tasks:targets_edit", args=[indicator.pk, unit.code])


def test_splitting_a_total_fills_the_values_in_proportion_without_saving(client, secretariat, indicator):
    c1, c2 = secretariat.commune, secretariat.commune2
    response = client.post(
        targets_url(indicator, secretariat.area),
        {
            "action": "split",
            "start_date": "01/01/2023",
            "due_date": "30/06/2023",
            "total": "900",
            f"unit_{c1.pk}": "200",
            f"unit_{c2.pk}": "100",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert (form[f"unit_{c1.pk}"].value(), form[f"unit_{c2.pk}"].value()) == ("600", "300")
    assert Target.objects.get(unit=c1).value == 200


def test_saving_targets_records_each_change(client, secretariat, indicator):
    c1, c2 = secretariat.commune, secretariat.commune2
    response = client.post(
        targets_url(indicator, secretariat.area),
        {
            "action": "save",
            "start_date": "01/01/2023",
            "due_date": "30/06/2023",
            f"unit_{c1.pk}": "1.200",
            f"unit_{c2.pk}": "100",
        },
    )
    assert response.status_code == 302
    assert Target.objects.get(unit=c1).value == 1200
    entry = HistoryEntry.objects.get(target__unit=c1)
    assert entry.changes == {"value": [200, 1200]} and entry.user == secretariat.secretariat
    assert not HistoryEntry.objects.filter(target__unit=c2).exists()  # unchanged


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("value", "-3"),
        ("value", "1,5"),
        ("due_date", "01/01/2022"),
        ("value", "1.000.000.000.001"),  # MAX_FIGURE + 1
        ("value", str(2**63 - 1)),  # the column's own limit: the province's sums would overflow
        ("value", "9" * 40),
    ],
)
def test_bad_targets_are_refused_and_nothing_is_saved(client, secretariat, indicator, field, value):
    c1 = secretariat.commune
    data = {"action": "save", "start_date": "01/01/2023", "due_date": "30/06/2023", f"unit_{c1.pk}": "500"}
    data[f"unit_{c1.pk}" if field == "value" else field] = value
    response = client.post(targets_url(indicator, secretariat.area), data)
    assert response.status_code == 400
    assert Target.objects.get(unit=c1).value == 200


@pytest.mark.parametrize("action", ["save", "split"])
def test_a_target_or_a_total_above_the_bound_is_refused_in_vietnamese(client, secretariat, indicator, action):
    c1, c2 = secretariat.commune, secretariat.commune2
    huge = str(MAX_FIGURE * 10)
    data = {"action": action, "start_date": "01/01/2023", "due_date": "30/06/2023", "total": huge}
    data.update({f"unit_{c1.pk}": huge if action == "save" else "200", f"unit_{c2.pk}": "100"})
    response = client.post(targets_url(indicator, secretariat.area), data)
    assert response.status_code == 400
    assert "Giá trị quá lớn: tối đa 1.000.000.000.000." in response.content.decode()
    assert Target.objects.get(unit=c1).value == 200


def test_a_target_at_the_bound_is_saved(client, secretariat, indicator):
    c1 = secretariat.commune
    data = {"action": "save", "start_date": "01/01/2023", "due_date": "30/06/2023", f"unit_{c1.pk}": str(MAX_FIGURE)}
    assert client.post(targets_url(indicator, secretariat.area), data).status_code == 302
    assert Target.objects.get(unit=c1).value == MAX_FIGURE


@pytest.mark.parametrize("key", [str(2**63), str(10**30), "-1", "1e3", "abc"])
def test_a_chosen_unit_no_column_can_hold_is_an_invalid_choice_not_a_server_error(client, secretariat, key):
    task = make_task()
    response = assign(client, task, target="agencies", agencies=[key])
    assert response.status_code == 400
    assert "Lựa chọn không hợp lệ" in response.content.decode()
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("who", ["leader", "head_district", "head_commune"])
def test_only_the_secretariat_plans(client, tree, who):
    client.force_login(getattr(tree, who))
    task = make_task()
    for url, data in [
        (reverse("tasks:document_new"), {"number": "1/X", "kind": "plan", "issued_on": "01/01/2023", "issuer": "x"}),
        (reverse("tasks:task_new", args=[task.document.pk]), {"ref": "9", "title": "x"}),
        (
            reverse("tasks:task_assign", args=[task.pk]),
            {"target": "communes", "role": "lead", "due_date": "31/07/2023"},
        ),
    ]:
        assert client.post(url, data).status_code == 403
    assert not Assignment.objects.exists() and not Document.objects.filter(number="1/X").exists()
    expected = 200 if who == "leader" else 403
    assert client.get(reverse("tasks:plan")).status_code == expected


def test_a_task_item_already_used_in_the_document_is_refused(client, secretariat):
    task = make_task(make_document(province=secretariat.province), ref="II.1")
    response = client.post(reverse("tasks:task_new", args=[task.document.pk]), {"ref": "II.1", "title": "Trùng mục"})
    assert response.status_code == 400
    assert "đã có nhiệm vụ" in response.content.decode()
    assert Task.objects.filter(document=task.document).count() == 1


def test_a_province_changes_its_own_documents_only(client, secretariat):
    """Another province's document is not there for it (404); a national one is read, not changed (403)."""
    other = Tree("41")
    theirs = make_document("12/KH-UBND", province=other.province)
    national = make_document("06/QĐ-TTg")
    data = {"number": "06/QĐ-TTg", "kind": "decision", "issued_on": "06/01/2022", "issuer": "Khác"}
    assert client.get(reverse("tasks:document_edit", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("reports:document", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("tasks:task_new", args=[theirs.pk]), {"ref": "1", "title": "x"}).status_code == 404
    assert client.get(reverse("reports:document", args=[national.pk])).status_code == 200
    assert client.post(reverse("tasks:document_edit", args=[national.pk]), data).status_code == 403
    assert client.post(reverse("tasks:task_new", args=[national.pk]), {"ref": "1", "title": "x"}).status_code == 403
    assert Document.objects.get(pk=national.pk).issuer == "UBND tỉnh Nghệ An" and not Task.objects.exists()
    page = client.get(reverse("tasks:plan")).content.decode()
    assert "06/QĐ-TTg" in page and "12/KH-UBND" not in page
    found = client.get(reverse("reports:search"), {"q": "KH-UBND"}).context
    assert theirs not in found["results"]["documents"]


def test_the_list_filters_offer_only_the_provinces_documents(client, secretariat):
    other = Tree("41")
    make_document("12/KH-UBND", province=other.province)
    make_document("78/KH-UBND", province=secretariat.province)
    for name in ("reports:lagging", "reports:assignments"):
        choices = {str(d) for d in client.get(reverse(name)).context["form"].fields["document"].queryset}
        assert "78/KH-UBND" in choices and "12/KH-UBND" not in choices, name

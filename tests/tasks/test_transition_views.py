"""The secretariat's page for a structure transition: preview, resolving on the page, apply."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tasks.models import Assignment
from tests.factories import Tree, make_assignment
from units.models import StructureTransition, Unit

URL = "/ke-hoach/sap-xep-don-vi/"
UNITS = "code,name,level,kind,parent_code\n40111,Phường Thành Vinh,commune,ward,\n"
MAPPING = "old_code,new_code,share\n4011,40111,full\n"


def form(**fields):
    data = {
        "effective_on": "01/07/2025",
        "basis": "1674/NQ-UBTVQH15",
        "accounts": "follow",
        "units_text": UNITS,
        "mapping_text": MAPPING,
        "extra_mapping": "",
        "closures_text": "",
        "end": "",
        "action": "preview",
    }
    data.update(fields)
    return data


@pytest.fixture
def work(tree, settings):
    settings.APP_TODAY = datetime.date(2025, 7, 2)
    make_assignment(tree.commune, due_date=datetime.date(2025, 9, 1))
    return make_assignment(tree.commune2, due_date=datetime.date(2025, 9, 1))


def test_the_preview_lists_the_unresolved_first_and_the_page_resolves_them(tree, work, client):
    client.force_login(tree.secretariat)
    assert client.get(URL).status_code == 200
    # Thị trấn Diễn Châu (4012) is left out of the mapping while its district ends.
    response = client.post(URL, form(end="401"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Thị trấn Diễn Châu (4012)" in page and 'name="resolve_map_4012"' in page
    assert 'value="apply"' not in page  # no Apply while anything is unresolved
    # Apply anyway (a crafted POST): refused, nothing changed.
    refused = client.post(URL, form(end="401", action="apply"))
    assert refused.status_code == 400 and not StructureTransition.objects.exists()
    # Mapped on the page: the preview is clean, and Apply applies.
    response = client.post(URL, form(end="401", resolve_map_4012="40111"))
    assert 'value="apply"' in response.content.decode()
    done = client.post(URL, form(end="401", resolve_map_4012="40111", action="apply"))
    assert done.status_code == 200
    assert "Đã áp dụng sắp xếp đơn vị" in done.content.decode()
    new = Unit.objects.get(code="40111")
    assert Assignment.objects.filter(unit=new).count() == 2
    transition = StructureTransition.objects.get()
    assert transition.applied_by == tree.secretariat
    assert transition.summary["assignments_carried"] == 2


def test_closing_on_the_page(tree, work, client):
    client.force_login(tree.secretariat)
    response = client.post(URL, form(end="401", resolve_close_4012="Giải thể", action="apply"))
    assert response.status_code == 200, response.content.decode()[:2000]
    work.refresh_from_db()
    assert work.end_reason == "Giải thể"


def test_uploaded_files_are_checked(tree, work, client):
    client.force_login(tree.secretariat)
    bad = SimpleUploadedFile("mapping.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post(URL, {**form(mapping_text=""), "mapping_file": bad})
    assert response.status_code == 400 and "Tải lên tệp .csv" in response.content.decode()
    latin = SimpleUploadedFile("mapping.csv", "old_code,new_code,share\nĐ,B,full\n".encode("cp1258"))
    response = client.post(URL, {**form(mapping_text=""), "mapping_file": latin})
    assert response.status_code == 400
    good = SimpleUploadedFile("mapping.csv", MAPPING.encode())
    response = client.post(URL, {**form(mapping_text=""), "mapping_file": good, "end": "401"})
    assert response.status_code == 200 and "4011,40111,full" in response.content.decode()


def test_a_bad_row_is_named_with_its_line(tree, work, client):
    client.force_login(tree.secretariat)
    response = client.post(URL, form(mapping_text="old_code,new_code,share\n4011,40111,half\n"))
    assert response.status_code == 400 and "dòng 2" in response.content.decode()


def test_a_unit_head_is_refused_and_another_province_changes_nothing_here(tree, work, client):
    client.force_login(tree.head_commune)
    assert client.get(URL).status_code == 403
    assert client.post(URL, form(action="apply")).status_code == 403
    other = Tree("41")
    client.force_login(other.secretariat)
    # The page works on the secretariat's own province: province 40's codes are not in force in 41.
    response = client.post(URL, form(end="401", resolve_map_4012="40111", action="apply"))
    assert response.status_code == 400
    assert not StructureTransition.objects.exists()
    assert Unit.objects.get(code="4011", province=tree.province).is_active


def test_the_secretariat_menu_links_the_page(tree, client):
    client.force_login(tree.secretariat)
    assert URL in client.get("/ke-hoach/").content.decode()
    client.force_login(tree.head_commune)
    assert URL not in client.get("/don-vi/").content.decode()


def test_a_transition_after_today_is_previewed_but_apply_is_refused(tree, work, client, settings):
    settings.APP_TODAY = datetime.date(2025, 6, 15)
    client.force_login(tree.secretariat)
    preview = client.post(URL, form(end="401", resolve_map_4012="40111"))
    assert preview.status_code == 200 and "Thị trấn Diễn Châu (4012)" in preview.content.decode()
    refused = client.post(URL, form(end="401", resolve_map_4012="40111", action="apply"))
    assert refused.status_code == 400
    assert "Chỉ áp dụng được từ ngày hiệu lực 01/07/2025" in refused.content.decode()
    assert not StructureTransition.objects.exists() and not Unit.objects.filter(code="40111").exists()
    assert Unit.objects.get(code="4011").is_active


def test_a_mistyped_code_corrected_in_its_field_replaces_the_first_one(tree, work, client):
    """The field keeps what was typed, next to the reason; the corrected code replaces the
    mistyped one instead of leaving the unit with two successors, one unknown."""
    client.force_login(tree.secretariat)
    typo = client.post(URL, form(end="401", resolve_map_4012="4011l"))
    page = typo.content.decode()
    assert typo.status_code == 200 and 'value="apply"' not in page
    assert "Đơn vị kế thừa 4011l không phải đơn vị mới" in page
    assert 'name="resolve_map_4012" value="4011l"' in page
    # The next post carries the page's own rows (in the text box) and the corrected field.
    carried = "old_code,new_code,share,fraction_ppm\n4012,4011l,full,\n"
    assert "4012,4011l,full," in page
    fixed = client.post(URL, form(end="401", extra_mapping=carried, resolve_map_4012="40111"))
    page = fixed.content.decode()
    assert fixed.status_code == 200 and 'value="apply"' in page, page[:3000]
    assert "4011l" not in page
    resolved = "old_code,new_code,share,fraction_ppm\n4012,40111,full,\n"
    assert resolved.strip() in page.replace("\r\n", "\n")
    done = client.post(URL, form(end="401", extra_mapping=resolved, action="apply"))
    assert done.status_code == 200
    assert Assignment.objects.filter(unit__code="40111").count() == 2


def test_a_closure_typed_twice_on_the_page_is_one_closure(tree, work, client):
    client.force_login(tree.secretariat)
    closures = "code,reason\n4012,Giải thể\n"
    response = client.post(URL, form(end="401", closures_text=closures, resolve_close_4012="Giải thể theo NQ"))
    page = response.content.decode()
    assert response.status_code == 200 and 'value="apply"' in page
    assert "4012,Giải thể theo NQ" in page and "4012,Giải thể\n" not in page

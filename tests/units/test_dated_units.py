"""Units between two dates: validity, codes reused over time, ancestry at any depth."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404

from tests.factories import make_unit
from units.loaders import UnitRow
from units.models import Unit
from units.selectors import unit_by_code
from units.services import unit_tree_load

pytestmark = pytest.mark.django_db

REFORM = datetime.date(2025, 7, 1)


def test_a_commune_directly_under_the_province_is_its_own_area_not_the_province():
    province = make_unit(code="40", name="Tỉnh Nghệ An")
    commune = make_unit(parent=province, level=Unit.Level.COMMUNE, code="16681", name="Phường Thành Vinh")
    agency = make_unit(parent=province, level=Unit.Level.AGENCY, code="SKHCN", name="Sở Khoa học và Công nghệ")
    commune.refresh_from_db()
    agency.refresh_from_db()
    assert commune.province_id == province.pk
    assert commune.area_id == commune.pk  # formerly: the province, as if it were a district
    assert agency.area_id is None
    assert commune.path == f"/{province.pk}/{commune.pk}/"


def test_the_path_answers_every_unit_under_a_unit_at_any_depth():
    province = make_unit(code="40")
    district = make_unit(parent=province, code="412")
    commune = make_unit(parent=district, code="16663")
    village = make_unit(parent=commune, level=Unit.Level.COMMUNE, code="16663-1")  # a fourth level
    other = make_unit(parent=province, code="413")
    assert set(Unit.objects.under(district)) == {district, commune, village}
    assert set(Unit.objects.under(province)) == {province, district, commune, village, other}
    village.refresh_from_db()
    assert village.area_id == district.pk


def test_a_code_is_unique_among_units_in_force_but_may_name_another_unit_later():
    province = make_unit(code="40")
    old = make_unit(parent=province, level=Unit.Level.COMMUNE, code="16681", name="Phường Quang Trung")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_unit(parent=province, level=Unit.Level.COMMUNE, code="16681", name="Phường Thành Vinh")
    old.is_active, old.valid_to = False, REFORM
    old.save()
    new = make_unit(
        parent=province, level=Unit.Level.COMMUNE, code="16681", name="Phường Thành Vinh", valid_from=REFORM
    )
    assert Unit.objects.filter(code="16681").count() == 2
    assert list(Unit.objects.valid_on(datetime.date(2023, 6, 20)).filter(code="16681")) == [old]
    assert list(Unit.objects.valid_on(REFORM).filter(code="16681")) == [new]
    assert not old.valid_on(REFORM) and old.valid_on(REFORM - datetime.timedelta(days=1))


def test_a_code_in_a_url_names_the_unit_valid_on_the_pages_date_or_the_latest_that_had_it():
    province = make_unit(code="40")
    old = make_unit(parent=province, level=Unit.Level.COMMUNE, code="16681", name="Phường Quang Trung")
    old.is_active, old.valid_to = False, REFORM
    old.save()
    new = make_unit(parent=province, level=Unit.Level.COMMUNE, code="16681", valid_from=REFORM)
    ended = make_unit(parent=province, level=Unit.Level.COMMUNE, code="16663", name="Phường Đông Vĩnh")
    ended.is_active, ended.valid_to = False, REFORM
    ended.save()
    units = Unit.objects.all()
    assert unit_by_code(units, "16681", on=datetime.date(2023, 6, 20)) == old
    assert unit_by_code(units, "16681", on=datetime.date(2026, 1, 1)) == new
    assert unit_by_code(units, "16663", on=datetime.date(2026, 1, 1)) == ended  # an old link still opens
    with pytest.raises(Http404):
        unit_by_code(units, "99999")


def test_an_ended_unit_has_an_end_date_and_a_unit_cannot_end_before_it_starts():
    province = make_unit(code="40")
    unit = make_unit(parent=province, code="412", valid_from=REFORM)
    unit.is_active = False
    unit.save()
    unit.refresh_from_db()
    assert unit.valid_to is not None  # deactivated without a date: ends on the app's today
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(pk=unit.pk).update(valid_to=datetime.date(2025, 1, 1))


def test_the_bulk_loader_builds_paths_and_areas_and_starts_units_on_a_date():
    created = unit_tree_load(
        rows=[
            UnitRow("40", "Tỉnh Nghệ An", Unit.Level.PROVINCE, Unit.Kind.PROVINCE, None),
            UnitRow("16681", "Phường Thành Vinh", Unit.Level.COMMUNE, Unit.Kind.WARD, "40"),
            UnitRow("SKHCN", "Sở Khoa học và Công nghệ", Unit.Level.AGENCY, Unit.Kind.DEPARTMENT, "40"),
        ],
        valid_from=REFORM,
    )
    assert created == 3
    province = Unit.objects.get(code="40")
    commune = Unit.objects.get(code="16681")
    assert (province.province_id, province.path, province.valid_from) == (province.pk, f"/{province.pk}/", REFORM)
    assert (commune.area_id, commune.path) == (commune.pk, f"/{province.pk}/{commune.pk}/")
    assert Unit.objects.get(code="SKHCN").area_id is None


def test_two_provinces_may_each_have_an_agency_with_the_same_short_code():
    rows = [
        UnitRow("40", "Tỉnh Nghệ An", Unit.Level.PROVINCE, Unit.Kind.PROVINCE, None),
        UnitRow("CAT", "Công an tỉnh", Unit.Level.AGENCY, Unit.Kind.STANDING_BODY, "40"),
        UnitRow("42", "Tỉnh Hà Tĩnh", Unit.Level.PROVINCE, Unit.Kind.PROVINCE, None),
        UnitRow("CAT", "Công an tỉnh", Unit.Level.AGENCY, Unit.Kind.STANDING_BODY, "42"),
    ]
    assert unit_tree_load(rows=rows) == 4
    assert sorted(Unit.objects.filter(code="CAT").values_list("province__code", flat=True)) == ["40", "42"]
    assert unit_tree_load(rows=rows) == 0  # loaded again: nothing new
    more = [UnitRow("STTTT", "Sở Thông tin và Truyền thông", Unit.Level.AGENCY, Unit.Kind.DEPARTMENT, "42")]
    assert unit_tree_load(rows=more) == 1
    assert Unit.objects.get(code="STTTT").province.code == "42"

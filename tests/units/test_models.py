import pytest
from django.db import IntegrityError, transaction

from tests.factories import make_unit, make_user
from units.models import Unit, User
from units.text import search_key


def test_it_strips_vietnamese_accents_for_search():
    assert search_key("Huyện  Diễn Châu") == "huyen dien chau"
    assert search_key("Đô Lương") == "do luong"
    assert search_key("Thị xã Thái Hoà") == search_key("Thi xa Thai Hoa")


def test_it_links_every_unit_to_its_province_and_district(tree):
    assert tree.province.province_id == tree.province.pk
    assert tree.agency.province_id == tree.province.pk and tree.agency.area_id is None
    assert tree.area.area_id == tree.area.pk
    assert tree.commune.area_id == tree.area.pk
    assert tree.commune.province_id == tree.province.pk
    assert Unit.objects.get(pk=tree.commune.pk).search_key == "xa dien ky"


def test_it_refuses_a_second_active_head_for_a_unit(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_user(tree.commune, User.Role.UNIT_HEAD)
    # A former head, deactivated, does not block the new one.
    tree.head_commune.is_active = False
    tree.head_commune.save()
    assert make_user(tree.commune, User.Role.UNIT_HEAD).is_active


def test_it_refuses_a_province_with_a_parent_and_a_district_without_one(db):
    root = make_unit(code="40")
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(code="41", name="Tỉnh lạ", level=Unit.Level.PROVINCE, kind="province", parent=root)
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.bulk_create([Unit(code="999", name="Huyện mồ côi", level=Unit.Level.DISTRICT, kind="city")])


def test_contact_emails_are_split_and_checked(db):
    unit = make_unit(contact_emails="a@example.org; b@example.org,")
    assert unit.emails == ["a@example.org", "b@example.org"]
    unit.contact_emails = "khong-phai-email"
    with pytest.raises(Exception, match="email"):
        unit.full_clean()

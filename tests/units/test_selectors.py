"""The one access rule: who reads and who writes which unit's objects."""

import pytest
from django.contrib.auth.models import AnonymousUser

from tasks.models import Assignment
from tests.factories import Tree, make_assignment, make_user
from units.models import Unit
from units.selectors import can_write_for_unit, scoped, unit_search, user_province, visible_units


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


def test_the_secretariat_and_leaders_see_their_whole_province_only(tree):
    other = Tree(code="01", name="Thành phố Hà Nội")
    everything_here = codes(Unit.objects.filter(province=tree.province))
    assert codes(visible_units(tree.secretariat)) == everything_here
    assert codes(visible_units(tree.leader)) == everything_here
    assert other.province.code not in codes(visible_units(tree.secretariat))


def test_a_district_head_reads_its_communes_and_nothing_else(tree):
    expected = sorted([tree.area.code, tree.commune.code, tree.commune2.code])
    assert codes(visible_units(tree.head_district)) == expected
    assert codes(visible_units(tree.staff_district)) == expected


def test_a_commune_or_agency_head_sees_only_its_own_unit(tree):
    assert codes(visible_units(tree.head_commune)) == [tree.commune.code]
    assert codes(visible_units(tree.head_agency)) == [tree.agency.code]


@pytest.mark.parametrize("who", ["anonymous", "inactive", "no_role"])
def test_accounts_without_a_valid_role_see_nothing(tree, who):
    user = {
        "anonymous": AnonymousUser(),
        "inactive": make_user(tree.commune2, is_active=False),
        "no_role": make_user(None),
    }[who]
    assert not visible_units(user).exists()


def test_scoped_assignments_follow_the_same_rule(tree):
    mine = make_assignment(tree.commune)
    sibling = make_assignment(tree.commune2)
    foreign = make_assignment(tree.other_commune)
    queryset = Assignment.objects.all()
    assert set(scoped(queryset, tree.head_commune)) == {mine}
    assert set(scoped(queryset, tree.head_district)) == {mine, sibling}
    assert set(scoped(queryset, tree.secretariat)) == {mine, sibling, foreign}
    assert set(scoped(queryset, tree.head_other_district)) == {foreign}


def test_only_the_unit_itself_and_the_secretariat_write(tree):
    assert can_write_for_unit(tree.head_commune, tree.commune)
    assert not can_write_for_unit(tree.head_commune, tree.commune2)
    assert not can_write_for_unit(tree.head_district, tree.commune)  # reads, does not write
    assert can_write_for_unit(tree.secretariat, tree.other_commune)
    assert not can_write_for_unit(tree.leader, tree.commune)  # leaders read only
    other = Tree(code="01", name="Thành phố Hà Nội")
    assert not can_write_for_unit(tree.secretariat, other.commune)


def test_unit_search_ignores_accents_and_case(tree):
    units = Unit.objects.all()
    assert codes(unit_search(units, "dien chau")) == sorted([tree.area.code, tree.commune2.code])
    assert codes(unit_search(units, "DIỄN KỶ")) == [tree.commune.code]
    assert codes(unit_search(units, tree.other_commune.code)) == [tree.other_commune.code]


def test_user_province_is_the_root_of_the_users_unit(tree):
    assert user_province(tree.head_commune) == tree.province
    assert user_province(make_user(None)) is None

"""Who may do what with units and accounts: the predicates the whole project's policy is made of,
and the permissions of the ``units`` app, registered with django-rules.

Asked the Django way, ``user.has_perm("units.read_unit", unit)``, by views (through the
decorators of units/permissions.py), services, templates (``{% load rules %}``) and the admin.
tasks/rules.py and reports/rules.py build their permissions from the predicates below; the table
of every permission is in docs/ARCHITECTURE.md §4.

A superuser is no exception to the policy: ``units.models.User.has_perm`` lets these rules decide
for superusers too (Django alone would grant them everything), and the predicates grant a superuser
every action except those only a unit takes for itself (its figures, extension requests, obstacles).
"""

import rules

from .models import Unit, User
from .selectors import user_carried_province_ids


def unit_of(obj) -> Unit | None:
    """The unit an object belongs to: a unit itself, or the ``unit`` of an assignment, target, ..."""
    if obj is None or isinstance(obj, Unit):
        return obj
    if hasattr(obj, "unit"):
        return obj.unit
    if hasattr(obj, "assignment"):  # an evidence file, an extension request
        return obj.assignment.unit
    return None


def province_of(obj) -> int | None:
    """The pk of the province an object is in (a unit, or anything with a unit or a province)."""
    unit = unit_of(obj)
    if unit is not None:
        return unit.province_id
    province = getattr(obj, "province_id", None)
    return province


@rules.predicate
def is_account(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


is_superuser = is_account & rules.is_superuser


@rules.predicate
def has_role(user) -> bool:
    """A role and the unit it acts for (the database insists on the unit; a stale session may not)."""
    return bool(user.role and user.unit_id)


@rules.predicate
def is_secretariat(user) -> bool:
    return user.is_secretariat


@rules.predicate
def is_national_role(user) -> bool:
    return user.is_national


@rules.predicate
def sees_whole_province(user) -> bool:
    return user.sees_whole_province


@rules.predicate
def is_unit_member(user) -> bool:
    return user.is_unit_member


@rules.predicate
def is_unit_head(user) -> bool:
    return user.role == User.Role.UNIT_HEAD


@rules.predicate
def is_district_head(user) -> bool:
    return user.role == User.Role.UNIT_HEAD and user.unit.level == Unit.Level.DISTRICT


@rules.predicate
def heads_or_staffs_a_district(user) -> bool:
    return user.is_unit_member and user.unit.level == Unit.Level.DISTRICT


@rules.predicate
def in_users_province(user, obj) -> bool:
    """The object is in the province of the user's unit (superusers are handled apart)."""
    return obj is not None and province_of(obj) == user.unit.province_id


@rules.predicate
def carried_by_users_province(user, obj) -> bool:
    """A document or an indicator (an object of a province, not of a unit) of a province absorbed
    into the user's (units.selectors.carried_province_ids): its successor's secretariat works on
    it. Asked only when the object is not the province's own, so an ordinary page asks nothing."""
    if obj is None or unit_of(obj) is not None or getattr(obj, "province_id", None) is None:
        return False
    return obj.province_id != user.unit.province_id and obj.province_id in user_carried_province_ids(user)


@rules.predicate
def of_users_unit(user, obj) -> bool:
    unit = unit_of(obj)
    return unit is not None and unit.pk == user.unit_id


@rules.predicate
def of_users_unit_or_child(user, obj) -> bool:
    unit = unit_of(obj)
    return unit is not None and user.unit_id in (unit.pk, unit.parent_id)


# The roles ------------------------------------------------------------------------------------
secretariat = is_account & has_role & is_secretariat
province_viewer = is_account & has_role & sees_whole_province
unit_member = is_account & has_role & is_unit_member
# The national level (Bộ Công an, Tổ công tác): no unit; reads every province, writes nothing.
national = is_account & is_national_role
# The scope (units.selectors.unit_scope_q says the same as a query; tests/units check they agree).
reads_unit = is_superuser | national | (province_viewer & in_users_province) | (unit_member & of_users_unit_or_child)
writes_for_unit = is_superuser | (secretariat & in_users_province) | (unit_member & of_users_unit)


@rules.predicate
def without_object(user, obj) -> bool:
    """Asked without an object (a page's link or button): may the user take the action at all?"""
    return obj is None


# The secretariat of the object's province: confirms, sends back, plans, scores, hands over.
# Asked without an object, any secretariat (the object is checked again where it is known).
secretariat_of = is_superuser | (secretariat & (without_object | in_users_province))
# The unit itself: reports, asks for more time, raises an obstacle.
member_of = unit_member & of_users_unit

rules.add_perm("units.read_unit", reads_unit)
rules.add_perm("units.write_for_unit", writes_for_unit)
rules.add_perm("units.hand_over_unit", secretariat_of)
# A unit's details, its deactivation and its accounts (the admin: units.services.unit_save, account_save).
rules.add_perm("units.manage_unit", secretariat_of)
# Pages without an object: who opens them.
rules.add_perm("units.open_own_unit", unit_member)
rules.add_perm("units.view_province_pages", is_superuser | national | province_viewer)
# The national dashboard (every province's counts, ranking, lagging provinces) and its export.
rules.add_perm("units.view_national_pages", is_superuser | national)
# The overview and lagging list of an area: a province viewer their province, a district's head
# and staff their district (units.selectors.user_area says which).
rules.add_perm(
    "units.view_area_pages", is_superuser | national | province_viewer | (unit_member & heads_or_staffs_a_district)
)
# The audit trail ("Nhật ký thay đổi"): the province viewers (their province), national accounts
# (every province, read only), superusers, and a unit's head (their unit and the units under it, the
# read scope: units.selectors.unit_scope_q); a unit's staff do not read who changed what.
rules.add_perm("units.view_audit_trail", is_superuser | national | province_viewer | (unit_member & is_unit_head))

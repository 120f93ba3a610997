"""Reads of units, and the one access rule every unit-scoped query goes through.

The rule:
- a superuser and a national account (Bộ Công an, Tổ công tác) see every unit;
- the secretariat and leaders see every unit of their own province;
- a unit head or staff member sees their own unit and the units directly under it
  (a district sees its communes), and nothing else;
- an account without a role or unit sees nothing.

Only the secretariat (any unit of its province) and members of the unit itself may change a
unit's objects; a district reads its communes but does not write for them.
"""

import datetime

from django.db.models import F, Q, QuerySet
from django.http import Http404

from projectsite import clock

from .models import Unit, UnitSuccession, User, valid_on_q
from .text import search_key


def unit_scope_q(user: User, *, field: str = "") -> Q:
    """The filter that keeps what ``user`` may read, for objects whose unit is at ``field``.

    ``field`` is the lookup path from the queried model to its unit ("unit" for an
    assignment, "" for units themselves).
    """
    prefix = f"{field}__" if field else ""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser or user.is_national:
        return Q()
    if not user.role or user.unit_id is None:
        return Q(pk__in=[])
    if user.sees_whole_province:
        return Q(**{f"{prefix}province_id": user.unit.province_id})
    own = f"{field}_id" if field else "pk"
    return Q(**{own: user.unit_id}) | Q(**{f"{prefix}parent_id": user.unit_id})


def scoped(queryset: QuerySet, user: User, *, field: str = "unit") -> QuerySet:
    """``queryset`` restricted to what ``user`` may read. Views never filter by unit by hand."""
    return queryset.filter(unit_scope_q(user, field=field))


def visible_units(user: User) -> QuerySet[Unit]:
    return Unit.objects.filter(unit_scope_q(user))


def visible_unit(*, user: User, code: str, on: datetime.date | None = None, queryset=None) -> Unit:
    """One unit ``user`` may read, by code, or 404.

    A code names different units at different times (16681 was Phường Quang Trung, and since
    01/07/2025 is Phường Thành Vinh): the unit is the one valid on ``on`` (default today); a code
    that names no unit then gives the latest unit that had it (an ended unit's page stays
    reachable from old links and mails).
    """
    return unit_by_code(visible_units(user) if queryset is None else queryset, code, on=on)


def unit_by_code(queryset: QuerySet[Unit], code: str, *, on: datetime.date | None = None) -> Unit:
    """The unit of ``queryset`` with ``code`` valid on ``on`` (default today), else the latest one
    that had the code, else 404."""
    candidates = queryset.filter(code=code)
    unit = candidates.filter(valid_on_q(on or clock.today())).order_by("pk").first()
    if unit is None:
        unit = candidates.order_by(F("valid_to").desc(nulls_first=True), "-pk").first()
    if unit is None:
        raise Http404
    return unit


def unit_successions(unit: Unit) -> tuple[list[UnitSuccession], list[UnitSuccession]]:
    """What ``unit`` came from and what it went to (``UnitSuccession``, with the units and the
    transition): (predecessors, successors), by code. One query."""
    rows = UnitSuccession.objects.filter(Q(successor=unit) | Q(predecessor=unit)).select_related(
        "predecessor", "successor", "transition"
    )
    rows = list(rows)
    origins = [s for s in rows if s.successor_id == unit.pk]
    successors = [s for s in rows if s.predecessor_id == unit.pk]
    return (
        sorted(origins, key=lambda s: (s.predecessor.code, s.pk)),
        sorted(successors, key=lambda s: (s.successor.code, s.pk)),
    )


def can_write_for_unit(user: User, unit: Unit) -> bool:
    """May ``user`` change objects that belong to ``unit``?"""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if user.is_national:  # reads every province, writes for none
        return False
    if user.is_secretariat:
        return user.unit is not None and unit.province_id == user.unit.province_id
    return user.is_unit_member and unit.pk == user.unit_id


def unit_search(queryset: QuerySet[Unit], text: str) -> QuerySet[Unit]:
    """Match names ignoring accents and case ("dien chau" finds "Diễn Châu"), or the code."""
    text = text.strip()
    if not text:
        return queryset
    return queryset.filter(Q(search_key__contains=search_key(text)) | Q(code__iexact=text))


class ProvinceNotChosen(Exception):
    """A superuser or a national account opened a province's page without ``?province=`` while
    several provinces are in force: the page shows the picker (``units.choosing``) instead of
    choosing one silently."""


def provinces_in_force(day: datetime.date | None = None) -> QuerySet[Unit]:
    """The provinces valid on ``day`` (default today), by code: what the province picker offers."""
    return Unit.objects.valid_on(day or clock.today()).filter(level=Unit.Level.PROVINCE).order_by("code")


def user_province_or_404(user: User, code: str | None = None, *, on: datetime.date | None = None) -> Unit:
    """``user_province``, or: the picker when a superuser or national account has not chosen among
    several provinces (``ProvinceNotChosen``), 404 for everyone else without a province."""
    province = user_province(user, code, on=on)
    if province is None:
        if chooses_province(user):
            raise ProvinceNotChosen
        raise Http404
    return province


def chooses_province(user: User) -> bool:
    """Does ``user`` choose the province its pages show (``?province=<code>``)? A superuser and a
    national account; everyone else works in the province of their unit."""
    return user.is_authenticated and user.is_active and (user.is_superuser or user.is_national) and not user.unit_id


def user_province(user: User, code: str | None = None, *, on: datetime.date | None = None) -> Unit | None:
    """The province a user works in. A superuser without a unit and a national account choose one
    by ``code`` (``?province=``: the province with that code valid on ``on``, default today; 404
    for a code that names no province). Without a code they get the province in force when there
    is only one (a one-province server needs no choice), and None when there are several: no page
    picks "the first province" for them (``user_province_or_404`` shows the picker)."""
    if user.unit_id:
        return Unit.objects.get(pk=user.unit.province_id)
    if chooses_province(user):
        provinces = Unit.objects.filter(level=Unit.Level.PROVINCE)
        if code:
            if len(code) > 20:
                raise Http404
            return unit_by_code(provinces, code, on=on)
        in_force = list(provinces_in_force(on)[:2])
        return in_force[0] if len(in_force) == 1 else None
    return None


def carried_province_ids(province: Unit | int | None, *, on: datetime.date | None = None) -> list[int]:
    """The provinces whose documents, tasks and indicators ``province`` carries on ``on`` (default
    today): itself, and the provinces absorbed into it by a transition effective by then (the
    absorbed root ends with a full ``UnitSuccession`` to the continuing root,
    tasks.national_transition), and those absorbed into them. Their rows keep their own province
    (history; their numbers may be the same as the successor's own); the successor's secretariat
    reads and works on them. As at a date before the merger, only the province itself. One query."""
    if province is None:
        return []
    own = province if isinstance(province, int) else province.pk
    links = UnitSuccession.objects.filter(
        predecessor__level=Unit.Level.PROVINCE,
        successor__level=Unit.Level.PROVINCE,
        effective_on__lte=on or clock.today(),
    ).values_list("predecessor_id", "successor_id")
    into: dict[int, list[int]] = {}
    for predecessor, successor in links:
        into.setdefault(successor, []).append(predecessor)
    found, frontier = [own], [own]
    while frontier:
        frontier = [p for pk in frontier for p in into.get(pk, []) if p not in found]
        found.extend(frontier)
    return found


def user_carried_province_ids(user: User) -> list[int]:
    """``carried_province_ids`` of the province of ``user``'s unit today, kept on the user object for
    the request (the policy asks it for every document row of a page); [] without a unit."""
    if not user.unit_id:
        return []
    key = (user.unit.province_id, clock.today())
    cached = getattr(user, "_carried_province_ids", None)
    if cached is None or cached[0] != key:
        cached = (key, carried_province_ids(user.unit.province_id))
        user._carried_province_ids = cached
    return cached[1]


def user_area(user: User, code: str | None = None, *, on: datetime.date | None = None) -> Unit | None:
    """The part of the tree whose overview pages ``user`` reads (units.permissions.oversees_area):
    the province for the secretariat, leaders, superusers and national accounts (who choose it by
    ``code``, see ``user_province``), the district for its head and staff (the district and its
    communes); None for everyone else."""
    if user.is_superuser or user.sees_whole_province or user.is_national:
        return user_province(user, code, on=on)
    if user.is_unit_member and user.unit_id and user.unit.level == Unit.Level.DISTRICT:
        return user.unit
    return None


def user_area_or_404(user: User, code: str | None = None, *, on: datetime.date | None = None) -> Unit:
    """``user_area``, or the picker (``ProvinceNotChosen``) or 404, as ``user_province_or_404``."""
    area = user_area(user, code, on=on)
    if area is None:
        if chooses_province(user):
            raise ProvinceNotChosen
        raise Http404
    return area

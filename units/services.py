"""Writes of units and accounts."""

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .loaders import UnitRow
from .models import Unit, User
from .text import search_key


@transaction.atomic
def unit_tree_load(*, rows: Iterable[UnitRow]) -> int:
    """Create the units of ``rows`` that do not exist yet (by code); return how many.

    Rows come parents first (the root, then agencies and districts, then communes). Existing
    units are left as they are: a renamed or merged unit is changed by people, not by a reload.
    """
    rows = list(rows)
    existing = dict(Unit.objects.filter(code__in=[row.code for row in rows]).values_list("code", "pk"))
    created = 0
    # One insert per level, so every parent has its key before its children are built.
    for level in sorted({row.level for row in rows}):
        new_rows = [row for row in rows if row.level == level and row.code not in existing]
        if not new_rows:
            continue
        parents = {
            unit.code: unit
            for unit in Unit.objects.filter(code__in={row.parent_code for row in new_rows if row.parent_code})
        }
        units = []
        for row in new_rows:
            unit = Unit(
                code=row.code,
                name=row.name,
                level=row.level,
                kind=row.kind,
                parent=parents.get(row.parent_code) if row.parent_code else None,
                search_key=search_key(row.name),
            )
            if unit.parent is not None:
                unit.set_tree_links()
            units.append(unit)
        Unit.objects.bulk_create(units, batch_size=500)
        created += len(units)
        existing.update({unit.code: unit.pk for unit in units})
    # Links to oneself are only known after the insert.
    Unit.objects.filter(level=Unit.Level.PROVINCE, province__isnull=True).update(province=F("pk"))
    Unit.objects.filter(level=Unit.Level.DISTRICT, district__isnull=True).update(district=F("pk"))
    return created


@transaction.atomic
def accounts_ensure(*, accounts: Iterable[User], password_hash: str) -> list[User]:
    """Create the accounts whose username is not taken yet; return the created ones.

    Every new account gets ``password_hash`` (hashed once by the caller: hashing is
    deliberately slow, and a province has hundreds of accounts).
    """
    accounts = list(accounts)
    taken = set(User.objects.filter(username__in=[a.username for a in accounts]).values_list("username", flat=True))
    new = [account for account in accounts if account.username not in taken]
    for account in new:
        account.password = password_hash
    User.objects.bulk_create(new, batch_size=500)
    return new


SECRETARIAT_GROUP = "Thường trực Đề án 06"
SECRETARIAT_APPS = ["units", "tasks", "reports", "django_celery_beat"]


# Unlocking an account locked after failed logins is deleting its attempts (django-axes).
SECRETARIAT_UNLOCK_PERMISSIONS = ["view_accessattempt", "delete_accessattempt"]


@transaction.atomic
def secretariat_group_ensure(*, users: Iterable[User] = ()) -> Group:
    """The admin group of the secretariat: every permission of the programme's apps, and unlocking
    accounts."""
    group, _created = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
    group.permissions.set(
        Permission.objects.filter(
            Q(content_type__app_label__in=SECRETARIAT_APPS)
            | Q(content_type__app_label="axes", codename__in=SECRETARIAT_UNLOCK_PERMISSIONS)
        )
    )
    for user in users:
        user.groups.add(group)
    return group


def sessions_clear_expired() -> int:
    """Delete expired login sessions; return how many."""
    deleted, _details = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted

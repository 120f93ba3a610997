"""Writes of units and accounts."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator, validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from . import signals
from .loaders import UnitRow
from .models import StructureTransition, Unit, UnitHandover, UnitSuccession, User
from .text import search_key
from .trail import audit_entries_save, audit_entry_build, audit_record, changes_between, created_changes, field_values


@transaction.atomic
def unit_tree_load(*, rows: Iterable[UnitRow], valid_from: datetime.date | None = None) -> int:
    """Create the units of ``rows`` that are not in force yet (by code, in their province);
    return how many.

    Rows come parents first (the root, then agencies and districts, then communes); a parent is
    the unit in force with ``parent_code``, or one created by the same rows. New units are valid
    from ``valid_from`` (None: since before the product's records). Existing units are left as
    they are: a renamed or merged unit is changed by a transition (``tasks.transitions``), not
    by a reload.
    """
    rows = list(rows)
    # Agency codes are a province's own (two provinces may both have "CAT"), administrative
    # codes national: a row is keyed by (its province's code, its code). A row's province is
    # found by walking the administrative rows' parents up to a root, or to a unit in force.
    roots = {row.code for row in rows if row.parent_code is None}
    admin_parent = {row.code: row.parent_code for row in rows if row.level != Unit.Level.AGENCY}
    codes = {row.code for row in rows} | {row.parent_code for row in rows if row.parent_code}
    in_force = Unit.objects.filter(is_active=True, code__in=codes).select_related("province")
    in_force_province = {unit.code: unit.province.code for unit in in_force if unit.level != Unit.Level.AGENCY}

    def province_of(code: str, parent_code: str | None) -> str:
        while parent_code is not None and parent_code not in roots:
            if parent_code in admin_parent:
                parent_code = admin_parent[parent_code]
            else:
                return in_force_province.get(parent_code, parent_code)
        return code if parent_code is None else parent_code

    existing: dict[tuple[str, str], Unit] = {}
    for unit in in_force:
        existing.setdefault((unit.province.code, unit.code), unit)
    created: list[Unit] = []
    # One insert per level, so every parent has its key before its children are built.
    for level in sorted({row.level for row in rows}):
        units = []
        for row in rows:
            province = province_of(row.code, row.parent_code)
            if row.level != level or (province, row.code) in existing:
                continue
            unit = Unit(
                code=row.code,
                name=row.name,
                level=row.level,
                kind=row.kind,
                parent=existing.get((province, row.parent_code)) if row.parent_code else None,
                search_key=search_key(row.name),
                valid_from=valid_from,
            )
            if row.parent_code and unit.parent is None:
                raise ValueError(f"unit {row.code}: parent {row.parent_code} is not in force")
            units.append((province, unit))
        units_created = Unit.objects.bulk_create([unit for _province, unit in units], batch_size=500)
        tree_links_fill(units_created)
        existing.update({(province, unit.code): unit for province, unit in units})
        created.extend(units_created)
    return len(created)


# Structure transitions (tasks.transitions applies them; units' writes stay here) ------------


def units_end(*, units: Iterable[Unit], on: datetime.date) -> int:
    """End ``units`` on ``on`` (the first day they no longer exist), in one update; return how many."""
    return Unit.objects.filter(pk__in=[unit.pk for unit in units]).update(valid_to=on, is_active=False)


def units_start(
    *, province: Unit, rows: Iterable[UnitRow], valid_from: datetime.date, parents: dict[str, Unit]
) -> dict[str, Unit]:
    """Create every unit of ``rows`` in ``province``, valid from ``valid_from``; return them by code.

    Unlike ``unit_tree_load`` a row's code may be one an ending unit had (the caller ends that
    unit first: codes are unique among the units in force). A parent is a unit of the same rows
    or one of ``parents`` (by code: units in force that do not end). One insert per level.
    """
    rows = list(rows)
    known = dict(parents)
    created: dict[str, Unit] = {}
    for level in sorted({row.level for row in rows}):
        units = []
        for row in rows:
            if row.level != level:
                continue
            parent = created.get(row.parent_code) or known.get(row.parent_code) or province
            units.append(
                Unit(
                    code=row.code,
                    name=row.name,
                    level=row.level,
                    kind=row.kind,
                    parent=parent,
                    province_id=province.pk,
                    search_key=search_key(row.name),
                    valid_from=valid_from,
                )
            )
        units = Unit.objects.bulk_create(units, batch_size=500)
        tree_links_fill(units)
        created.update({unit.code: unit for unit in units})
    return created


def province_rename(*, province: Unit, name: str) -> None:
    """The province continues as the same root under a new name from a transition (15 Yên Bái is
    Lào Cai from 01/07/2025): the name is updated in place; the former one stays in the
    transition's summary (docs/DECISIONS.md, "Province mergers")."""
    Unit.objects.filter(pk=province.pk).update(name=name, search_key=search_key(name))
    province.name = name


def successions_record(
    *, transition: StructureTransition, links: Iterable[tuple[Unit, Unit, str, int, bool]]
) -> list[UnitSuccession]:
    """Record ``(predecessor, successor, share, fraction_ppm, illustrative)`` links of ``transition``."""
    return UnitSuccession.objects.bulk_create(
        [
            UnitSuccession(
                predecessor=old,
                successor=new,
                share=share,
                fraction_ppm=fraction,
                effective_on=transition.effective_on,
                transition=transition,
                illustrative=illustrative or transition.illustrative,
            )
            for old, new, share, fraction, illustrative in links
        ],
        batch_size=500,
    )


@dataclass(frozen=True)
class AccountMove:
    """An account of an ending unit goes to ``unit`` with ``role``."""

    account_id: int
    unit: Unit
    role: str


def accounts_transfer(
    *, moves: Iterable[AccountMove], deactivate: Iterable[int], by: User | None, note: str = ""
) -> dict[str, int]:
    """Move accounts of ending units to their successors and deactivate the others, in bulk.

    The caller gives each successor at most one head (the database allows one active head per
    unit); a head who arrives is recorded as a handover of the successor when ``by`` is known,
    like ``unit_handover`` does. Deactivated accounts are logged out everywhere.
    """
    moves = list(moves)
    deactivate = list(deactivate)
    before = {
        account.pk: account
        for account in User.objects.filter(pk__in=[m.account_id for m in moves] + deactivate).select_related("unit")
    }
    User.objects.bulk_update(
        [User(pk=move.account_id, unit_id=move.unit.pk, role=move.role) for move in moves],
        ["unit", "role"],
        batch_size=500,
    )
    if deactivate:
        User.objects.filter(pk__in=deactivate).update(is_active=False)
        sessions_end(users=list(User.objects.filter(pk__in=deactivate)))
    if by is not None:
        heads = [move for move in moves if move.role == User.Role.UNIT_HEAD]
        UnitHandover.objects.bulk_create(
            [
                UnitHandover(unit=move.unit, old_head=None, new_head_id=move.account_id, by=by, note=note)
                for move in heads
            ]
        )
    # One trail entry per account, so that "who moved my account" has an answer on its unit's trail.
    entries = []
    for move in moves:
        account = before[move.account_id]
        changes = changes_between({"unit": account.unit, "role": account.role}, {"unit": move.unit, "role": move.role})
        entries.append(
            audit_entry_build(user=by, obj=account, action="moved", unit=move.unit, changes=changes, note=note)
        )
    for pk in deactivate:
        account = before[pk]
        entries.append(
            audit_entry_build(
                user=by,
                obj=account,
                action="deactivated",
                unit=account.unit_id,
                changes={"is_active": [True, False]},
                note=note,
            )
        )
    # The transition's own line in the audit log tells of them (as of the assignments it carries).
    audit_entries_save(entries, log=False)
    return {"moved": len(moves), "deactivated": len(deactivate)}


def tree_links_fill(units: list[Unit]) -> None:
    """Write ``province``, ``area`` and ``path`` of units just inserted in bulk (their parents'
    links are already right), in batched updates."""
    for unit in units:
        unit.set_tree_links()
    Unit.objects.bulk_update(units, ["province", "area", "path"], batch_size=500)


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


@transaction.atomic
def secretariat_appoint(*, account: User, standing_body: Unit) -> User:
    """Make ``account`` the secretariat in ``standing_body`` with access to the admin (``seed_reference
    --secretariat``, run by whoever installs the server: the trail records it as the system's)."""
    fields = ["role", "unit", "is_staff"]
    before = field_values(account, fields)
    account.role, account.unit, account.is_staff = User.Role.SECRETARIAT, standing_body, True
    account.save(update_fields=fields)
    changes = changes_between(before, field_values(account, fields))
    if changes:
        audit_record(user=None, obj=account, action="updated", unit=standing_body, changes=changes)
    return account


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


def sessions_end(*, users: Iterable[User]) -> int:
    """Log ``users`` out everywhere at once: delete their sessions; return how many.

    Sessions are not indexed by user, so the live ones are decoded one by one; this runs only
    when an account is taken away from someone (a handover), which is rare.
    """
    ids = {str(user.pk) for user in users}
    if not ids:
        return 0
    live = Session.objects.filter(expire_date__gte=timezone.now())
    doomed = [session.pk for session in live.iterator() if session.get_decoded().get(SESSION_KEY) in ids]
    deleted, _details = Session.objects.filter(pk__in=doomed).delete()
    return deleted


# The admin's saves of units and accounts --------------------------------------------------


# What the trail records of a unit and of an account (never a password: only that one was set).
UNIT_FIELDS = [
    "code",
    "name",
    "level",
    "kind",
    "parent",
    "contact_emails",
    "phone",
    "is_active",
    "valid_from",
    "valid_to",
]
ACCOUNT_FIELDS = [
    "username",
    "first_name",
    "last_name",
    "email",
    "role",
    "unit",
    "job_title",
    "phone",
    "is_active",
    "is_staff",
    "is_superuser",
    "wants_digest",
    "must_change_password",
]


def _stored(model, pk, fields: list[str]) -> dict:
    """The values of ``fields`` of the row as stored, before a form's change is saved; {} for a new one."""
    if pk is None:
        return {}
    related = [name for name in fields if model._meta.get_field(name).many_to_one]
    return field_values(model.objects.select_related(*related).get(pk=pk), fields)


def _saved_action(before: dict, changes: dict) -> str:
    if not before:
        return "created"
    if changes.get("is_active") == [True, False]:
        return "deactivated"
    return "updated"


@transaction.atomic
def unit_save(*, unit: Unit, user: User) -> Unit:
    """Save a unit's details as the admin's form left them. Only the secretariat of the unit's
    province (``units.manage_unit``); a unit deactivated without a date is deactivated today."""
    before = _stored(Unit, unit.pk, UNIT_FIELDS)
    was_active = Unit.objects.filter(pk=unit.pk).values_list("is_active", flat=True).first() if unit.pk else None
    unit.save()
    unit.refresh_from_db(fields=["province", "area"])  # the tree links are known only now
    if not user.has_perm("units.manage_unit", unit):
        raise PermissionDenied  # rolls the save back
    after = field_values(unit, UNIT_FIELDS)
    changes = changes_between(before, after) if before else created_changes(after)
    if changes:
        audit_record(user=user, obj=unit, action=_saved_action(before, changes), unit=unit, changes=changes)
    if was_active is not None and was_active != unit.is_active:
        signals.unit_activity_changed.send(sender=Unit, unit=unit)  # its work counts only while it is active
    return unit


@transaction.atomic
def account_save(*, account: User, user: User) -> User:
    """Save an account as the admin's form left it. Only the secretariat of the account's unit's
    province (``units.manage_unit``), a superuser for an account of no unit; a deactivated
    account is logged out everywhere (its sessions would come back to life if it were
    reactivated)."""
    allowed = user.is_superuser or (account.unit is not None and user.has_perm("units.manage_unit", account.unit))
    if not allowed:
        raise PermissionDenied
    before = _stored(User, account.pk, ACCOUNT_FIELDS)
    account.save()
    if not account.is_active:
        sessions_end(users=[account])
    after = field_values(account, ACCOUNT_FIELDS)
    changes = changes_between(before, after) if before else created_changes(after)
    if changes:
        audit_record(
            user=user, obj=account, action=_saved_action(before, changes), unit=account.unit_id, changes=changes
        )
    return account


@transaction.atomic
def account_access_record(*, account: User, user: User, before: dict[str, list[str]]) -> None:
    """Record a change of an account's permission groups or single permissions, which the admin
    saves after the account itself; ``before`` holds their names as they were."""
    after = {
        "groups": sorted(account.groups.values_list("name", flat=True)),
        "user_permissions": sorted(account.user_permissions.values_list("codename", flat=True)),
    }
    changes = changes_between(before, after)
    if changes:
        audit_record(user=user, obj=account, action="groups_changed", unit=account.unit_id, changes=changes)


@transaction.atomic
def account_password_reset(*, account: User, user: User) -> None:
    """Record that ``user`` set ``account``'s password in the admin (its form has set it; the
    password itself is never recorded)."""
    if not (user.is_superuser or (account.unit is not None and user.has_perm("units.manage_unit", account.unit))):
        raise PermissionDenied
    audit_record(user=user, obj=account, action="password_set", unit=account.unit_id)


# Handing a unit over to its new head -------------------------------------------------------

HEAD_ALREADY = _("This account is already the head of the unit.")
OTHER_UNIT = _("This account belongs to another unit; only a staff member of this unit can become its head.")
NOT_STAFF = _("Only a staff member of the unit can become its head.")
ACCOUNT_INACTIVE = _("This account is deactivated.")
USERNAME_TAKEN = _("This username is taken; choose another.")
USERNAME_INVALID = _("Letters, digits and the characters @ . + - _ only, without spaces.")
EMAIL_INVALID = _("Enter a valid email address, e.g. vanthu@nghean.gov.vn.")
UNIT_INACTIVE = _("This unit is no longer active; it cannot be handed over.")
REQUIRED = _("This field is required.")

# No look-alikes (0/O, 1/l/I): the secretariat reads the password out or writes it down.
TEMPORARY_PASSWORD_CHARS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def temporary_password() -> str:
    """Twelve random characters in three groups (about 69 bits), e.g. ``k7Pq-Xm4a-Tz9R``."""
    return "-".join(get_random_string(4, TEMPORARY_PASSWORD_CHARS) for _group in range(3))


@dataclass(frozen=True)
class NewHeadData:
    """An account to create for the new head; ``password`` is temporary, changed at first login."""

    username: str
    full_name: str
    email: str
    password: str


@transaction.atomic
def unit_handover(
    *,
    unit: Unit,
    by: User,
    new_head: User | None = None,
    new_head_data: NewHeadData | None = None,
    note: str = "",
) -> User:
    """Make a staff member of ``unit`` (``new_head``) or a new account its head; return the head.

    The former head's account is deactivated and logged out at once. It is kept, never
    deleted, so what it did stays attributed to it; reminders and digests follow the active
    head. A refusal is a ``ValidationError`` keyed by what was wrong ("new_head", "username",
    "full_name", "email"; none for the unit itself) and nothing is changed.
    """
    if (new_head is None) == (new_head_data is None):
        raise ValueError("unit_handover needs exactly one of new_head and new_head_data")
    # Locking the unit makes two handovers of the same unit wait for each other.
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if not by.has_perm("units.hand_over_unit", unit):
        raise PermissionDenied
    if not unit.is_active:
        raise ValidationError(UNIT_INACTIVE, code="unit_inactive")
    old_heads = list(User.objects.select_for_update().filter(unit=unit, role=User.Role.UNIT_HEAD, is_active=True))
    if new_head is not None:
        new_head = User.objects.select_for_update().get(pk=new_head.pk)
        _check_promotion(new_head, unit)
        new_head.role = User.Role.UNIT_HEAD
    else:
        new_head = _head_account_build(new_head_data, unit)

    User.objects.filter(pk__in=[head.pk for head in old_heads]).update(is_active=False)
    ended = sessions_end(users=old_heads)
    # Saved after the deactivation: the database allows one active head per unit.
    if new_head_data is None:
        new_head.save(update_fields=["role"])
    else:
        new_head.save()
    handover = UnitHandover.objects.create(
        unit=unit,
        old_head=old_heads[0] if old_heads else None,
        new_head=new_head,
        account_created=new_head_data is not None,
        by=by,
        note=note.strip(),
    )
    old_names = ",".join(head.username for head in old_heads) or None
    audit_record(
        user=by,
        obj=handover,
        action="handed_over",
        unit=unit,
        changes={"head": [old_names, new_head.username], "account_created": [None, new_head_data is not None]},
        note=handover.note,
        log_action="unit.handed_over",
        log_fields={
            "old_head": old_names,
            "new_head": new_head.username,
            "account": "created" if new_head_data is not None else "promoted",
            "sessions_ended": ended,
        },
    )
    return new_head


def _check_promotion(user: User, unit: Unit) -> None:
    if user.unit_id != unit.pk:
        raise ValidationError({"new_head": ValidationError(OTHER_UNIT, code="other_unit")})
    if not user.is_active:
        raise ValidationError({"new_head": ValidationError(ACCOUNT_INACTIVE, code="inactive")})
    if user.role == User.Role.UNIT_HEAD:
        raise ValidationError({"new_head": ValidationError(HEAD_ALREADY, code="already_head")})
    if user.role != User.Role.UNIT_STAFF:
        raise ValidationError({"new_head": ValidationError(NOT_STAFF, code="not_staff")})


def _head_account_build(data: NewHeadData, unit: Unit) -> User:
    """The new head's account, unsaved, or a ``ValidationError`` naming every wrong field."""
    username, full_name, email = data.username.strip(), " ".join(data.full_name.split()), data.email.strip()
    errors: dict[str, ValidationError] = {}
    username_field = User._meta.get_field("username")
    if not username:
        errors["username"] = ValidationError(REQUIRED, code="required")
    elif len(username) > username_field.max_length:
        errors["username"] = ValidationError(USERNAME_INVALID, code="invalid")
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            errors["username"] = ValidationError(USERNAME_INVALID, code="invalid")
        else:
            if User.objects.filter(username__iexact=username).exists():
                errors["username"] = ValidationError(USERNAME_TAKEN, code="taken")
    if not full_name:
        errors["full_name"] = ValidationError(REQUIRED, code="required")
    else:
        try:
            MaxLengthValidator(User._meta.get_field("first_name").max_length)(full_name)
        except ValidationError as error:
            errors["full_name"] = error
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ValidationError(EMAIL_INVALID, code="invalid")
    if errors:
        raise ValidationError(errors)
    account = User(
        username=username,
        first_name=full_name,
        email=email,
        role=User.Role.UNIT_HEAD,
        unit=unit,
        must_change_password=True,
    )
    account.set_password(data.password)
    return account


@transaction.atomic
def account_preferences_set(*, user: User, wants_digest: bool) -> None:
    """The user's own settings (the weekly digest on or off), recorded when they change."""
    changes = changes_between({"wants_digest": user.wants_digest}, {"wants_digest": wants_digest})
    if not changes:
        return
    user.wants_digest = wants_digest
    user.save(update_fields=["wants_digest"])
    audit_record(user=user, obj=user, action="updated", unit=user.unit_id, changes=changes)


@transaction.atomic
def account_password_set(*, user: User, password: str) -> None:
    """The user chose their own password: a temporary one no longer needs changing."""
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(user=user, obj=user, action="password_changed", unit=user.unit_id)

import rules
from django.contrib.auth.models import AbstractUser, UserManager, _user_has_perm
from django.core.validators import MaxValueValidator, MinValueValidator, validate_email
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from projectsite import clock

from .text import search_key


def validate_email_list(value: str) -> None:
    for address in split_emails(value):
        validate_email(address)


def split_emails(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


class UnitQuerySet(models.QuerySet):
    def valid_on(self, day) -> "UnitQuerySet":
        """The units that existed on ``day`` (the structure as at that date)."""
        return self.filter(valid_on_q(day))

    def under(self, unit: "Unit") -> "UnitQuerySet":
        """``unit`` and every unit below it, at any depth (one indexed prefix match on ``path``)."""
        return self.filter(path__startswith=unit.path)


def valid_on_q(day, prefix: str = "") -> Q:
    """The filter of units valid on ``day``, for units at ``prefix`` ("unit__" from an assignment).

    A unit is valid from ``valid_from`` (empty: since before the product's records) up to the day
    before ``valid_to`` (empty: still in force): a transition effective 01/07/2025 ends the old
    unit with ``valid_to`` 01/07/2025 and starts the new one with ``valid_from`` 01/07/2025.
    """
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": day})
    )


class Unit(models.Model):
    """An agency or an administrative unit with duties in the programme, as it stood between two
    dates.

    A province is the root of its own tree. In the 2023 structure agencies and districts hang
    under it and communes under their district; since 01/07/2025 agencies and communes hang
    directly under it. Depth is not fixed: ``path`` (the keys from the root down) answers "every
    unit under X" at any depth, and ``area`` is the local-government unit directly under the
    province that a unit belongs to (its district in 2023, the commune itself in 2025).

    A unit is never changed into another: a merge, a split, a rename or a move to another parent
    ends the unit (``valid_to``) and starts its successors (``UnitSuccession``), so what a unit
    reported stays that unit's, under its name. A code names different units at different times
    (16681 was Phường Quang Trung, and since 01/07/2025 is Phường Thành Vinh): a unit is known by
    (code, validity), never by its code alone.
    """

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Province")
        AGENCY = 2, _("Provincial agency")
        DISTRICT = 3, _("District")
        COMMUNE = 4, _("Commune")

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        CENTRAL_CITY = "central_city", _("Centrally-run city")
        STANDING_BODY = "standing_body", _("Standing body")
        DEPARTMENT = "department", _("Department or agency")
        CENTRAL_BRANCH = "central_branch", _("Central branch")
        ENTERPRISE = "enterprise", _("Enterprise")
        CITY = "city", _("Provincial city")
        TOWN = "town", _("District-level town")
        RURAL_DISTRICT = "rural_district", _("Rural district")
        URBAN_DISTRICT = "urban_district", _("Urban district")
        WARD = "ward", _("Ward")
        COMMUNE = "commune", _("Commune")
        TOWNSHIP = "township", _("Township")
        SPECIAL_ZONE = "special_zone", _("Special zone")

    code = models.CharField(
        _("code"),
        max_length=20,
        help_text=_(
            "Official administrative code for provinces, districts and communes; a short code for agencies. "
            "Unique among the units of a province in force at the same time."
        ),
    )
    name = models.CharField(_("name"), max_length=200)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent unit")
    )
    # Denormalised for scoping and roll-ups without recursive queries, kept by ``save`` and the
    # services (``set_tree_links``, ``set_path``): the province (root) a unit belongs to (the root
    # points to itself); its area, the district or commune directly under the province that it
    # is or belongs to (none for the province and agencies); and the path of keys from the root,
    # "/<root>/…/<self>/".
    province = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("province"), editable=False
    )
    area = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("area"), editable=False
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    valid_from = models.DateField(
        _("valid from"), null=True, blank=True, help_text=_("Empty: since before the product's records.")
    )
    # ``is_active`` is "in force today": False exactly when ``valid_to`` is set (a transition or
    # the secretariat ended the unit on or before today).
    is_active = models.BooleanField(_("active"), default=True)
    valid_to = models.DateField(
        _("ended on"), null=True, blank=True, help_text=_("The first day the unit no longer exists.")
    )
    contact_emails = models.CharField(
        _("contact emails"),
        max_length=500,
        blank=True,
        validators=[validate_email_list],
        help_text=_("Separated by commas. Reminders go to the head and to these addresses."),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    search_key = models.CharField(max_length=200, db_index=True, editable=False)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["level", "code"]
        indexes = [
            models.Index(fields=["province", "level"], name="unit_province_level"),
            models.Index(fields=["area"], name="unit_area"),
            models.Index(fields=["code"], name="unit_code"),
        ]
        constraints = [
            # Overlapping validities of one code are refused by the services
            # (``units.services.code_clashes``); the database keeps the two cases it can express.
            models.UniqueConstraint(
                fields=["province", "code"],
                condition=Q(valid_to__isnull=True),
                name="unit_code_unique_in_force",
                violation_error_message=_("A unit in force in this province already has this code."),
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(level=1, valid_to__isnull=True),
                name="province_code_unique_in_force",
                violation_error_message=_("A province in force already has this code."),
            ),
            models.UniqueConstraint(
                fields=["province", "code", "valid_from"],
                name="unit_code_valid_from_unique",
                violation_error_message=_("A unit of this province with this code already starts on this date."),
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="unit_validity_ordered",
                violation_error_message=_("A unit ends after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(is_active=True, valid_to__isnull=True) | Q(is_active=False, valid_to__isnull=False),
                name="unit_active_until_ended",
                violation_error_message=_("A unit is active exactly until it ends."),
            ),
            models.CheckConstraint(
                condition=Q(level=1, parent__isnull=True) | (~Q(level=1) & Q(parent__isnull=False)),
                name="unit_root_has_no_parent",
                violation_error_message=_("A province has no parent; every other unit has one."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_key = search_key(self.name)
        self.end_if_inactive()
        self.set_tree_links()
        super().save(*args, **kwargs)
        # A root is its own province, an area its own area, and every path ends with the unit's
        # own key, so that one filter (province=..., area=..., path__startswith=...) covers a
        # subtree; for a new unit the key is known only now.
        links = self.tree_links()
        self.set_tree_links()
        changed = {name: value for name, value in self.tree_links().items() if links[name] != value}
        if changed:
            type(self).objects.filter(pk=self.pk).update(**changed)

    def clean(self):
        self.end_if_inactive()

    def end_if_inactive(self) -> None:
        """Deactivated without a date: the unit ends today; reactivated: it has no end."""
        if not self.is_active and self.valid_to is None:
            self.valid_to = clock.today()
        elif self.is_active and self.valid_to is not None and self.valid_to <= clock.today():
            self.valid_to = None

    def is_area_level(self) -> bool:
        """A district or a commune: the local-government units an area table groups by."""
        return self.level in (self.Level.DISTRICT, self.Level.COMMUNE)

    def tree_links(self) -> dict:
        return {"province_id": self.province_id, "area_id": self.area_id, "path": self.path}

    def set_tree_links(self) -> None:
        """Fill ``province``, ``area`` and ``path`` from the loaded parent (no I/O). Before the
        unit has a key, the parts that name it are left empty (``save`` and the bulk loaders
        fill them after the insert)."""
        own = f"{self.pk}/" if self.pk else ""
        if self.parent_id is None:
            self.province_id = self.pk
            self.area_id = None
            self.path = f"/{own}" if own else ""
            return
        parent = self.parent
        self.province_id = parent.pk if parent.parent_id is None else parent.province_id
        if parent.parent_id is None:
            self.area_id = self.pk if self.is_area_level() else None
        else:
            self.area_id = parent.area_id
        self.path = f"{parent.path}{own}" if own else ""

    def valid_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day < self.valid_to)

    @property
    def emails(self) -> list[str]:
        return split_emails(self.contact_emails)


class User(AbstractUser):
    """An account: its role and the unit it acts for."""

    class Role(models.TextChoices):
        SECRETARIAT = "secretariat", _("Secretariat")
        LEADER = "leader", _("Leader")
        UNIT_HEAD = "unit_head", _("Unit head")
        UNIT_STAFF = "unit_staff", _("Unit staff")
        # The Ministry of Public Security (C06) and the Government's working group: every province,
        # read only; no unit (docs/DECISIONS.md "The national role").
        NATIONAL = "national", _("National level (Ministry of Public Security, working group)")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("unit"))
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    wants_digest = models.BooleanField(
        _("weekly digest"), default=True, help_text=_("Overdue reminders are sent whatever this says.")
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("The account has a temporary password and is asked for a new one when it logs in."),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(role="unit_head", is_active=True),
                name="one_active_head_per_unit",
                violation_error_message=_("This unit already has an active head."),
            ),
            models.CheckConstraint(
                condition=Q(role="") | Q(role="national") | Q(unit__isnull=False),
                name="user_with_role_has_unit",
                violation_error_message=_("An account with a role must belong to a unit."),
            ),
            models.CheckConstraint(
                condition=~Q(role="national") | Q(unit__isnull=True),
                name="national_account_has_no_unit",
                violation_error_message=_("A national account belongs to no unit."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def has_perm(self, perm: str, obj=None) -> bool:
        """The policy's permissions (units/rules.py, tasks/rules.py, reports/rules.py) decide for a
        superuser too, instead of Django's "a superuser has every permission": the policy grants a
        superuser every action except those only a unit takes for itself (its own figures, its
        extension requests and obstacles, its own unit's pages). Model permissions (the admin) are
        Django's as before."""
        if rules.perm_exists(perm):
            return self.is_active and _user_has_perm(self, perm, obj)
        return super().has_perm(perm, obj)

    @property
    def sees_whole_province(self) -> bool:
        return self.role in (self.Role.SECRETARIAT, self.Role.LEADER)

    @property
    def is_national(self) -> bool:
        """The national level: reads every province, writes nothing."""
        return self.role == self.Role.NATIONAL

    @property
    def is_secretariat(self) -> bool:
        return self.role == self.Role.SECRETARIAT

    @property
    def is_unit_member(self) -> bool:
        return self.role in (self.Role.UNIT_HEAD, self.Role.UNIT_STAFF)


class UnitHandover(models.Model):
    """The secretariat handed a unit over to a new head.

    The former head's account is deactivated, never deleted: what it did stays attributed to it.
    """

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="handovers", verbose_name=_("unit"))
    old_head = models.ForeignKey(
        User, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("former head")
    )
    new_head = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("new head"))
    account_created = models.BooleanField(_("new account"), default=False)
    by = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=clock.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("unit handover")
        verbose_name_plural = _("unit handovers")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["unit", "-at"], name="handover_unit")]

    def __str__(self) -> str:
        return f"{self.unit}: {self.old_head or '—'} → {self.new_head}"


class StructureTransition(models.Model):
    """A change of a province's structure that took effect on one date: a merger of communes, the
    end of the district level, a merger of agencies. Applied once, by ``tasks.transitions``; the
    units it ended keep their history, their successors carry the open work forward."""

    province = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("province"))
    effective_on = models.DateField(_("effective on"))
    basis = models.CharField(
        _("legal basis"), max_length=300, help_text=_("The resolution or decision, e.g. 1243/NQ-UBTVQH15.")
    )
    # The same input applied twice is recognised by this digest and changes nothing.
    digest = models.CharField(max_length=64, editable=False)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    applied_at = models.DateTimeField(_("applied at"), default=clock.now)
    applied_by = models.ForeignKey(
        User, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("applied by")
    )
    illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Demo data: choices that no source supports are labelled so.")
    )

    class Meta:
        verbose_name = _("structure transition")
        verbose_name_plural = _("structure transitions")
        ordering = ["-effective_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["province", "digest"], name="transition_applied_once"),
        ]

    def __str__(self) -> str:
        return f"{self.basis} ({self.effective_on:%d/%m/%Y})"


class UnitSuccession(models.Model):
    """``predecessor`` ended and ``successor`` took over its territory or duties, in full or in
    part, from ``effective_on``. A merger is several full links into one successor; a split,
    partial links out of one predecessor with the share each successor takes (targets and
    figures are divided by it)."""

    class Share(models.TextChoices):
        FULL = "full", _("Full")
        PARTIAL = "partial", _("Partial")

    predecessor = models.ForeignKey(Unit, models.PROTECT, related_name="successions", verbose_name=_("predecessor"))
    successor = models.ForeignKey(Unit, models.PROTECT, related_name="origins", verbose_name=_("successor"))
    share = models.CharField(_("share"), max_length=10, choices=Share.choices, default=Share.FULL)
    # For a partial share: the fraction of the predecessor that goes to this successor, in
    # millionths (1.000.000 = all of it), so sums stay exact integers.
    fraction_ppm = models.PositiveIntegerField(
        _("fraction (millionths)"),
        default=1_000_000,
        validators=[MinValueValidator(1), MaxValueValidator(1_000_000)],
    )
    effective_on = models.DateField(_("effective on"))
    transition = models.ForeignKey(
        StructureTransition, models.PROTECT, related_name="successions", verbose_name=_("transition")
    )
    illustrative = models.BooleanField(_("illustrative"), default=False)

    class Meta:
        verbose_name = _("unit succession")
        verbose_name_plural = _("unit successions")
        ordering = ["effective_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="succession_once"),
            models.CheckConstraint(
                condition=Q(fraction_ppm__gte=1, fraction_ppm__lte=1_000_000), name="succession_fraction_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.effective_on:%d/%m/%Y})"


class AuditEntry(models.Model):
    """One change in the audit trail ("Nhật ký thay đổi"): who changed what, when, from what to what.

    Written by the service that makes the change, in its transaction (``units.trail.audit_record``).
    Changes to assignments, targets and figures are ``tasks.HistoryEntry`` rows instead (they carry
    evidence files and feed a unit's timeline, activity and digest); the trail reads both
    (``tasks.selectors.audit_trail``). ``kind`` names every kind the trail filters by, those of the
    history included, so that a service may record any of them here.
    """

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Documents")
        TASK = "task", _("Tasks")
        ASSIGNMENT = "assignment", _("Assignments")
        TARGET = "target", _("Targets")
        FIGURE = "figure", _("Indicator figures")
        REPORT = "report", _("Periodic reports")
        INDICATOR = "indicator", _("Indicators")
        OBSTACLE = "obstacle", _("Obstacles")
        EXTENSION = "extension", _("Extensions")
        EXPLANATION = "explanation", _("Explanation requests")
        ACCOUNT = "account", _("Accounts")
        UNIT = "unit", _("Units")
        TRANSITION = "transition", _("Structure transitions")
        SETTINGS = "settings", _("Settings and scorecard")

    at = models.DateTimeField(_("at"), default=clock.now)
    # Empty: the system (a command, a seeding), not a person.
    user = models.ForeignKey(User, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by"))
    # The unit whose change it is (a province-wide object: the province); empty for a national
    # object (a national document, a national account), which only national accounts read.
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # "created", "updated", "answered", ... (labels: units.trail.ACTION_LABELS).
    action = models.CharField(_("action"), max_length=40)
    # What the change is about, by model label and key ("tasks.task", 17), and as it read then.
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.PositiveBigIntegerField(_("object id"), null=True, blank=True)
    object_repr = models.CharField(_("object"), max_length=300)
    # {"field": [old, new], ...}: dates as ISO text, choices as their codes, related objects by name.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("audit trail entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["unit", "-at"], name="audit_unit"),
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object"),
            models.Index(fields=["user", "-at"], name="audit_user"),
            models.Index(fields=["-at"], name="audit_at"),
        ]

    def __str__(self) -> str:
        return f"{self.object_repr} ({self.at:%d/%m/%Y %H:%M})"

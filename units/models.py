import rules
from django.contrib.auth.models import AbstractUser, UserManager, _user_has_perm
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from projectsite import clock

from .text import search_key


def validate_email_list(value: str) -> None:
    for address in split_emails(value):
        validate_email(address)


def split_emails(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


class Unit(models.Model):
    """An agency or an administrative unit with duties in the programme.

    A province is the root of its own tree: agencies and districts hang under it, communes
    under their district, so a national deployment is 63 such trees. Units are merged and
    renamed over time; a unit is deactivated, never deleted, and its history stays.
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

    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        help_text=_("Official administrative code for provinces, districts and communes; a short code for agencies."),
    )
    name = models.CharField(_("name"), max_length=200)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent unit")
    )
    # Denormalised for scoping and roll-ups without recursive queries: the province (root)
    # a unit belongs to (the root points to itself), and the district of a district or commune.
    province = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("province"), editable=False
    )
    district = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("district"), editable=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    deactivated_on = models.DateField(_("deactivated on"), null=True, blank=True)
    contact_emails = models.CharField(
        _("contact emails"),
        max_length=500,
        blank=True,
        validators=[validate_email_list],
        help_text=_("Separated by commas. Reminders go to the head and to these addresses."),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    search_key = models.CharField(max_length=200, db_index=True, editable=False)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["level", "code"]
        indexes = [
            models.Index(fields=["province", "level"], name="unit_province_level"),
            models.Index(fields=["district"], name="unit_district"),
        ]
        constraints = [
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
        self.set_tree_links()
        super().save(*args, **kwargs)
        # A root is its own province and a district its own district, so that one filter
        # (province=..., district=...) covers a whole tree; the key is known only now.
        links = {}
        if self.level == self.Level.PROVINCE and self.province_id != self.pk:
            links["province_id"] = self.pk
        if self.level == self.Level.DISTRICT and self.district_id != self.pk:
            links["district_id"] = self.pk
        if links:
            type(self).objects.filter(pk=self.pk).update(**links)
            for name, value in links.items():
                setattr(self, name, value)

    def set_tree_links(self) -> None:
        """Fill ``province`` and ``district`` from the parent (no I/O beyond the loaded parent)."""
        if self.level == self.Level.PROVINCE:
            self.province_id = self.pk
            self.district_id = None
            return
        parent = self.parent
        self.province_id = parent.province_id if parent.level != self.Level.PROVINCE else parent.pk
        if self.level == self.Level.DISTRICT:
            self.district_id = self.pk
        elif self.level == self.Level.COMMUNE:
            self.district_id = parent.pk
        else:
            self.district_id = None

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
                condition=Q(role="") | Q(unit__isnull=False),
                name="user_with_role_has_unit",
                violation_error_message=_("An account with a role must belong to a unit."),
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

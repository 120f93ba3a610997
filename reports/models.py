"""The scorecard's configuration and its snapshots. The scores themselves are computed in ``reports.scorecard``.

A snapshot stores each unit's score and rank as they were when it was taken, so that a year's
ranking, once frozen (the final snapshot), no longer follows later edits of the data.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units.models import Unit

# Percentages; documented in reports/scorecard.py. On-time completion weighs most: it is what
# the Government Office counts when it reviews task results.
DEFAULT_WEIGHTS = {"on_time": 50, "attainment": 30, "timeliness": 20}

PROVINCES = {"level": Unit.Level.PROVINCE}


class ScoreWeights(models.Model):
    """How much each component weighs in a province's score; a province without a row uses DEFAULT_WEIGHTS."""

    province = models.OneToOneField(
        Unit,
        models.PROTECT,
        related_name="score_weights",
        limit_choices_to=PROVINCES,
        verbose_name=_("province"),
    )
    on_time = models.PositiveSmallIntegerField(_("on-time completion (%)"), default=DEFAULT_WEIGHTS["on_time"])
    attainment = models.PositiveSmallIntegerField(_("indicator attainment (%)"), default=DEFAULT_WEIGHTS["attainment"])
    timeliness = models.PositiveSmallIntegerField(_("regular reporting (%)"), default=DEFAULT_WEIGHTS["timeliness"])
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("scorecard weights")
        verbose_name_plural = _("scorecard weights")
        constraints = [
            models.CheckConstraint(
                condition=Exact(F("on_time") + F("attainment") + F("timeliness"), 100),
                name="score_weights_add_up_to_100",
                violation_error_message=_("The weights must add up to 100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province}: {self.on_time}/{self.attainment}/{self.timeliness}"

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in DEFAULT_WEIGHTS}


class ScorecardSnapshot(models.Model):
    """A province's ranking for a year as it stood on ``as_of``. The final one freezes the year."""

    province = models.ForeignKey(
        Unit,
        models.PROTECT,
        related_name="scorecard_snapshots",
        limit_choices_to=PROVINCES,
        verbose_name=_("province"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("taken by"))
    as_of = models.DateField(_("as of"))
    # The weights the scores were computed with: the configuration may change afterwards.
    weights = models.JSONField(_("weights"), default=dict)
    is_final = models.BooleanField(
        _("final"), default=False, help_text=_("The year's official ranking; later edits no longer change it.")
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("scorecard snapshot")
        verbose_name_plural = _("scorecard snapshots")
        ordering = ["-taken_at", "-pk"]
        indexes = [models.Index(fields=["province", "year", "-taken_at"], name="snapshot_latest")]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "year"],
                condition=Q(is_final=True),
                name="one_final_snapshot_per_year",
                violation_error_message=_("This year's ranking is already frozen."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province} {self.year} – {self.as_of:%d/%m/%Y}"


class ScoreEntry(models.Model):
    """One unit's line in a snapshot."""

    snapshot = models.ForeignKey(
        ScorecardSnapshot, models.PROTECT, related_name="entries", verbose_name=_("scorecard snapshot")
    )
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="score_entries", verbose_name=_("unit"))
    # The unit's level when the snapshot was taken; ranks are within a level.
    level = models.PositiveSmallIntegerField(_("level"), choices=Unit.Level.choices)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    on_time_rate = models.DecimalField(
        _("on-time completion rate"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    attainment = models.DecimalField(_("indicator attainment"), max_digits=5, decimal_places=4, null=True, blank=True)
    timeliness = models.DecimalField(_("regular reporting"), max_digits=5, decimal_places=4, null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"))

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["snapshot", "level", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "unit"],
                name="one_score_per_unit_in_snapshot",
                violation_error_message=_("This unit already has a score in this snapshot."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit}: {self.score}"

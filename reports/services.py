"""Writes of the scorecard: its weights and its snapshots. Only the province's secretariat scores units."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from projectsite import clock
from units.models import Unit, User
from units.trail import audit_record, changes_between, created_changes, field_values

from .models import ReminderSettings, ScorecardSnapshot, ScoreEntry, ScoreWeights
from .scorecard import live_rows, scorecard_day, weights_for


@transaction.atomic
def weights_update(*, province: Unit, user: User, on_time: int, attainment: int, timeliness: int) -> ScoreWeights:
    if not user.has_perm("reports.manage_scorecard", province):
        raise PermissionDenied
    values = {"on_time": on_time, "attainment": attainment, "timeliness": timeliness}
    if any(value < 0 for value in values.values()):
        raise ValidationError(_("A weight cannot be negative."), code="negative")
    if sum(values.values()) != 100:
        raise ValidationError(_("The weights must add up to 100."), code="sum")
    current = weights_for(province)
    if current.as_dict() == values:
        return current  # saved unchanged: nothing to write or to log
    defaults = {**values, "updated_by": user}
    weights, _created = ScoreWeights.objects.update_or_create(province=province, defaults=defaults)
    audit_record(
        user=user,
        obj=weights,
        action="weights_set",
        unit=province,
        changes=changes_between(current.as_dict(), values),
        log_action="scorecard.weights_set",
        log_fields=values,
    )
    return weights


@transaction.atomic
def snapshot_take(*, province: Unit, user: User, year: int, final: bool = False, note: str = "") -> ScorecardSnapshot:
    """Record the year's ranking as of today (a past year: as at its last day); a final snapshot
    freezes the year for good."""
    if not user.has_perm("reports.manage_scorecard", province):
        raise PermissionDenied
    frozen = ValidationError(_("The ranking of %(year)s is frozen."), code="frozen", params={"year": year})
    if ScorecardSnapshot.objects.filter(province=province, year=year, is_final=True).exists():
        raise frozen
    today = clock.today()
    # A past year is recorded as it stood at its end: the units of that year (reports.scorecard).
    day = scorecard_day(year, today)
    weights = weights_for(province).as_dict()
    try:
        # The unique constraint settles two secretaries freezing the year at the same moment.
        with transaction.atomic():
            snapshot = ScorecardSnapshot.objects.create(
                province=province, year=year, taken_by=user, as_of=day, weights=weights, is_final=final, note=note
            )
    except IntegrityError:
        raise frozen from None
    rows = live_rows(province=province, year=year, today=day, weights=weights, as_at=None if day == today else day)
    ScoreEntry.objects.bulk_create(
        ScoreEntry(
            snapshot=snapshot,
            unit=row.unit,
            level=row.level,
            score=row.score,
            on_time_rate=row.on_time_rate,
            attainment=row.attainment,
            timeliness=row.timeliness,
            reporting_rate=row.reporting_rate,
            rank=row.rank,
        )
        for row in rows
    )
    audit_record(
        user=user,
        obj=snapshot,
        action="snapshot_taken",
        unit=province,
        changes=created_changes({"year": str(year), "as_of": day, "is_final": final}),
        note=note,
        log_action="scorecard.snapshot_taken",
        log_fields={"year": year, "final": final},
    )
    return snapshot


def _reminder_fields() -> list[str]:
    """What the secretariat sets in a province's reminder settings (every field of its own)."""
    return [
        f.name
        for f in ReminderSettings._meta.concrete_fields
        if f.editable and not f.primary_key and f.name != "province"
    ]


@transaction.atomic
def reminder_settings_save(*, config: ReminderSettings, user: User) -> ReminderSettings:
    """Save a province's reminder settings as the admin's form left them: its secretariat only
    (``units.manage_unit`` on the province). The trail records what changed."""
    if not user.has_perm("units.manage_unit", config.province):
        raise PermissionDenied
    fields = _reminder_fields()
    stored = ReminderSettings.objects.filter(pk=config.pk).first() if config.pk else None
    before = field_values(stored, fields) if stored is not None else {}
    config.save()
    after = field_values(config, fields)
    changes = changes_between(before, after) if stored is not None else created_changes(after)
    if changes:
        audit_record(
            user=user,
            obj=config,
            action="updated" if stored is not None else "created",
            unit=config.province_id,
            changes=changes,
        )
    return config

"""The application's one clock: today's date and the current moment.

A training session can fix the date with APP_TODAY; production and the demo leave it unset and
follow the calendar in Asia/Ho_Chi_Minh (``seed_demo`` sets it for a moment, with
``override_settings``, to stamp the 2023 history on 20/06/2023 and each transition on its date).

Everything the application stamps or compares with a date a user reads (deadline statuses,
reminders, forecasts, completions, history, requests, the mail log) asks ``today()`` or
``now()``, never ``timezone.now()``: with APP_TODAY set, ``now()`` is that day at the current
local time of day, so a confirmation made during a demo is dated on the demo's day.
Pure infrastructure (sessions, lockouts, the outbox's retry and claim timers, file names)
keeps the real time (docs/DECISIONS.md, "One clock").
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone


def today() -> datetime.date:
    return settings.APP_TODAY or timezone.localdate()


def now() -> datetime.datetime:
    """The current moment, timezone-aware: with APP_TODAY set, that day at the current local time
    of day in Asia/Ho_Chi_Minh; otherwise the real time. A model field's default (``default=now``)."""
    real = timezone.now()
    if not settings.APP_TODAY:
        return real
    local = timezone.localtime(real, timezone.get_default_timezone())
    return datetime.datetime.combine(settings.APP_TODAY, local.time(), tzinfo=local.tzinfo)


def parse_day(value: str) -> datetime.date:
    """dd/mm/yyyy or yyyy-mm-dd; ValueError otherwise."""
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            pass
    raise ValueError(value)


def parse_setting(value: str) -> datetime.date | None:
    """The APP_TODAY setting: a date, or nothing for "", "none" and "off"."""
    if value.strip().lower() in ("", "none", "off"):
        return None
    return parse_day(value)


class StampField(models.DateTimeField):
    """A DateTimeField whose ``auto_now``/``auto_now_add`` stamp comes from ``now()``, not the real clock."""

    def pre_save(self, model_instance, add):
        if self.auto_now or (self.auto_now_add and add):
            value = now()
            setattr(model_instance, self.attname, value)
            return value
        return super().pre_save(model_instance, add)

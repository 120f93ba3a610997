"""Today's date for everything that depends on it (deadline statuses, reminders, forecasts).

A demo or a training session can fix the date with APP_TODAY (the demo data are as of
20/06/2023, ten days before the e-ID deadline); production leaves it unset and follows the
calendar in Asia/Ho_Chi_Minh.
"""

import datetime

from django.conf import settings
from django.utils import timezone


def today() -> datetime.date:
    return settings.APP_TODAY or timezone.localdate()


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

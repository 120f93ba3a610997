"""Numbers as Vietnamese readers write them, for text outside templates (commands, mails)."""

import datetime

from django.utils import formats, timezone


def number(value: float, *, decimals: int | None = None) -> str:
    """1269779 -> "1.269.779"; 3.46 with decimals=1 -> "3,5"."""
    if decimals is not None:
        value = round(value, decimals)
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def datetime_text(value: datetime.datetime | None) -> str:
    """A moment in local time as "14:05 20/06/2023"; "" for None."""
    if value is None:
        return ""
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")

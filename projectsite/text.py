"""Numbers as Vietnamese readers write them, for text outside templates (commands, mails)."""

from django.utils import formats


def number(value: float, *, decimals: int | None = None) -> str:
    """1269779 -> "1.269.779"; 3.46 with decimals=1 -> "3,5"."""
    if decimals is not None:
        value = round(value, decimals)
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)

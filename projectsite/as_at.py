"""The date a page is read "as at" (``?as_at=20/06/2023``, "Xem số liệu tại ngày"): one parser for
every page and export that can show the past (the province's pages in ``reports``, a unit's page
in ``tasks``), so a date is refused with the same words everywhere (docs/DECISIONS.md, "As at a
date")."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from projectsite import clock

# "Xem số liệu tại ngày": the oldest date a page may be viewed as at.
AS_AT_EARLIEST = datetime.date(2000, 1, 1)
AS_AT_PARAMETER = "as_at"


@dataclass(frozen=True)
class AsAt:
    """The date a page shows (``?as_at=20/06/2023`` or ``2023-06-20``; default today).

    ``day`` is the date shown; ``past`` the date the selectors count as at (None for today: the
    live rule, so that today's numbers have one rule); ``error`` the reason a typed date was
    refused (the page then shows today and says why; an export answers 400).
    """

    day: datetime.date
    past: datetime.date | None = None
    error: str = ""
    typed: str = ""

    @property
    def is_today(self) -> bool:
        return self.past is None

    @property
    def param(self) -> str:
        """``as_at=dd/mm/yyyy`` for a link that keeps the date, or "" for today."""
        return "" if self.past is None else f"{AS_AT_PARAMETER}={self.past:%d/%m/%Y}"

    def title_suffix(self) -> str:
        """ " — Số liệu tại ngày dd/mm/yyyy" for an export's title when the date is not today."""
        return "" if self.past is None else " — " + as_at_label(self.past)


def as_at_label(day: datetime.date) -> str:
    return _("Figures as at %(day)s") % {"day": f"{day:%d/%m/%Y}"}


def as_at_from(request) -> AsAt:
    """The page's date from its query string: one rule for every page and export that reads it."""
    today = clock.today()
    raw = (request.GET.get(AS_AT_PARAMETER) or "").strip()
    if not raw:
        return AsAt(day=today)
    shown = raw[:20]
    try:
        day = clock.parse_day(raw) if len(raw) <= 10 else None
    except (ValueError, OverflowError):
        day = None
    if day is None:
        error = _("“%(value)s” is not a date: write it as dd/mm/yyyy, for example 20/06/2023.") % {"value": shown}
    elif day > today:
        error = _("%(day)s is after today: figures are known up to today (%(today)s).") % {
            "day": f"{day:%d/%m/%Y}",
            "today": f"{today:%d/%m/%Y}",
        }
    elif day < AS_AT_EARLIEST:
        error = _("Figures start on %(day)s: choose a later date.") % {"day": f"{AS_AT_EARLIEST:%d/%m/%Y}"}
    else:
        return AsAt(day=day, past=None if day == today else day, typed=raw)
    return AsAt(day=today, error=str(error), typed=shown)


def as_at_context(request, as_at: AsAt, *, keep: tuple[str, ...] = ()) -> dict:
    """What the date picker ("Xem số liệu tại ngày") of a page needs: the date, the
    refusal if any, and the query parameters it keeps (``keep``; every other one when empty)."""
    names = keep or [name for name in request.GET if name not in ("as_at", "page")]
    return {
        "as_at": as_at,
        "as_at_keep": [(name, value) for name in names for value in request.GET.getlist(name)][:20],
    }

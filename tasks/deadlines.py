"""The six deadline statuses of an assignment, computed in the database.

The status depends on the due date, the completion date and today, so it is never stored.
``deadline_conditions`` gives one filter per status; the filters are mutually exclusive, so
they serve both as ``Count(..., filter=...)`` (``count(*) FILTER (WHERE ...)`` on PostgreSQL,
which the planner parallelises) and as the branches of the ``CASE`` annotation.

Rules (docs/DOMAIN.md, "Status of an assignment"):
- paused and cancelled assignments, and every assignment of a deactivated (merged) unit, have no
  deadline status (NULL) and are left out of counts: ``counted_q`` is that rule, in one place;
- no due date (a recurring task): "không thời hạn";
- confirmed: completed on or before the due date is on time, after it late; the completion
  date is the date the completion was reported;
- otherwise open: past the due date is overdue; due today up to ``window`` days ahead is
  "sắp đến hạn"; later is "chưa đến hạn". A reported completion awaiting confirmation is
  still open.
- an approved extension moves ``due_date``; the original stays in ``original_due_date``.

As at a past date D (``as_at``; docs/DECISIONS.md, "As at a date"), the same statuses as they
stood at the end of D: an assignment counts when its unit was valid on D, it existed then
(``created_at`` before the end of D, local time) and it is not paused or cancelled as it stands
now; it is done only if it was confirmed by the end of D (``confirmed_at``), otherwise it is open
and overdue or due soon against D. Without ``as_at`` the rule is today's (the unit in force,
``is_active``); the views ask the live rule for today, so today's numbers have one rule.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext_lazy as _

from projectsite import clock
from units.models import valid_on_q

from .models import Assignment


class DeadlineStatus(models.TextChoices):
    OVERDUE = "overdue", _("Overdue")
    DUE_SOON = "due_soon", _("Due soon")
    NOT_DUE = "not_due", _("Not yet due")
    NO_DEADLINE = "no_deadline", _("No deadline")
    DONE_ON_TIME = "done_on_time", _("Completed on time")
    DONE_LATE = "done_late", _("Completed late")


# Bootstrap colour of each status, for badges and charts.
STATUS_COLOURS = {
    DeadlineStatus.OVERDUE: "danger",
    DeadlineStatus.DUE_SOON: "warning",
    DeadlineStatus.NOT_DUE: "info",
    DeadlineStatus.NO_DEADLINE: "secondary",
    DeadlineStatus.DONE_ON_TIME: "success",
    DeadlineStatus.DONE_LATE: "primary",
}

UNTRACKED = (Assignment.WorkStatus.PAUSED, Assignment.WorkStatus.CANCELLED)


def day_end(day: datetime.date) -> datetime.datetime:
    """The first moment after ``day`` in local time (Asia/Ho_Chi_Minh): "on or before the end of
    ``day``" is ``< day_end(day)``."""
    following = day + datetime.timedelta(days=1)
    return datetime.datetime.combine(following, datetime.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def counted_q(prefix: str = "", as_at: datetime.date | None = None) -> Q:
    """The one rule of which assignments count, for every count, list, reminder and digest: not
    paused or cancelled, and of a unit that is still active (a deactivated unit counts nowhere).

    As at a past date ``as_at``: of a unit valid on that date (``units.models.valid_on_q``), and
    created by the end of it; paused and cancelled as they stand now (the work status has no
    dated history of its own: an approximation, docs/DECISIONS.md "As at a date").

    ``prefix`` is the lookup path to the assignment, as in ``deadline_conditions``.
    """
    tracked = ~Q(**{prefix + "work_status__in": UNTRACKED})
    if as_at is None:
        return tracked & Q(**{prefix + "unit__is_active": True})
    return tracked & valid_on_q(as_at, prefix=prefix + "unit__") & Q(**{prefix + "created_at__lt": day_end(as_at)})


def done_q(prefix: str = "", as_at: datetime.date | None = None) -> Q:
    """Done: confirmed; as at a past date, confirmed by the end of it (``confirmed_at``; a row
    confirmed without that stamp counts from its completion date)."""
    confirmed = Q(**{prefix + "work_status": Assignment.WorkStatus.CONFIRMED})
    if as_at is None:
        return confirmed
    stamped = Q(**{prefix + "confirmed_at__lt": day_end(as_at)})
    unstamped = Q(**{prefix + "confirmed_at__isnull": True, prefix + "completed_on__lte": as_at})
    return confirmed & (stamped | unstamped)


def due_soon_days() -> int:
    return settings.DEADLINE_DUE_SOON_DAYS


def deadline_conditions(
    today: datetime.date | None = None,
    *,
    prefix: str = "",
    window: int | None = None,
    as_at: datetime.date | None = None,
) -> dict[DeadlineStatus, Q]:
    """One mutually exclusive filter per status, for assignments at ``prefix``.

    ``prefix`` is the lookup path to the assignment ("assignments__" from a unit or a task).
    ``as_at``: the statuses as they stood at the end of that past date (it is then the day the
    deadlines are compared with, whatever ``today`` says); None: today's, live.
    """
    today = as_at or today or clock.today()
    window = due_soon_days() if window is None else window
    horizon = today + datetime.timedelta(days=window)

    def q(**lookups) -> Q:
        return Q(**{prefix + key: value for key, value in lookups.items()})

    tracked = counted_q(prefix, as_at)
    dated = tracked & q(due_date__isnull=False)
    done = done_q(prefix, as_at)
    due = F(prefix + "due_date")
    return {
        DeadlineStatus.OVERDUE: dated & ~done & q(due_date__lt=today),
        DeadlineStatus.DUE_SOON: dated & ~done & q(due_date__gte=today, due_date__lte=horizon),
        DeadlineStatus.NOT_DUE: dated & ~done & q(due_date__gt=horizon),
        DeadlineStatus.NO_DEADLINE: tracked & q(due_date__isnull=True),
        DeadlineStatus.DONE_ON_TIME: dated & done & q(completed_on__lte=due),
        DeadlineStatus.DONE_LATE: dated & done & q(completed_on__gt=due),
    }


def deadline_status_expression(
    today: datetime.date | None = None, *, window: int | None = None, as_at: datetime.date | None = None
) -> Case:
    """``CASE`` giving each assignment's status (NULL when paused or cancelled, or not counted as at ``as_at``)."""
    return Case(
        *[
            When(condition, then=Value(status.value))
            for status, condition in deadline_conditions(today, window=window, as_at=as_at).items()
        ],
        default=None,
        output_field=models.CharField(max_length=20),
    )


def deadline_counts(
    today: datetime.date | None = None,
    *,
    prefix: str = "",
    window: int | None = None,
    within: Q | None = None,
    as_at: datetime.date | None = None,
) -> dict[str, models.Count]:
    """Aggregates ``{status: Count(filter=...)}``, plus ``total``, for ``aggregate()`` or ``annotate()``.

    ``within`` restricts what is counted (for example the assignments of one province); ``as_at``
    counts as at a past date (``deadline_conditions``).
    """
    counter = prefix + "pk" if prefix else "pk"
    conditions = deadline_conditions(today, prefix=prefix, window=window, as_at=as_at)
    conditions["total"] = counted_q(prefix, as_at)
    if within is not None:
        conditions = {status: condition & within for status, condition in conditions.items()}
    return {str(status): models.Count(counter, filter=condition) for status, condition in conditions.items()}

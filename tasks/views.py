from django.shortcuts import render

from projectsite import clock
from tasks.deadlines import STATUS_COLOURS
from units.permissions import unit_member_required

from . import selectors


@unit_member_required
def my_unit(request):
    """The landing page of a unit head or staff member: every assignment of the unit, overdue first."""
    unit = request.user.unit
    today = clock.today()
    assignments = list(selectors.unit_assignments(user=request.user, unit=unit, today=today))
    counts = dict.fromkeys(selectors.STATUS_ORDER, 0)
    for assignment in assignments:
        if assignment.deadline:
            counts[assignment.deadline] += 1
    summary = [
        {"status": status, "label": status.label, "colour": STATUS_COLOURS[status], "count": counts[status]}
        for status in selectors.STATUS_ORDER
    ]
    return render(
        request,
        "tasks/my_unit.html",
        {"unit": unit, "today": today, "assignments": assignments, "summary": summary},
    )

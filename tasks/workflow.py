"""Who may move an assignment's work status where (DOMAIN.md, "Status of an assignment").

    chưa triển khai → đang thực hiện → đã báo cáo hoàn thành → (secretariat) đã xác nhận | trả lại
    trả lại → đang thực hiện …;  tạm dừng / hủy by the secretariat.

The unit reports; the secretariat confirms, sends back, pauses, resumes and cancels.
"""

from units.models import User
from units.selectors import can_write_for_unit

from .models import Assignment

S = Assignment.WorkStatus

# Statuses in which the unit may still report progress (and stay in the same status).
UNIT_EDITABLE = (S.NOT_STARTED, S.IN_PROGRESS, S.RETURNED)

UNIT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.NOT_STARTED: (S.IN_PROGRESS, S.REPORTED),
    S.IN_PROGRESS: (S.REPORTED,),
    S.RETURNED: (S.IN_PROGRESS, S.REPORTED),
}

SECRETARIAT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.NOT_STARTED: (S.PAUSED, S.CANCELLED),
    S.IN_PROGRESS: (S.PAUSED, S.CANCELLED),
    S.RETURNED: (S.PAUSED, S.CANCELLED),
    S.REPORTED: (S.CONFIRMED, S.RETURNED, S.PAUSED, S.CANCELLED),
    S.PAUSED: (S.IN_PROGRESS, S.CANCELLED),
}

# A change to these statuses must say why.
NEEDS_NOTE = (S.RETURNED, S.PAUSED, S.CANCELLED)

# Open work that waits for the unit, which reminders and digests chase (reported work waits for the secretariat).
REMINDABLE = UNIT_EDITABLE


def extendable(assignment: Assignment) -> bool:
    """Whether an extension may be asked: a dated assignment still open or awaiting confirmation."""
    return assignment.due_date is not None and assignment.work_status in (*UNIT_EDITABLE, S.REPORTED)


def next_statuses(user: User, assignment: Assignment) -> list[str]:
    """The statuses ``user`` may choose, the current one first: keeping it is the default.

    Empty when ``user`` may move the assignment nowhere (then there is no form at all).
    """
    if not can_write_for_unit(user, assignment.unit):
        return []
    current = assignment.work_status
    moves: list[str] = []
    if user.is_unit_member or user.is_superuser:
        moves.extend(UNIT_TRANSITIONS.get(current, ()))
    if user.is_secretariat or user.is_superuser:
        moves.extend(s for s in SECRETARIAT_TRANSITIONS.get(current, ()) if s not in moves)
    return [current, *moves] if moves else []


def reports_progress(user: User, assignment: Assignment) -> bool:
    """Whether ``user`` may change the progress without changing the status: the unit, while the work is open."""
    return (
        (user.is_unit_member or user.is_superuser)
        and assignment.work_status in UNIT_EDITABLE
        and can_write_for_unit(user, assignment.unit)
    )

"""Who may move an assignment's work status where (docs/DOMAIN.md, "Status of an assignment").

    chưa triển khai → đang thực hiện → đã báo cáo hoàn thành → (secretariat) đã xác nhận | trả lại
    trả lại → đang thực hiện …;  tạm dừng / hủy by the secretariat.

The unit reports; the secretariat confirms, sends back, pauses, resumes and cancels.
"""

from units.models import User

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

# Who may take a move, by the status it reaches (the permissions of tasks/rules.py). The unit's
# own moves (UNIT_TRANSITIONS) are "tasks.report_assignment".
TRANSITION_PERMISSIONS: dict[str, str] = {
    S.CONFIRMED: "tasks.confirm_assignment",
    S.RETURNED: "tasks.send_back_assignment",
    S.PAUSED: "tasks.pause_assignment",
    S.CANCELLED: "tasks.pause_assignment",
    S.IN_PROGRESS: "tasks.pause_assignment",  # resuming a paused assignment
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
    current = assignment.work_status
    moves: list[str] = []
    if user.has_perm("tasks.report_assignment", assignment):
        moves.extend(UNIT_TRANSITIONS.get(current, ()))
    moves.extend(
        status
        for status in SECRETARIAT_TRANSITIONS.get(current, ())
        if status not in moves and user.has_perm(TRANSITION_PERMISSIONS[status], assignment)
    )
    return [current, *moves] if moves else []


def reports_progress(user: User, assignment: Assignment) -> bool:
    """Whether ``user`` may change the progress without changing the status: the unit, while the work is open."""
    return assignment.work_status in UNIT_EDITABLE and user.has_perm("tasks.report_assignment", assignment)

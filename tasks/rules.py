"""Who may do what with assignments, targets, obstacles, plans and imports: the ``tasks``
permissions, registered with django-rules from the predicates of units/rules.py.

``user.has_perm("tasks.confirm_assignment", assignment)``: views, services, templates and the
admin ask here, nowhere else. Which status an assignment may move to is tasks.workflow's state
machine; who may take each move is a permission below (workflow.TRANSITION_PERMISSIONS).
"""

import rules

from units.models import Unit, User
from units.rules import (
    in_users_province,
    is_superuser,
    member_of,
    reads_unit,
    secretariat,
    secretariat_of,
    unit_member,
)

from .models import ImportRecord


@rules.predicate
def forwarded_to_users_unit(user, obstacle) -> bool:
    return obstacle is not None and obstacle.forwarded_to_id is not None and obstacle.forwarded_to_id == user.unit_id


@rules.predicate
def imports_kind(user, kind) -> bool:
    """The secretariat imports everything; a district head its communes' figures (DECISIONS, Excel import).

    Without a kind: may the user import anything at all (the import page).
    """
    if user.is_secretariat:
        return True
    district_head = user.role == User.Role.UNIT_HEAD and user.unit.level == Unit.Level.DISTRICT
    return district_head and kind in (None, ImportRecord.Kind.FIGURES)


# An assignment: the unit reports, the secretariat of the province decides.
rules.add_perm("tasks.report_assignment", is_superuser | member_of)
rules.add_perm("tasks.confirm_assignment", secretariat_of)
rules.add_perm("tasks.send_back_assignment", secretariat_of)
rules.add_perm("tasks.pause_assignment", secretariat_of)  # pause, resume and cancel
rules.add_perm("tasks.request_extension", member_of)
rules.add_perm("tasks.decide_extension", secretariat_of)  # on the assignment
# A target's figures are reported by its unit.
rules.add_perm("tasks.report_figure", member_of)
# A periodic report (ReportSlot) is submitted, and corrected, by its unit.
rules.add_perm("tasks.submit_report", member_of)
# Obstacles: raised by a unit about its own work, answered by the secretariat or the agency it
# was forwarded to, forwarded and closed by the secretariat.
rules.add_perm("tasks.raise_obstacle", member_of)  # on the unit
rules.add_perm("tasks.read_obstacle", reads_unit | (unit_member & forwarded_to_users_unit))
rules.add_perm("tasks.answer_obstacle", secretariat_of | (unit_member & forwarded_to_users_unit))
rules.add_perm("tasks.forward_obstacle", secretariat_of)
rules.add_perm("tasks.close_obstacle", secretariat_of)
# Planning (documents, tasks, assignments, targets): the secretariat of the province (the object).
rules.add_perm("tasks.plan", secretariat_of)
# Imports: asked with the kind ("figures", "assignments") or without (any kind).
rules.add_perm("tasks.import_data", is_superuser | ((secretariat | unit_member) & imports_kind))


@rules.predicate
def uploaded_by_user(user, record) -> bool:
    return record is not None and record.uploaded_by_id == user.pk


# An upload is seen by whoever uploaded it and by the secretariat of its province.
rules.add_perm("tasks.view_import", is_superuser | uploaded_by_user | (secretariat & in_users_province))

# A structure transition (tasks.transitions, the page "Sắp xếp đơn vị"): the secretariat of the
# province (the object), superusers.
rules.add_perm("tasks.apply_transition", secretariat_of)

"""Who may do what with assignments, targets, obstacles, explanation requests, plans and imports: the ``tasks``
permissions, registered with django-rules from the predicates of units/rules.py.

``user.has_perm("tasks.confirm_assignment", assignment)``: views, services, templates and the
admin ask here, nowhere else. Which status an assignment may move to is tasks.workflow's state
machine; who may take each move is a permission below (workflow.TRANSITION_PERMISSIONS).
"""

import rules

from units.models import Unit, User
from units.rules import (
    carried_by_users_province,
    in_users_province,
    is_district_head,
    is_superuser,
    member_of,
    reads_unit,
    secretariat,
    secretariat_of,
    unit_member,
    unit_of,
    without_object,
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
# Planning (documents, tasks, assignments, targets): the secretariat of the province (the object),
# also in the documents and indicators of a province merged into it (DECISIONS "Documents across
# province mergers").
rules.add_perm("tasks.plan", secretariat_of | (secretariat & carried_by_users_province))
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


@rules.predicate
def child_of_users_unit(user, obj) -> bool:
    """The object's unit is directly under the user's (a district's commune)."""
    unit = unit_of(obj)
    return unit is not None and unit.parent_id is not None and unit.parent_id == user.unit_id


@rules.predicate
def asked_by_users_unit(user, request) -> bool:
    return request is not None and request.asked_by_unit_id is not None and request.asked_by_unit_id == user.unit_id


district_head = unit_member & is_district_head

# Explanation requests (yêu cầu giải trình): asked of a unit (the object) by the secretariat of its
# province, or by the head of the district it belongs to (where districts exist); answered by the
# unit itself; closed by the secretariat, or by the district that asked. Asked without an object:
# may the user ask at all (the buttons of the lagging list).
rules.add_perm("tasks.ask_explanation", secretariat_of | (district_head & (without_object | child_of_users_unit)))
rules.add_perm("tasks.answer_explanation", member_of)
rules.add_perm("tasks.close_explanation", secretariat_of | (district_head & asked_by_users_unit))

"""Writes of documents, tasks, assignments, targets and figures, with their history.

Every change is checked here (who may do it, which transition), whatever page or job asks:
views validate input, services decide.
"""

import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from projectsite import audit, clock
from projectsite.text import number
from units.models import Unit, User
from units.trail import audit_record, changes_between, created_changes, field_values

from . import signals, summaries, workflow
from .cycles import cycle_errors
from .loaders import DocumentRow
from .models import (
    MAX_FIGURE,
    Assignment,
    Document,
    Evidence,
    ExplanationRequest,
    ExtensionRequest,
    HistoryEntry,
    Indicator,
    IndicatorReport,
    Obstacle,
    ReportSlot,
    Target,
    Task,
    figure_limit_message,
)
from .slots import CYCLE_FIELDS, slot_errors, slot_open_for_unit, slots_ensure
from .summaries import indicator_totals_add_figure, indicator_totals_rebuild
from .uploads import EvidenceType


def _plain(value):
    """A value as it is kept in history JSON (dates as ISO text, model instances by key)."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def history_changes(before: dict, after: dict) -> dict[str, list]:
    """``{field: [old, new]}`` for the fields whose value differs."""
    return {
        field: [_plain(before.get(field)), _plain(value)]
        for field, value in after.items()
        if _plain(before.get(field)) != _plain(value)
    }


def history_entry_build(
    *,
    obj: Assignment | Target | IndicatorReport | ReportSlot,
    user: User | None,
    action: str,
    changes: dict,
    note: str = "",
    at: datetime.datetime | None = None,
) -> HistoryEntry:
    """An unsaved history entry about ``obj`` (callers save it, or bulk-create many)."""
    entry = HistoryEntry(unit_id=obj.unit_id, user=user, action=action, changes=changes, note=note)
    if at is not None:
        entry.at = at
    if isinstance(obj, Assignment):
        entry.assignment = obj
    elif isinstance(obj, Target):
        entry.target = obj
    elif isinstance(obj, ReportSlot):
        entry.slot = obj
    else:
        entry.report = obj
    return entry


@transaction.atomic
def documents_load(*, rows: Sequence[DocumentRow], province: Unit | None = None) -> int:
    """Create the documents not there yet (by number, within their scope); return how many.

    A document that implements another is ``province``'s own; one that implements nothing (the
    Prime Minister's decision) is national. A number is looked up where the document belongs: the
    province's own documents, and the national ones; another province's 78/KH-UBND is not this one's.
    """
    # The documents implemented are looked up too: a province's plans may come without the
    # national decision they implement, which is already there.
    numbers = [row.number for row in rows] + [row.implements for row in rows if row.implements]
    national = {doc.number: doc for doc in Document.objects.filter(province__isnull=True, number__in=numbers)}
    own = (
        {doc.number: doc for doc in Document.objects.filter(province=province, number__in=numbers)}
        if province is not None
        else national
    )
    created = 0
    for row in rows:  # file order: a document comes after the one it implements
        scope = own if row.implements else national
        if row.number in scope:
            continue
        document = scope[row.number] = Document.objects.create(
            number=row.number,
            kind=row.kind,
            issued_on=row.issued_on,
            issuer=row.issuer,
            title=row.title,
            implements=(own.get(row.implements) or national.get(row.implements)) if row.implements else None,
            province=province if row.implements else None,
        )
        audit_record(
            user=None,
            obj=document,
            action="created",
            unit=document.province_id,
            changes=created_changes(field_values(document, DOCUMENT_FIELDS)),
        )
        created += 1
    return created


# What the trail records of a document, a task and an indicator (the fields their pages change).
DOCUMENT_FIELDS = ["number", "kind", "issued_on", "issuer", "title", "implements"]
TASK_FIELDS = ["ref", "title", "description", "is_recurring", "default_due_date"]
INDICATOR_FIELDS = ["code", "name", "unit_of_measure", "direction", "description", "document", "province"]


def _stored(model, pk, fields: list[str]) -> dict:
    """The values of ``fields`` as stored, before a form's change is saved; {} for a new row."""
    if pk is None:
        return {}
    related = [name for name in fields if model._meta.get_field(name).many_to_one]
    return field_values(model.objects.select_related(*related).get(pk=pk), fields)


def _save_recorded(*, obj, user: User, fields: list[str], unit) -> None:
    """Save ``obj`` as a form left it and record what changed (nothing changed: no entry)."""
    before = _stored(type(obj), obj.pk, fields)
    obj.save()
    after = field_values(obj, fields)
    changes = changes_between(before, after) if before else created_changes(after)
    if changes:
        audit_record(user=user, obj=obj, action="updated" if before else "created", unit=unit, changes=changes)


@transaction.atomic
def document_save(*, document: Document, user: User) -> Document:
    """Save a document as the planning form left it (a new one is the province's own): the
    secretariat of its province; a national document, a superuser. The trail records what changed."""
    if not user.has_perm("tasks.plan", document):
        raise PermissionDenied
    _save_recorded(obj=document, user=user, fields=DOCUMENT_FIELDS, unit=document.province_id)
    return document


@transaction.atomic
def task_save(*, task: Task, user: User) -> Task:
    """Save a task as the planning form left it; who may change its document may change it. The
    trail records what changed: "who moved this task's due date" has an answer."""
    if not user.has_perm("tasks.plan", task.document):
        raise PermissionDenied
    _save_recorded(obj=task, user=user, fields=TASK_FIELDS, unit=task.document.province_id)
    return task


@transaction.atomic
def indicator_save(*, indicator: Indicator, user: User) -> Indicator:
    """Save an indicator of the catalogue as the admin's form left it: the secretariat of its
    province, a superuser for a national one (no province)."""
    if not user.has_perm("tasks.plan", indicator):
        raise PermissionDenied
    _save_recorded(obj=indicator, user=user, fields=INDICATOR_FIELDS, unit=indicator.province_id)
    return indicator


def proportional_split(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights``; the parts are whole and add up to ``total``.

    Largest remainder: every part is rounded down, then the units left over go to the parts
    that lost the most in rounding (ties to the earlier part).
    """
    if total < 0:
        raise ValueError("total must not be negative")
    weight_sum = sum(weights)
    if not weights or weight_sum <= 0 or any(weight < 0 for weight in weights):
        raise ValueError("weights must be non-negative with a positive sum")
    exact = [total * weight / weight_sum for weight in weights]
    parts = [int(value) for value in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def targets_ensure(*, targets: Iterable[Target]) -> int:
    """Create the targets whose (indicator, unit) has none yet; return how many."""
    targets = list(targets)
    if not targets:
        return 0
    indicator_ids = {target.indicator_id for target in targets}
    taken = set(Target.objects.filter(indicator_id__in=indicator_ids).values_list("indicator_id", "unit_id"))
    new = [target for target in targets if (target.indicator_id, target.unit_id) not in taken]
    Target.objects.bulk_create(new, batch_size=1000)
    return len(new)


class AssignmentConflict(Exception):
    """Someone else changed the assignment since the form was opened; nothing was saved."""

    def __init__(self, current: Assignment):
        super().__init__("assignment changed")
        self.current = current


S = Assignment.WorkStatus


@transaction.atomic
def assignment_report(
    *,
    assignment: Assignment,
    user: User,
    version: int,
    work_status: str,
    progress: int,
    note: str = "",
    files: Sequence[tuple[UploadedFile, EvidenceType]] = (),
) -> HistoryEntry:
    """Record a change of work status or progress by ``user``, with a note and evidence files.

    ``version`` is the version the user saw: if the assignment changed since, nothing is saved
    and AssignmentConflict carries the newer values. The update is conditional on the version,
    so two concurrent saves cannot both win.
    """
    if not user.has_perm("units.write_for_unit", assignment):
        raise PermissionDenied
    allowed = workflow.next_statuses(user, assignment)
    if work_status not in allowed:
        raise ValidationError(_("This status change is not allowed."), code="transition")
    # Keeping the current status is always offered (the form's default): only a change of status
    # has the requirements and side effects of that status.
    changing = work_status != assignment.work_status
    if changing and work_status == S.REPORTED and not (note.strip() or files):
        raise ValidationError(_("To report completion, write a note or attach a file."), code="evidence")
    if changing and work_status in workflow.NEEDS_NOTE and not note.strip():
        raise ValidationError(_("Say why in the note."), code="note")
    if not 0 <= progress <= 100:
        raise ValidationError(_("Progress is between 0 and 100%."), code="progress")
    if not changing and progress != assignment.progress and not workflow.reports_progress(user, assignment):
        raise ValidationError(
            _("Only the unit reports its progress: choose a new status or leave the progress as it was."),
            code="progress",
        )

    now = clock.now()
    fields: dict = {"work_status": work_status, "progress": progress, "updated_at": now, "updated_by_id": user.pk}
    if work_status == S.REPORTED:
        fields.update(progress=100, reported_at=now)
    elif work_status == S.CONFIRMED:
        reported = assignment.reported_at or now
        fields.update(progress=100, confirmed_at=now, completed_on=timezone.localdate(reported))
    elif work_status == S.RETURNED:
        fields.update(reported_at=None)
    if not changing:  # keeping the status has none of the side effects of reaching it
        fields = {"work_status": work_status, "progress": progress, "updated_at": now, "updated_by_id": user.pk}
    if not changing and fields["progress"] == assignment.progress and not (note.strip() or files):
        raise ValidationError(_("Nothing has changed."), code="unchanged")

    counted_before = summaries.assignment_status_key(assignment)
    claimed = Assignment.objects.filter(pk=assignment.pk, version=version).update(version=F("version") + 1, **fields)
    if not claimed:
        raise AssignmentConflict(Assignment.objects.select_related("updated_by").get(pk=assignment.pk))

    before = {"work_status": assignment.work_status, "progress": assignment.progress}
    changes = history_changes(before, {"work_status": fields["work_status"], "progress": fields["progress"]})
    if "work_status" in changes:
        action = HistoryEntry.Action.STATUS_CHANGED
    elif "progress" in changes or workflow.reports_progress(user, assignment):
        action = HistoryEntry.Action.PROGRESS
    else:  # the secretariat's note, the status kept
        action = HistoryEntry.Action.UPDATED
    entry = history_entry_build(obj=assignment, user=user, action=action, changes=changes, note=note.strip(), at=now)
    entry.save()
    _evidence_store(assignment=assignment, entry=entry, user=user, files=files)
    assignment.refresh_from_db()
    summaries.status_counts_move(
        province_id=assignment.unit.province_id,
        before=counted_before,
        after=summaries.assignment_status_key(assignment),
    )
    if changing and not user.is_unit_member:
        # The unit hears of every status change it did not make itself; the mail is queued in this transaction,
        # so a rolled-back decision sends nothing (reports, above tasks, receives the signal).
        signals.assignment_status_changed.send(sender=Assignment, assignment=assignment, entry=entry)
    return entry


def _evidence_store(*, assignment, entry, user, files) -> None:
    stored: list[Evidence] = []
    try:
        for upload, kind in files:
            evidence = Evidence(
                assignment=assignment,
                history_entry=entry,
                original_name=upload.name[:255],
                content_type=kind.content_type,
                extension=kind.extension,
                size=upload.size,
                uploaded_by=user,
            )
            evidence.file.save(upload.name, upload, save=False)
            stored.append(evidence)
            evidence.save()
    except BaseException:
        for evidence in stored:  # the transaction rolls back; do not leave files behind
            evidence.file.delete(save=False)
        raise


@transaction.atomic
def extension_request(
    *, assignment: Assignment, user: User, proposed_due_date: datetime.date, reason: str
) -> ExtensionRequest:
    """A unit asks for a later due date. One pending request per assignment."""
    if not user.has_perm("tasks.request_extension", assignment):
        raise PermissionDenied
    if not workflow.extendable(assignment):
        raise ValidationError(_("This assignment cannot be extended."), code="not_extendable")
    if proposed_due_date <= assignment.due_date:
        raise ValidationError(_("The proposed due date must be after the current one."), code="not_later")
    if proposed_due_date <= clock.today():
        raise ValidationError(_("The proposed due date must be in the future."), code="past")
    if not reason.strip():
        raise ValidationError(_("Give the reason for the extension."), code="reason")
    if ExtensionRequest.objects.filter(assignment=assignment, status=ExtensionRequest.Status.PENDING).exists():
        raise ValidationError(_("This assignment already has a pending extension request."), code="pending")
    request = ExtensionRequest.objects.create(
        assignment=assignment,
        current_due_date=assignment.due_date,
        proposed_due_date=proposed_due_date,
        reason=reason.strip(),
        requested_by=user,
    )
    history_entry_build(
        obj=assignment,
        user=user,
        action=HistoryEntry.Action.EXTENSION_REQUESTED,
        changes={"due_date": [assignment.due_date.isoformat(), proposed_due_date.isoformat()]},
        note=request.reason,
    ).save()
    return request


@transaction.atomic
def extension_decide(
    *,
    request: ExtensionRequest,
    user: User,
    approve: bool,
    due_date: datetime.date | None = None,
    note: str = "",
) -> ExtensionRequest:
    """The secretariat approves (with the proposed or another later date) or refuses with a reason.

    Approval moves the assignment's due date and keeps the first one in ``original_due_date``.
    """
    assignment = request.assignment
    if not user.has_perm("tasks.decide_extension", assignment):
        raise PermissionDenied
    due_date = due_date or request.proposed_due_date
    if approve and (assignment.due_date is None or due_date <= assignment.due_date):
        raise ValidationError(_("The new due date must be after the current one."), code="not_later")
    if not approve and not note.strip():
        raise ValidationError(_("Say why the extension is refused."), code="reason")
    status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REJECTED
    claimed = ExtensionRequest.objects.filter(pk=request.pk, status=ExtensionRequest.Status.PENDING).update(
        status=status,
        approved_due_date=due_date if approve else None,
        decision_note=note.strip(),
        decided_by=user,
        decided_at=clock.now(),
    )
    if not claimed:
        raise ValidationError(_("This request has already been decided."), code="decided")
    if approve:
        Assignment.objects.filter(pk=assignment.pk).update(
            due_date=due_date,
            original_due_date=assignment.original_due_date or assignment.due_date,
            version=F("version") + 1,
        )
        summaries.status_counts_move(
            province_id=assignment.unit.province_id,
            before=summaries.assignment_status_key(assignment),
            after=summaries.status_key(
                work_status=assignment.work_status,
                due_date=due_date,
                completed_on=assignment.completed_on,
                unit_active=assignment.unit.is_active,
            ),
        )
        action, changes = (
            HistoryEntry.Action.EXTENDED,
            {"due_date": [assignment.due_date.isoformat(), due_date.isoformat()]},
        )
    else:
        action, changes = HistoryEntry.Action.EXTENSION_REJECTED, {}
    history_entry_build(obj=assignment, user=user, action=action, changes=changes, note=note.strip()).save()
    request.refresh_from_db()
    # The unit hears of the decision, like a confirmation (see assignment_report); once, since
    # only the claim above decides.
    signals.extension_decided.send(sender=ExtensionRequest, request=request, user=user)
    return request


# A figure more than this many times its unit's target is most likely a typing error (a digit too
# many): it is saved only when the user confirms it.
IMPLAUSIBLE_TIMES_TARGET = 10


def figure_errors(
    *,
    target: Target | None,
    as_of: datetime.date,
    value: int,
    note: str = "",
    previous: int | None = None,
    previous_day: datetime.date | None = None,
    confirmed: bool = False,
) -> dict[str, str]:
    """The rules a figure must meet, as ``{field: message}``; the form's service and the import both ask here.

    ``previous`` is the unit's figure before ``as_of`` (on ``previous_day``), if any. No query: the
    import checks thousands of rows with the figures it read at once. The key "confirmed" means the
    value is more than ``IMPLAUSIBLE_TIMES_TARGET`` times the target and was not confirmed (not
    checked when ``target`` is None: the import checks a row's own bounds before it knows its unit).
    """
    errors = {}
    if value < 0:
        errors["value"] = _("The value cannot be negative.")
    elif value > MAX_FIGURE:
        errors["value"] = figure_limit_message()
    if as_of > clock.today():
        errors["as_of"] = _("The date cannot be in the future.")
    if errors:
        return errors
    if previous is not None and value < previous and not note.strip():
        errors["note"] = _(
            "The value is lower than the previous one (%(value)s on %(day)s): explain why in the note."
        ) % {"value": number(previous), "day": previous_day.strftime("%d/%m/%Y") if previous_day else "—"}
    elif not confirmed and target is not None and target.value > 0 and value > IMPLAUSIBLE_TIMES_TARGET * target.value:
        errors["confirmed"] = _(
            "%(value)s is more than %(times)s times the target (%(target)s): check it. If it is right, "
            "tick the box and save again."
        ) % {"value": number(value), "times": IMPLAUSIBLE_TIMES_TARGET, "target": number(target.value)}
    return errors


@transaction.atomic
def figure_report(
    *, target: Target, user: User, as_of: datetime.date, value: int, note: str = "", confirmed: bool = False
) -> tuple[IndicatorReport, list[str]]:
    """Record a unit's cumulative value as of a date; return it and warnings for the user.

    A second report for the same date replaces the value (the history keeps the old one). A value
    more than ten times the target is refused unless ``confirmed`` (see ``figure_errors``).
    """
    if not user.has_perm("tasks.report_figure", target):
        raise PermissionDenied
    previous = (
        IndicatorReport.objects.filter(indicator_id=target.indicator_id, unit_id=target.unit_id, as_of__lt=as_of)
        .order_by("-as_of")
        .first()
    )
    errors = figure_errors(
        target=target,
        as_of=as_of,
        value=value,
        note=note,
        previous=previous.value if previous else None,
        previous_day=previous.as_of if previous else None,
        confirmed=confirmed,
    )
    if errors:
        raise ValidationError(errors)

    report, created = IndicatorReport.objects.get_or_create(
        indicator_id=target.indicator_id,
        unit_id=target.unit_id,
        as_of=as_of,
        defaults={"value": value, "note": note.strip(), "reported_by": user},
    )
    old_value = None if created else report.value
    if not created and (report.value, report.note) == (value, note.strip()):
        return report, [_("This figure was already saved; nothing has changed.")]  # and no history row
    if not created:
        report.value, report.note, report.reported_by, report.reported_at = value, note.strip(), user, clock.now()
        report.save()
    had = (previous.value if previous else 0) if created else old_value
    indicator_totals_add_figure(target=target, as_of=as_of, value=value, had=had)
    history_entry_build(
        obj=report,
        user=user,
        action=HistoryEntry.Action.REPORTED,
        changes={"value": [old_value, value], "as_of": [None if created else as_of.isoformat(), as_of.isoformat()]},
        note=note.strip(),
    ).save()
    warnings = []
    if value > target.value:
        warnings.append(
            _("The value is above the target (%(target)s). It was saved; check that it is right.")
            % {"target": number(target.value)}
        )
    return report, warnings


def obstacle_raise(*, user: User, category: str, text: str, assignment: Assignment | None = None) -> Obstacle:
    """A unit raises an obstacle, about one of its assignments or the programme in general."""
    unit = assignment.unit if assignment else user.unit
    if unit is None or not user.has_perm("tasks.raise_obstacle", unit):
        raise PermissionDenied
    if not text.strip():
        raise ValidationError({"text": _("Describe the obstacle.")})
    obstacle = Obstacle.objects.create(
        unit=unit, assignment=assignment, category=category, text=text.strip(), raised_by=user
    )
    audit_record(
        user=user,
        obj=obstacle,
        action="raised",
        unit=unit,
        changes=created_changes(field_values(obstacle, ["category", "assignment", "status"])),
        note=obstacle.text,
        log_fields={},
    )
    return obstacle


@transaction.atomic
def obstacle_answer(*, obstacle: Obstacle, user: User, answer: str) -> Obstacle:
    if not user.has_perm("tasks.answer_obstacle", obstacle):
        raise PermissionDenied
    if obstacle.status == Obstacle.Status.ANSWERED and obstacle.answer == answer.strip():
        return obstacle  # the same answer again (a double click): nothing new to record or mail
    if obstacle.status == Obstacle.Status.CLOSED:
        raise ValidationError(_("This obstacle is closed."), code="closed")
    if not answer.strip():
        raise ValidationError({"answer": _("Write the answer.")})
    before = {"status": obstacle.status, "answer": obstacle.answer}
    changes = changes_between(before, {"status": Obstacle.Status.ANSWERED, "answer": answer.strip()})
    obstacle.answer, obstacle.answered_by, obstacle.answered_at = answer.strip(), user, clock.now()
    obstacle.status = Obstacle.Status.ANSWERED
    obstacle.save(update_fields=["answer", "answered_by", "answered_at", "status"])
    audit_record(user=user, obj=obstacle, action="answered", unit=obstacle.unit_id, changes=changes, log_fields={})
    signals.obstacle_decided.send(sender=Obstacle, obstacle=obstacle, user=user)  # mailed, as a confirmation
    return obstacle


@transaction.atomic
def obstacle_forward(*, obstacle: Obstacle, user: User, agency: Unit) -> Obstacle:
    """The secretariat hands an obstacle to the provincial agency that can solve it."""
    if not user.has_perm("tasks.forward_obstacle", obstacle):
        raise PermissionDenied
    if agency.level != Unit.Level.AGENCY or agency.province_id != obstacle.unit.province_id:
        raise ValidationError({"agency": _("Choose a provincial agency of the province.")})
    if obstacle.status == Obstacle.Status.CLOSED:
        raise ValidationError(_("This obstacle is closed."), code="closed")
    changes = changes_between(field_values(obstacle, ["forwarded_to"]), {"forwarded_to": agency})
    obstacle.forwarded_to = agency
    obstacle.save(update_fields=["forwarded_to"])
    audit_record(
        user=user,
        obj=obstacle,
        action="forwarded",
        unit=obstacle.unit_id,
        changes=changes,
        log_fields={"to": agency.code},
    )
    return obstacle


@transaction.atomic
def obstacle_close(*, obstacle: Obstacle, user: User) -> Obstacle:
    if obstacle.status == Obstacle.Status.CLOSED:  # closed once: a second close would mail again
        raise ValidationError(_("This obstacle is closed."), code="closed")
    if not user.has_perm("tasks.close_obstacle", obstacle):
        raise PermissionDenied
    changes = {"status": [obstacle.status, Obstacle.Status.CLOSED.value]}
    obstacle.status, obstacle.closed_at = Obstacle.Status.CLOSED, clock.now()
    obstacle.save(update_fields=["status", "closed_at"])
    audit_record(user=user, obj=obstacle, action="closed", unit=obstacle.unit_id, changes=changes, log_fields={})
    signals.obstacle_decided.send(sender=Obstacle, obstacle=obstacle, user=user)  # mailed, as a confirmation
    return obstacle


@transaction.atomic
def assignments_create(
    *, task, units: Sequence[Unit], user: User, province: Unit, role: str, due_date: datetime.date | None
) -> list[Assignment]:
    """Assign ``task`` to every unit of ``units`` in one step; all or nothing.

    Refused, naming the units, when one is not an active unit of the province or already
    has the task: the secretariat fixes the selection and sends it again.
    """
    if not user.has_perm("tasks.plan", province):
        raise PermissionDenied
    if not units:
        raise ValidationError(_("Choose at least one unit."), code="empty")
    if errors := assignment_terms_errors(task=task, due_date=due_date):
        raise ValidationError(errors)
    foreign = [u.name for u in units if u.province_id != province.pk or not u.is_active or u.pk == province.pk]
    if foreign:
        raise ValidationError(
            _("Not units of the province that can receive tasks: %(names)s.") % {"names": ", ".join(foreign)},
            code="foreign",
        )
    taken = set(Assignment.objects.filter(task=task, unit__in=units).values_list("unit__name", flat=True))
    if taken:
        raise ValidationError(
            _("Already assigned this task: %(names)s.") % {"names": ", ".join(sorted(taken))}, code="duplicate"
        )
    now = clock.now()
    assignments = Assignment.objects.bulk_create(
        [Assignment(task=task, unit=unit, role=role, due_date=due_date) for unit in units], batch_size=1000
    )
    history = HistoryEntry.objects.bulk_create(
        [
            history_entry_build(
                obj=a,
                user=user,
                action=HistoryEntry.Action.CREATED,
                changes={"due_date": [None, due_date.isoformat() if due_date else None], "role": [None, role]},
                at=now,
            )
            for a in assignments
        ],
        batch_size=1000,
    )
    audit.history_recorded(history)
    # A recurring task with a reporting cycle: the current period's report exists at once.
    slots_ensure(assignments=assignments)
    summaries.status_counts_add(assignments, province_id=province.pk)
    return assignments


def assignment_terms_errors(*, task, due_date: datetime.date | None, current: Assignment | None = None) -> list:
    """What is wrong with giving ``task`` with ``due_date`` (to a new assignment, or to ``current``).

    No query: ``assignments_create``, the admin's form and the import (thousands of rows) ask here.
    """
    if current is not None and current.original_due_date is not None and due_date is None:
        return [
            ValidationError(
                _("The due date of this assignment was extended (first %(day)s): it cannot be removed.")
                % {"day": current.original_due_date.strftime("%d/%m/%Y")},
                code="extended",
            )
        ]
    if task.is_recurring and due_date is not None:
        return [ValidationError(_("A recurring task has no due date."), code="recurring")]
    if not task.is_recurring and due_date is None:
        return [ValidationError(_("Give the due date."), code="due_date")]
    return []


@transaction.atomic
def targets_set(
    *,
    indicator,
    values: dict[Unit, int],
    user: User,
    province: Unit,
    start_date,
    due_date,
    source_document=None,
    keep_period: bool = False,
) -> int:
    """Set the targets of ``indicator`` for several units at once; return how many changed.

    New targets are created, changed ones updated; each change is in the history. With
    ``keep_period`` (the user did not touch the period) existing targets keep their own period
    and source: only a new value changes them.
    """
    if not user.has_perm("tasks.plan", province):
        raise PermissionDenied
    if due_date <= start_date:
        raise ValidationError(_("The due date must come after the start date."), code="period")
    negative = [unit.name for unit, value in values.items() if value is None or value < 0]
    if negative:
        raise ValidationError(
            _("Targets must be whole numbers, 0 or more: %(names)s.") % {"names": ", ".join(negative)}
        )
    too_large = [unit.name for unit, value in values.items() if value > MAX_FIGURE]
    if too_large:
        raise ValidationError(f"{figure_limit_message()} ({', '.join(too_large)})", code="too_large")
    foreign = [unit.name for unit in values if unit.province_id != province.pk]
    if foreign:
        raise ValidationError(_("Not units of the province: %(names)s.") % {"names": ", ".join(foreign)})
    existing = {t.unit_id: t for t in Target.objects.filter(indicator=indicator, unit__in=list(values))}
    changed = 0
    for unit, value in values.items():
        fields = {"value": value, "start_date": start_date, "due_date": due_date, "source_document": source_document}
        target = existing.get(unit.pk)
        if target is None:
            target = Target.objects.create(indicator=indicator, unit=unit, **fields)
            changes, action = history_changes({}, fields), HistoryEntry.Action.CREATED
        else:
            if keep_period:
                fields = {"value": value}
            before = {name: getattr(target, name) for name in fields}
            changes = history_changes(before, fields)
            if not changes:
                continue
            for name, new in fields.items():
                setattr(target, name, new)
            target.version += 1
            target.updated_at = clock.now()
            target.illustrative = False
            target.save()
            action = HistoryEntry.Action.UPDATED
        history_entry_build(obj=target, user=user, action=action, changes=changes).save()
        changed += 1
    if any(unit.pk not in existing for unit in values):
        # New targets can change which units' figures make the province's total.
        indicator_totals_rebuild(province_id=province.pk, indicator_ids=[indicator.pk])
    return changed


# How far ahead an explanation may be asked for: a request is about lagging now, not next year.
EXPLANATION_MAX_DAYS = 90


class ExplanationConflict(Exception):
    """Someone else answered or closed the request since the form was opened; nothing was saved."""

    def __init__(self, current: ExplanationRequest):
        super().__init__("explanation request changed")
        self.current = current


def explanation_due_errors(due_date: datetime.date) -> list[str]:
    """The bounds of the date to explain by: from today to ``EXPLANATION_MAX_DAYS`` days ahead (the
    form and the service ask here)."""
    today = clock.today()
    if due_date < today:
        return [_("The date to explain by cannot be in the past.")]
    if due_date > today + datetime.timedelta(days=EXPLANATION_MAX_DAYS):
        return [
            _("The date to explain by is at most %(days)s days from today (%(day)s).")
            % {
                "days": EXPLANATION_MAX_DAYS,
                "day": (today + datetime.timedelta(days=EXPLANATION_MAX_DAYS)).strftime("%d/%m/%Y"),
            }
        ]
    return []


@transaction.atomic
def explanation_ask(
    *,
    unit: Unit,
    user: User,
    reason: str,
    due_date: datetime.date,
    assignment: Assignment | None = None,
    target: Target | None = None,
) -> ExplanationRequest:
    """The secretariat (any unit of its province) or a district head (its communes) asks ``unit`` to
    explain by ``due_date``, about one of its assignments, one of its targets or its work in general.

    One open request per unit and subject (a database constraint): asking again about the same
    thing while the first waits is refused. The unit's head and contact addresses are mailed.
    """
    if not user.has_perm("tasks.ask_explanation", unit):
        raise PermissionDenied
    if unit.level == Unit.Level.PROVINCE or unit.kind == Unit.Kind.STANDING_BODY:
        raise ValidationError(_("The province and its standing body are not asked to explain."), code="unit")
    if not unit.is_active:
        raise ValidationError(_("This unit has ended: it can no longer be asked to explain."), code="ended")
    errors: dict[str, list[str]] = {}
    if assignment is not None and target is not None:
        errors["__all__"] = [_("Choose an assignment or a target, not both.")]
    if assignment is not None and assignment.unit_id != unit.pk:
        errors["assignment"] = [_("Choose one of the unit's own assignments.")]
    if target is not None and target.unit_id != unit.pk:
        errors["target"] = [_("Choose one of the unit's own targets.")]
    if not reason.strip():
        errors["reason"] = [_("Say what the unit must explain.")]
    if due_errors := explanation_due_errors(due_date):
        errors["due_date"] = due_errors
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():  # a savepoint: the refusal below leaves the outer transaction usable
            request = ExplanationRequest.objects.create(
                unit=unit,
                assignment=assignment,
                target=target,
                reason=reason.strip(),
                due_date=due_date,
                asked_by=user,
                asked_by_unit_id=user.unit_id,
            )
    except IntegrityError:
        raise ValidationError(
            _("This unit already has an open explanation request about this: wait for its answer or close it."),
            code="duplicate",
        ) from None
    audit_record(
        user=user,
        obj=request,
        action="asked",
        unit=unit,
        changes=created_changes(field_values(request, ["assignment", "target", "reason", "due_date"])),
        log_action="explanation.asked",
        log_fields={"due": due_date.isoformat()},
    )
    signals.explanation_changed.send(sender=ExplanationRequest, request=request, event="asked", user=user)
    return request


def _explanation_claim(request: ExplanationRequest, version: int, **fields) -> ExplanationRequest:
    """The conditional update every change of a request makes: on the version the user saw, and
    never on a closed request. The loser gets ExplanationConflict with the current request."""
    claimed = (
        ExplanationRequest.objects.filter(pk=request.pk, version=version)
        .exclude(status=ExplanationRequest.Status.CLOSED)
        .update(version=F("version") + 1, **fields)
    )
    current = ExplanationRequest.objects.select_related("answered_by", "closed_by").get(pk=request.pk)
    if not claimed:
        raise ExplanationConflict(current)
    return current


def _explanation_changed(
    before: ExplanationRequest, current: ExplanationRequest, *, user: User, event: str, fields: list[str]
) -> ExplanationRequest:
    """What every change of a request does after it is saved: the audit trail (its log line as
    before, ``explanation.<event>``) and the signal the mails answer."""
    audit_record(
        user=user,
        obj=current,
        action=event,
        unit=current.unit_id,
        changes=changes_between(field_values(before, fields), field_values(current, fields)),
        log_action=f"explanation.{event}",
        log_fields={},
    )
    signals.explanation_changed.send(sender=ExplanationRequest, request=current, event=event, user=user)
    return current


@transaction.atomic
def explanation_answer(*, request: ExplanationRequest, user: User, version: int, answer: str) -> ExplanationRequest:
    """The unit explains (or corrects its explanation while the request is not closed).

    ``version`` is the version the user saw: if the request was answered by someone else or closed
    since, nothing is saved and ExplanationConflict carries the current request. The one who asked
    is mailed; the same explanation sent again (a double click) changes and mails nothing.
    """
    if not user.has_perm("tasks.answer_explanation", request):
        raise PermissionDenied
    if request.status == ExplanationRequest.Status.CLOSED:
        raise ValidationError(_("This explanation request is closed."), code="closed")
    if not answer.strip():
        raise ValidationError({"answer": [_("Write the explanation.")]})
    if request.status == ExplanationRequest.Status.ANSWERED and request.answer == answer.strip():
        return request
    current = _explanation_claim(
        request,
        version,
        answer=answer.strip(),
        answered_by=user,
        answered_at=clock.now(),
        status=ExplanationRequest.Status.ANSWERED,
    )
    return _explanation_changed(request, current, user=user, event="answered", fields=["status", "answer"])


@transaction.atomic
def explanation_close(*, request: ExplanationRequest, user: User, version: int, note: str = "") -> ExplanationRequest:
    """The secretariat (or the district that asked) closes a request: explained, or withdrawn, which
    needs a note. Closed once (a conditional update on the version the user saw); the unit is mailed."""
    if not user.has_perm("tasks.close_explanation", request):
        raise PermissionDenied
    if request.status == ExplanationRequest.Status.CLOSED:
        raise ValidationError(_("This explanation request is closed."), code="closed")
    if request.status == ExplanationRequest.Status.OPEN and not note.strip():
        raise ValidationError({"note": [_("The unit has not explained yet: say why the request is closed.")]})
    current = _explanation_claim(
        request,
        version,
        status=ExplanationRequest.Status.CLOSED,
        closed_by=user,
        closed_at=clock.now(),
        close_note=note.strip(),
    )
    return _explanation_changed(request, current, user=user, event="closed", fields=["status", "close_note"])


# Periodic reports (tasks.slots) ---------------------------------------------------------


@transaction.atomic
def cycle_changed(*, obj: Task | Indicator, user: User, before: dict) -> int:
    """After a task's or an indicator's cycle was saved (``before``: its old ``report_period``,
    ``due_rule``, ``due_day``; empty for a new one): date the change, give the reports not yet
    submitted and not yet due the new rule's due date when the period is the same and that date is
    not past, and create the reports the new cycle owes now. Returns how many reports were created.

    The cycle's rules were checked with the form (``tasks.cycles.cycle_errors``, again here)."""
    before = {name: before.get(name, None if name == "due_day" else "") for name in CYCLE_FIELDS}
    if {name: getattr(obj, name) for name in CYCLE_FIELDS} == before:
        return 0  # the cycle was not touched: nothing to date or open
    if not user.has_perm("tasks.plan", obj.document if isinstance(obj, Task) else obj):
        raise PermissionDenied
    today = clock.today()
    errors = cycle_errors(
        period=obj.report_period,
        rule=obj.due_rule,
        day=obj.due_day,
        is_recurring=obj.is_recurring if isinstance(obj, Task) else True,
    )
    if errors:
        raise ValidationError(errors)
    type(obj).objects.filter(pk=obj.pk).update(cycle_since=today)
    obj.cycle_since = today
    cycle = obj.cycle
    field = "assignment__task" if isinstance(obj, Task) else "target__indicator"
    if cycle is not None and cycle.period == before["report_period"]:
        waiting = ReportSlot.objects.filter(**{field: obj}, submitted_at__isnull=True, due_date__gte=today)
        for start in waiting.values_list("period_start", flat=True).distinct().order_by():
            if (due := cycle.due(start)) >= today:
                waiting.filter(period_start=start).update(due_date=due, version=F("version") + 1)
    if cycle is None:
        return 0
    if isinstance(obj, Task):
        return slots_ensure(today=today, tasks=[obj])
    return slots_ensure(today=today, indicators=[obj])


class SlotConflict(Exception):
    """Someone else changed the report since the form was opened; nothing was saved."""

    def __init__(self, current: ReportSlot):
        super().__init__("slot changed")
        self.current = current


@transaction.atomic
def slot_report(
    *,
    slot: ReportSlot,
    user: User,
    version: int,
    outcome: str = "",
    note: str = "",
    figures: dict[Target, int] | None = None,
    files: Sequence[tuple[UploadedFile, EvidenceType]] = (),
    confirmed: bool = False,
) -> HistoryEntry:
    """The unit submits (or corrects) its report of a period: the result (a task's report), the
    figures of its targets (``tasks.services.figure_report``, dated at the period's end or today if
    earlier), a note and evidence files (a task's report).

    The first submission stamps the report received, on time when its day is on or before the due
    date; a correction later keeps that stamp (and is in the history). ``version`` is the version
    the user saw: if the report changed since, nothing is saved and ``SlotConflict`` carries it.
    """
    if not user.has_perm("tasks.submit_report", slot):
        raise PermissionDenied
    if not slot_open_for_unit(slot):
        raise ValidationError(_("This periodic report can no longer be submitted."), code="closed")
    today = clock.today()
    if slot.period_start > today:
        raise ValidationError(_("This period has not started yet."), code="future")
    figures = figures or {}
    outcome = outcome if slot.assignment_id is not None else ""
    if errors := slot_errors(slot=slot, outcome=outcome, note=note, figures={t.pk: v for t, v in figures.items()}):
        raise ValidationError(errors)
    if files and slot.assignment_id is None:
        raise ValidationError(_("Files are attached to a task's report only."), code="files")
    submitted = slot.submitted_at is not None
    if submitted and outcome == slot.outcome and note.strip() == slot.note and not files and not figures:
        raise ValidationError(_("Nothing has changed."), code="unchanged")

    now = clock.now()
    fields = {"outcome": outcome, "note": note.strip(), "updated_at": now}
    if not submitted:
        fields.update(submitted_at=now, submitted_on=timezone.localdate(now), submitted_by_id=user.pk)
    claimed = ReportSlot.objects.filter(pk=slot.pk, version=version).update(version=F("version") + 1, **fields)
    if not claimed:
        raise SlotConflict(ReportSlot.objects.select_related("submitted_by").get(pk=slot.pk))

    changes = {}
    if outcome != slot.outcome:
        changes["outcome"] = [slot.outcome or None, outcome]
    as_of = min(today, slot.period_end)
    for target, value in figures.items():
        if target.unit_id != slot.unit_id:
            raise PermissionDenied
        try:
            figure_report(target=target, user=user, as_of=as_of, value=value, note=note, confirmed=confirmed)
        except ValidationError as error:
            # On the report's form: the target's figure field, or the box confirming an implausible value.
            field = "confirmed" if "confirmed" in getattr(error, "error_dict", {}) else f"figure_{target.pk}"
            raise ValidationError({field: error.messages}) from error
        changes[f"figure:{target.indicator.code}"] = [None, value]
    action = HistoryEntry.Action.SLOT_CORRECTED if submitted else HistoryEntry.Action.SLOT_REPORTED
    entry = history_entry_build(obj=slot, user=user, action=action, changes=changes, note=note.strip(), at=now)
    entry.save()
    if files:
        _evidence_store(assignment=slot.assignment, entry=entry, user=user, files=files)
    slot.refresh_from_db()
    return entry

"""The rules behind every change: transitions, conflicts, extensions, figures."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tasks import services
from tasks.models import Assignment, Evidence, ExtensionRequest, HistoryEntry, Indicator, IndicatorReport, Target
from tasks.uploads import PDF
from tests.conftest import TODAY
from tests.factories import make_assignment, make_task

S = Assignment.WorkStatus


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def assignment(tree):
    return make_assignment(tree.commune, make_task(), due_date=TODAY + datetime.timedelta(days=5))


def report(assignment, user, **fields):
    fields.setdefault("version", assignment.version)
    fields.setdefault("progress", assignment.progress)
    return services.assignment_report(assignment=assignment, user=user, **fields)


def test_a_unit_moves_its_assignment_forward_and_the_history_says_so(tree, assignment):
    report(assignment, tree.head_commune, work_status=S.IN_PROGRESS, progress=40, note="Đang làm")
    report(assignment, tree.head_commune, work_status=S.REPORTED, note="Xong")
    assignment.refresh_from_db()
    assert (assignment.work_status, assignment.progress, assignment.version) == (S.REPORTED, 100, 3)
    assert assignment.reported_at is not None and assignment.completed_on is None
    actions = list(HistoryEntry.objects.filter(assignment=assignment).order_by("pk").values_list("changes", flat=True))
    assert actions == [
        {"work_status": ["not_started", "in_progress"], "progress": [0, 40]},
        {"work_status": ["in_progress", "reported"], "progress": [40, 100]},
    ]


def test_only_the_secretariat_confirms_and_the_completion_date_is_the_report_date(tree, assignment):
    report(assignment, tree.head_commune, work_status=S.REPORTED, note="Xong")
    assignment.refresh_from_db()
    with pytest.raises(ValidationError):  # a reported assignment is in the secretariat's hands
        report(assignment, tree.head_commune, work_status=S.CONFIRMED)
    report(assignment, tree.secretariat, work_status=S.CONFIRMED)
    assignment.refresh_from_db()
    assert assignment.work_status == S.CONFIRMED
    assert assignment.completed_on == timezone.localdate(assignment.reported_at)
    assert assignment.confirmed_at is not None


def test_sending_back_needs_a_reason_and_reopens_the_assignment(tree, assignment):
    report(assignment, tree.head_commune, work_status=S.REPORTED, note="Xong")
    assignment.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        report(assignment, tree.secretariat, work_status=S.RETURNED)
    assert error.value.code == "note"
    report(assignment, tree.secretariat, work_status=S.RETURNED, note="Thiếu danh sách")
    assignment.refresh_from_db()
    assert assignment.work_status == S.RETURNED and assignment.reported_at is None
    report(assignment, tree.head_commune, work_status=S.IN_PROGRESS, progress=90)


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (S.NOT_STARTED, S.CONFIRMED),
        (S.IN_PROGRESS, S.NOT_STARTED),
        (S.REPORTED, S.IN_PROGRESS),
        (S.CONFIRMED, S.IN_PROGRESS),
    ],
)
def test_a_unit_cannot_make_a_transition_outside_the_workflow(tree, start, target):
    assignment = make_assignment(
        tree.commune, due_date=TODAY, work_status=start, completed_on=TODAY if start == S.CONFIRMED else None
    )
    with pytest.raises((ValidationError, PermissionDenied)):
        report(assignment, tree.head_commune, work_status=target, note="x")
    assignment.refresh_from_db()
    assert assignment.work_status == start and assignment.version == 1


def test_reporting_completion_needs_a_note_or_a_file(tree, assignment):
    with pytest.raises(ValidationError):
        report(assignment, tree.head_commune, work_status=S.REPORTED)
    report(
        assignment,
        tree.head_commune,
        work_status=S.REPORTED,
        files=[(SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"), PDF)],
    )
    assert Evidence.objects.filter(assignment=assignment).count() == 1


def test_the_second_of_two_edits_from_the_same_version_is_refused_with_the_newer_values(tree, assignment):
    seen = Assignment.objects.get(pk=assignment.pk)  # both open the form at version 1
    report(seen, tree.head_commune, work_status=S.IN_PROGRESS, progress=50, note="Người thứ nhất")
    with pytest.raises(services.AssignmentConflict) as conflict:
        report(
            seen,
            tree.head_commune,
            version=1,
            work_status=S.IN_PROGRESS,
            progress=20,
            note="Người thứ hai",
            files=[(SimpleUploadedFile("b.pdf", b"%PDF-1.4 y"), PDF)],
        )
    assert (conflict.value.current.progress, conflict.value.current.version) == (50, 2)
    assert conflict.value.current.updated_by == tree.head_commune
    assignment.refresh_from_db()
    assert assignment.progress == 50
    assert not HistoryEntry.objects.filter(note="Người thứ hai").exists()
    assert not Evidence.objects.exists()


def test_an_extension_request_and_its_approval_move_the_due_date_and_keep_the_first(tree, assignment):
    due = assignment.due_date
    request = services.extension_request(
        assignment=assignment,
        user=tree.head_commune,
        proposed_due_date=due + datetime.timedelta(days=10),
        reason="Chờ thiết bị",
    )
    assert request.status == ExtensionRequest.Status.PENDING
    with pytest.raises(PermissionDenied):
        services.extension_decide(request=request, user=tree.head_district, approve=True)
    services.extension_decide(request=request, user=tree.secretariat, approve=True)
    assignment.refresh_from_db()
    assert assignment.due_date == due + datetime.timedelta(days=10)
    assert assignment.original_due_date == due
    assert assignment.was_extended
    with pytest.raises(ValidationError):  # decided once, not twice
        services.extension_decide(request=request, user=tree.secretariat, approve=False, note="x")
    actions = set(HistoryEntry.objects.filter(assignment=assignment).values_list("action", flat=True))
    assert actions == {"extension_requested", "extended"}


def test_a_second_extension_keeps_the_very_first_due_date(tree, assignment):
    first_due = assignment.due_date
    for days in (10, 20):
        request = services.extension_request(
            assignment=assignment,
            user=tree.head_commune,
            proposed_due_date=first_due + datetime.timedelta(days=days),
            reason="Lý do",
        )
        services.extension_decide(request=request, user=tree.secretariat, approve=True)
        assignment.refresh_from_db()
    assert assignment.original_due_date == first_due
    assert assignment.due_date == first_due + datetime.timedelta(days=20)


@pytest.mark.parametrize(
    ("proposed", "code"),
    [(0, "not_later"), (-10, "not_later")],
)
def test_an_extension_must_move_the_date_later(tree, assignment, proposed, code):
    with pytest.raises(ValidationError) as error:
        services.extension_request(
            assignment=assignment,
            user=tree.head_commune,
            proposed_due_date=assignment.due_date + datetime.timedelta(days=proposed),
            reason="x",
        )
    assert error.value.code == code
    assert not ExtensionRequest.objects.exists()


def test_only_one_extension_request_waits_at_a_time(tree, assignment):
    later = assignment.due_date + datetime.timedelta(days=3)
    services.extension_request(assignment=assignment, user=tree.head_commune, proposed_due_date=later, reason="x")
    with pytest.raises(ValidationError):
        services.extension_request(assignment=assignment, user=tree.head_commune, proposed_due_date=later, reason="y")


def test_a_recurring_assignment_cannot_be_extended(tree):
    assignment = make_assignment(tree.commune, make_task(is_recurring=True), due_date=None)
    with pytest.raises(ValidationError):
        services.extension_request(
            assignment=assignment,
            user=tree.head_commune,
            proposed_due_date=TODAY + datetime.timedelta(days=9),
            reason="x",
        )


def test_a_refusal_needs_a_reason_and_leaves_the_due_date(tree, assignment):
    due = assignment.due_date
    request = services.extension_request(
        assignment=assignment, user=tree.head_commune, proposed_due_date=due + datetime.timedelta(days=3), reason="x"
    )
    with pytest.raises(ValidationError):
        services.extension_decide(request=request, user=tree.secretariat, approve=False)
    services.extension_decide(request=request, user=tree.secretariat, approve=False, note="Không có căn cứ")
    assignment.refresh_from_db()
    assert assignment.due_date == due and assignment.original_due_date is None


@pytest.fixture
def target(tree):
    indicator = Indicator.objects.create(code="DDDT", name="Kích hoạt", unit_of_measure="tk")
    return Target.objects.create(
        indicator=indicator,
        unit=tree.commune,
        value=1000,
        start_date=datetime.date(2023, 1, 1),
        due_date=datetime.date(2023, 6, 30),
    )


def figure(tree, target, day, value, note=""):
    return services.figure_report(target=target, user=tree.head_commune, as_of=day, value=value, note=note)


def test_a_lower_figure_than_the_previous_needs_a_reason(tree, target):
    figure(tree, target, datetime.date(2023, 6, 10), 500)
    with pytest.raises(ValidationError) as error:
        figure(tree, target, datetime.date(2023, 6, 12), 450)
    assert "note" in error.value.message_dict and "500" in error.value.message_dict["note"][0]
    figure(tree, target, datetime.date(2023, 6, 12), 450, note="Rà soát trùng lặp")
    assert IndicatorReport.objects.count() == 2


def test_a_figure_above_target_is_kept_with_a_warning(tree, target):
    report, warnings = figure(tree, target, TODAY, 1200)
    assert report.value == 1200 and len(warnings) == 1 and "1.000" in warnings[0]


@pytest.mark.parametrize(
    ("day", "value", "field"), [(TODAY + datetime.timedelta(days=1), 10, "as_of"), (TODAY, -1, "value")]
)
def test_a_future_date_or_a_negative_value_is_refused(tree, target, day, value, field):
    with pytest.raises(ValidationError) as error:
        figure(tree, target, day, value)
    assert field in error.value.message_dict
    assert not IndicatorReport.objects.exists()


def test_a_second_figure_for_the_same_date_replaces_it_and_the_history_keeps_the_old(tree, target):
    figure(tree, target, TODAY, 300)
    figure(tree, target, TODAY, 350)
    assert IndicatorReport.objects.get().value == 350
    changes = list(HistoryEntry.objects.order_by("pk").values_list("changes", flat=True))
    assert changes[-1]["value"] == [300, 350]


def test_another_units_head_cannot_report_figures(tree, target):
    with pytest.raises(PermissionDenied):
        services.figure_report(target=target, user=tree.head_district, as_of=TODAY, value=1)

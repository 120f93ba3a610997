"""Periodic reports (ReportSlot): created per period and unit, idempotent, submitted by the unit."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks import services
from tasks.models import Assignment, Evidence, HistoryEntry, Indicator, IndicatorReport, ReportSlot, Target
from tasks.slots import slots_ensure
from tasks.uploads import PDF
from tests.factories import (
    bulk_assignments,
    bulk_communes,
    make_assignment,
    make_document,
    make_eid_targets,
    make_task,
)

D = datetime.date
JUNE_FIRST = D(2023, 6, 1)


def monthly_task(document=None, **fields):
    fields = {
        "report_period": "monthly",
        "due_rule": "day_of_period",
        "due_day": 20,
        "cycle_since": D(2023, 1, 1),
        **fields,
    }
    return make_task(document, is_recurring=True, **fields)


def assigned_on(day, units, task):
    """Assignments made on ``day`` (created_at is what the first period is counted from)."""
    rows = bulk_assignments(units, task)
    moment = datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)
    Assignment.objects.filter(pk__in=[a.pk for a in rows]).update(created_at=moment)
    return rows


@pytest.mark.django_db
def test_a_monthly_task_for_460_communes_opens_460_reports_a_month_and_a_second_run_none(tree):
    communes = bulk_communes(tree.area, 460)
    task = monthly_task()
    assigned_on(D(2023, 5, 25), communes, task)  # after May's due day: the first report is June's

    assert slots_ensure(today=D(2023, 6, 1)) == 460
    assert slots_ensure(today=D(2023, 6, 1)) == 0
    assert slots_ensure(today=D(2023, 6, 30)) == 0
    june = ReportSlot.objects.filter(period_start=D(2023, 6, 1))
    assert june.count() == 460
    assert set(june.values_list("due_date", "period_end")) == {(D(2023, 6, 20), D(2023, 6, 30))}

    assert slots_ensure(today=D(2023, 7, 1)) == 460
    assert ReportSlot.objects.count() == 920
    assert slots_ensure(today=D(2023, 7, 2)) == 0


@pytest.mark.django_db
def test_a_missed_night_is_caught_up_and_each_period_is_created_once(tree):
    task = monthly_task()
    assigned_on(D(2023, 3, 1), [tree.commune], task)
    assert slots_ensure(today=D(2023, 6, 5)) == 4  # March to June: the job did not run for months
    starts = list(ReportSlot.objects.order_by("period_start").values_list("period_start", flat=True))
    assert starts == [D(2023, 3, 1), D(2023, 4, 1), D(2023, 5, 1), D(2023, 6, 1)]


@pytest.mark.django_db
def test_creating_reports_takes_the_same_queries_for_few_and_many_units(tree):
    def queries(n, prefix):
        communes = bulk_communes(tree.area, n, prefix=prefix)
        assigned_on(D(2023, 5, 25), communes, monthly_task())
        with CaptureQueriesContext(connection) as captured:
            slots_ensure(today=D(2023, 6, 1), province=tree.province)
        ReportSlot.objects.all().delete()
        return len(captured)

    assert queries(3, "A") == queries(60, "B")


@pytest.mark.django_db
def test_assigning_a_recurring_task_opens_the_current_periods_report_at_once(tree, settings):
    settings.APP_TODAY = D(2023, 6, 5)
    task = monthly_task()
    services.assignments_create(
        task=task,
        units=[tree.commune, tree.commune2],
        user=tree.secretariat,
        province=tree.province,
        role="lead",
        due_date=None,
    )
    slots = ReportSlot.objects.filter(assignment__task=task)
    assert slots.count() == 2
    assert set(slots.values_list("period_start", "due_date")) == {(D(2023, 6, 1), D(2023, 6, 20))}


@pytest.mark.django_db
def test_no_report_is_owed_for_paused_work_an_ended_unit_or_a_task_without_a_cycle(tree):
    task = monthly_task()
    paused, _ended = assigned_on(D(2023, 5, 1), [tree.commune, tree.commune2], task)
    Assignment.objects.filter(pk=paused.pk).update(work_status="paused")
    type(tree.commune2).objects.filter(pk=tree.commune2.pk).update(is_active=False, valid_to=D(2023, 5, 2))
    assigned_on(D(2023, 5, 1), [tree.other_commune], make_task(is_recurring=True))
    assert slots_ensure(today=D(2023, 6, 1)) == 0


@pytest.mark.django_db
def test_a_cycle_set_later_owes_no_report_for_the_months_before(tree):
    task = monthly_task(cycle_since=D(2023, 6, 10))
    assigned_on(D(2022, 1, 1), [tree.commune], task)
    slots_ensure(today=D(2023, 6, 10))
    assert list(ReportSlot.objects.values_list("period_start", flat=True)) == [D(2023, 6, 1)]


@pytest.mark.django_db
def test_changing_the_due_day_moves_the_reports_not_yet_due_and_dates_the_change(tree, settings):
    settings.APP_TODAY = D(2023, 6, 5)
    task = monthly_task(make_document(province=tree.province))
    assigned_on(D(2023, 5, 25), [tree.commune, tree.commune2], task)
    slots_ensure(today=D(2023, 6, 5))
    ReportSlot.objects.filter(unit=tree.commune2).update(
        submitted_at=datetime.datetime(2023, 6, 2, tzinfo=datetime.UTC), submitted_on=D(2023, 6, 2)
    )
    before = {"report_period": "monthly", "due_rule": "day_of_period", "due_day": 20}
    task.due_day = 25
    task.save()
    services.cycle_changed(obj=task, user=tree.secretariat, before=before)

    task.refresh_from_db()
    assert task.cycle_since == D(2023, 6, 5)
    assert ReportSlot.objects.get(unit=tree.commune).due_date == D(2023, 6, 25)
    assert ReportSlot.objects.get(unit=tree.commune2).due_date == D(2023, 6, 20)  # already received: kept


@pytest.mark.django_db
def test_only_the_secretariat_changes_a_cycle(tree):
    task = monthly_task()
    with pytest.raises(PermissionDenied):
        services.cycle_changed(obj=task, user=tree.head_commune, before={})


@pytest.mark.django_db
def test_an_indicators_cycle_asks_the_units_that_report_their_own_figures_within_the_targets_period(tree):
    make_eid_targets({tree.area: 300, tree.commune: 100, tree.commune2: 200, tree.agency: 50})
    Indicator.objects.filter(code="DDDT").update(
        report_period="monthly", due_rule="after_end", due_day=5, cycle_since=D(2023, 1, 1)
    )
    Target.objects.update(created_at=datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC))
    slots_ensure(today=D(2023, 9, 1))
    # The district sums its communes: it owes no report; the target's period ends on 30/06.
    per_unit = {
        unit: sorted(ReportSlot.objects.filter(unit=unit).values_list("period_start", flat=True))
        for unit in (tree.area, tree.commune, tree.agency)
    }
    assert per_unit[tree.area] == []
    assert per_unit[tree.commune] == [D(2023, month, 1) for month in range(1, 7)]
    assert per_unit[tree.agency] == per_unit[tree.commune]


def one_slot(tree, day=JUNE_FIRST):
    task = monthly_task()
    assignment = make_assignment(tree.commune, task)
    Assignment.objects.filter(pk=assignment.pk).update(created_at=datetime.datetime(2023, 5, 25, tzinfo=datetime.UTC))
    slots_ensure(today=day)
    return ReportSlot.objects.select_related("assignment__task__document", "unit").get(assignment=assignment)


@pytest.mark.django_db
def test_a_report_by_its_due_date_is_on_time_and_a_correction_keeps_that(tree, settings):
    slot = one_slot(tree)
    settings.APP_TODAY = D(2023, 6, 20)
    services.slot_report(
        slot=slot, user=tree.head_commune, version=slot.version, outcome="done", note="Đã tuyên truyền"
    )
    slot.refresh_from_db()
    assert (slot.received, slot.on_time, slot.submitted_on) == (True, True, D(2023, 6, 20))

    settings.APP_TODAY = D(2023, 6, 28)
    services.slot_report(slot=slot, user=tree.head_commune, version=slot.version, outcome="partly", note="Sửa lại")
    slot.refresh_from_db()
    assert (slot.outcome, slot.on_time, slot.submitted_on) == ("partly", True, D(2023, 6, 20))
    actions = list(HistoryEntry.objects.filter(slot=slot).order_by("at").values_list("action", flat=True))
    assert actions == ["slot_reported", "slot_corrected"]


@pytest.mark.django_db
def test_a_report_after_its_due_date_is_late(tree, settings):
    slot = one_slot(tree)
    settings.APP_TODAY = D(2023, 6, 21)
    services.slot_report(slot=slot, user=tree.head_commune, version=slot.version, outcome="done")
    slot.refresh_from_db()
    assert slot.received and not slot.on_time


@pytest.mark.django_db
def test_a_report_of_work_not_done_says_why_and_nothing_is_saved_without_it(tree, settings):
    slot = one_slot(tree)
    settings.APP_TODAY = D(2023, 6, 10)
    with pytest.raises(ValidationError) as error:
        services.slot_report(slot=slot, user=tree.head_commune, version=slot.version, outcome="not_done", note=" ")
    assert "note" in error.value.message_dict
    slot.refresh_from_db()
    assert slot.submitted_at is None and not HistoryEntry.objects.filter(slot=slot).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["head_district", "head_other_commune", "secretariat", "leader"])
def test_only_the_units_own_people_submit_its_report(tree, settings, who):
    slot = one_slot(tree)
    settings.APP_TODAY = D(2023, 6, 10)
    with pytest.raises(PermissionDenied):
        services.slot_report(slot=slot, user=getattr(tree, who), version=slot.version, outcome="done")


@pytest.mark.django_db
def test_a_report_changed_meanwhile_is_not_overwritten(tree, settings):
    slot = one_slot(tree)
    settings.APP_TODAY = D(2023, 6, 10)
    seen = slot.version
    services.slot_report(slot=slot, user=tree.head_commune, version=seen, outcome="done")
    with pytest.raises(services.SlotConflict):
        services.slot_report(slot=slot, user=tree.head_commune, version=seen, outcome="partly", note="x")
    slot.refresh_from_db()
    assert slot.outcome == "done"


@pytest.mark.django_db
def test_a_report_keeps_its_evidence_and_the_figures_of_the_units_targets(tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    slot = one_slot(tree)
    indicator = make_eid_targets({tree.commune: 100})
    indicator.document = slot.assignment.task.document
    indicator.save()
    target = indicator.targets.get()
    settings.APP_TODAY = D(2023, 7, 3)
    upload = SimpleUploadedFile("bao-cao.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    entry = services.slot_report(
        slot=slot,
        user=tree.head_commune,
        version=slot.version,
        outcome="done",
        figures={target: 40},
        files=[(upload, PDF)],
    )
    assert Evidence.objects.get().history_entry == entry
    # The figure is the cumulative value at the period's end (30/06), recorded like any figure.
    assert IndicatorReport.objects.get().as_of == D(2023, 6, 30)
    assert IndicatorReport.objects.get().value == 40

"""A unit submits its periodic report on its pages; the secretariat sets a task's cycle on the plan."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasks.models import Assignment, HistoryEntry, Indicator, IndicatorReport, ReportSlot, Target, Task
from tasks.slots import slots_ensure
from tests.factories import make_assignment, make_document, make_eid_targets, make_task
from tests.pages import visible_text

D = datetime.date
TODAY = D(2023, 6, 20)
MAY_25 = D(2023, 5, 25)


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on 20/06/2023."""


def monthly_task(document=None, due_day=20, **fields):
    return make_task(
        document,
        is_recurring=True,
        report_period="monthly",
        due_rule="day_of_period",
        due_day=due_day,
        cycle_since=D(2023, 1, 1),
        **fields,
    )


def owed_slot(unit, task=None, created=MAY_25) -> ReportSlot:
    assignment = make_assignment(unit, task or monthly_task())
    Assignment.objects.filter(pk=assignment.pk).update(
        created_at=datetime.datetime.combine(created, datetime.time(9), tzinfo=datetime.UTC)
    )
    slots_ensure(today=TODAY)
    return ReportSlot.objects.filter(assignment=assignment).order_by("-period_start").first()


@pytest.mark.django_db
def test_the_unit_sees_its_report_due_today_and_submits_it_on_time(client, tree):
    slot = owed_slot(tree.commune)
    client.force_login(tree.head_commune)
    page = visible_text(client.get(reverse("tasks:my_unit")).content)
    assert "Báo cáo định kỳ" in page and "Tháng 06/2023" in page and "Hạn hôm nay" in page

    response = client.post(
        reverse("tasks:slot", args=[slot.pk]), {"outcome": "done", "note": "Đã họp dân", "version": slot.version}
    )
    assert response.status_code == 302
    shown = visible_text(client.get(reverse("tasks:slot", args=[slot.pk])).content)
    assert "Đã nhận, đúng hạn" in shown and "Đã họp dân" in shown
    assert "Đã nhận, đúng hạn" in visible_text(client.get(reverse("tasks:my_unit")).content)


@pytest.mark.django_db
def test_a_report_without_its_result_is_refused_in_vietnamese_and_nothing_is_saved(client, tree):
    slot = owed_slot(tree.commune)
    client.force_login(tree.head_commune)
    response = client.post(reverse("tasks:slot", args=[slot.pk]), {"note": "", "version": slot.version})
    assert response.status_code == 400
    assert "Trường này là bắt buộc" in visible_text(response.content)
    not_done = client.post(
        reverse("tasks:slot", args=[slot.pk]), {"outcome": "not_done", "note": " ", "version": slot.version}
    )
    assert not_done.status_code == 400
    assert "ghi rõ trong phần ghi chú việc gì chưa làm" in visible_text(not_done.content)
    slot.refresh_from_db()
    assert slot.submitted_at is None and not HistoryEntry.objects.filter(slot=slot).exists()


@pytest.mark.django_db
def test_evidence_is_checked_like_any_report_file(client, tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    slot = owed_slot(tree.commune)
    client.force_login(tree.head_commune)
    fake = SimpleUploadedFile("bao-cao.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = client.post(
        reverse("tasks:slot", args=[slot.pk]), {"outcome": "done", "version": slot.version, "files": [fake]}
    )
    assert response.status_code == 400
    assert "không đúng với tên tệp" in visible_text(response.content) or ".pdf" in visible_text(response.content)
    slot.refresh_from_db()
    assert slot.submitted_at is None
    good = SimpleUploadedFile("bao-cao.pdf", b"%PDF-1.4 bao cao", content_type="application/pdf")
    ok = client.post(
        reverse("tasks:slot", args=[slot.pk]), {"outcome": "done", "version": slot.version, "files": [good]}
    )
    assert ok.status_code == 302
    page = client.get(reverse("tasks:slot", args=[slot.pk])).content.decode()
    assert "bao-cao.pdf" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "get", "post"),
    [
        ("head_district", 200, 403),  # reads its commune, writes nothing for it
        ("secretariat", 200, 403),  # the unit reports, not the secretariat
        ("leader", 200, 403),
        ("head_other_commune", 404, 404),
        ("head_other_district", 404, 404),
    ],
)
def test_only_the_units_own_people_submit_and_others_in_scope_only_read(client, tree, who, get, post):
    slot = owed_slot(tree.commune)
    client.force_login(getattr(tree, who))
    page = client.get(reverse("tasks:slot", args=[slot.pk]))
    assert page.status_code == get
    if get == 200:
        assert "Nộp báo cáo" not in visible_text(page.content)
    response = client.post(reverse("tasks:slot", args=[slot.pk]), {"outcome": "done", "version": slot.version})
    assert response.status_code == post
    slot.refresh_from_db()
    assert slot.submitted_at is None


@pytest.mark.django_db
def test_an_indicators_report_asks_for_its_figure(client, tree):
    make_eid_targets({tree.commune: 1000})
    Indicator.objects.update(report_period="monthly", due_rule="after_end", due_day=5, cycle_since=D(2023, 1, 1))
    Target.objects.update(created_at=datetime.datetime(2023, 5, 1, tzinfo=datetime.UTC))
    slots_ensure(today=TODAY)
    slot = ReportSlot.objects.get(period_start=D(2023, 6, 1))
    target = slot.target
    client.force_login(tree.head_commune)
    missing = client.post(reverse("tasks:slot", args=[slot.pk]), {"note": "", "version": slot.version})
    assert missing.status_code == 400 and "Trường này là bắt buộc" in visible_text(missing.content)
    response = client.post(
        reverse("tasks:slot", args=[slot.pk]), {f"figure_{target.pk}": "1.200", "note": "", "version": slot.version}
    )
    assert response.status_code == 302
    assert IndicatorReport.objects.get().value == 1200 and IndicatorReport.objects.get().as_of == TODAY


@pytest.mark.django_db
def test_the_unit_page_takes_the_same_queries_for_one_report_and_many(client, tree):
    def queries(n):
        for _ in range(n):
            owed_slot(tree.commune)
        client.force_login(tree.head_commune)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("tasks:my_unit")).status_code == 200
        return len(captured)

    assert queries(1) == queries(6)


@pytest.mark.django_db
def test_a_district_page_shows_its_communes_reporting(client, tree):
    owed_slot(tree.commune, created=D(2023, 4, 25))  # May's is missing, June's still due today
    client.force_login(tree.head_district)
    page = visible_text(client.get(reverse("tasks:my_unit")).content)
    assert "0/1" in page  # the commune: May's report expected, none received


# The plan: a task's cycle ----------------------------------------------------------------------


def task_data(**fields):
    return {"ref": "III.9", "title": "Báo cáo tình hình", "is_recurring": "on", **fields}


@pytest.mark.django_db
def test_the_secretariat_sets_a_monthly_cycle_and_every_unit_of_the_task_owes_this_months_report(client, tree):
    document = make_document(province=tree.province)
    task = make_task(document, ref="III.9", title="Báo cáo tình hình", is_recurring=True)
    for unit in (tree.commune, tree.commune2):
        make_assignment(unit, task)
    client.force_login(tree.secretariat)
    response = client.post(
        reverse("tasks:task_edit", args=[document.pk, task.pk]),
        task_data(report_period="monthly", due_rule="after_end", due_day="5"),
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.cycle_since == TODAY
    assert set(ReportSlot.objects.values_list("unit_id", "period_start", "due_date")) == {
        (tree.commune.pk, D(2023, 6, 1), D(2023, 7, 5)),
        (tree.commune2.pk, D(2023, 6, 1), D(2023, 7, 5)),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"report_period": "monthly", "due_rule": "day_of_period", "due_day": "32"}, "Ngày phải từ 1 đến 31"),
        ({"report_period": "weekly", "due_rule": "day_of_period", "due_day": "8"}, "Ngày phải từ 1 đến 7"),
        ({"report_period": "monthly", "due_rule": "after_end", "due_day": "99999999999"}, "nhỏ hơn hoặc bằng 366"),
        ({"report_period": "monthly", "due_rule": "after_end", "due_day": "năm"}, "Hãy nhập một số nguyên"),
        ({"report_period": "monthly", "due_rule": "", "due_day": ""}, "Hãy chọn hạn nộp báo cáo"),
        ({"report_period": "daily", "due_rule": "after_end", "due_day": "5"}, "daily"),
    ],
)
def test_a_bad_cycle_is_refused_in_vietnamese_and_nothing_is_saved(client, tree, data, message):
    document = make_document(province=tree.province)
    client.force_login(tree.secretariat)
    response = client.post(reverse("tasks:task_new", args=[document.pk]), task_data(**data))
    assert response.status_code == 400
    assert message in visible_text(response.content)
    assert not Task.objects.filter(ref="III.9").exists()


@pytest.mark.django_db
def test_a_one_off_task_has_no_cycle(client, tree):
    document = make_document(province=tree.province)
    client.force_login(tree.secretariat)
    data = task_data(report_period="monthly", due_rule="after_end", due_day="5", default_due_date="31/07/2023")
    del data["is_recurring"]
    response = client.post(reverse("tasks:task_new", args=[document.pk]), data)
    assert response.status_code == 400
    assert "Chỉ nhiệm vụ thường xuyên mới có kỳ báo cáo" in visible_text(response.content)


@pytest.mark.django_db
def test_editing_a_tasks_title_leaves_its_cycle_and_reports_as_they_were(client, tree):
    document = make_document(province=tree.province)
    task = monthly_task(document, ref="III.9", title="Báo cáo tình hình")
    slot = owed_slot(tree.commune, task)
    client.force_login(tree.secretariat)
    form = client.get(reverse("tasks:task_edit", args=[document.pk, task.pk])).context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, False)}
    data.update(title="Báo cáo tình hình hằng tháng", is_recurring="on")
    data.pop("default_due_date", None)
    data.pop("description", None)
    response = client.post(reverse("tasks:task_edit", args=[document.pk, task.pk]), data)
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.report_period, task.due_rule, task.due_day, task.cycle_since) == (
        "monthly",
        "day_of_period",
        20,
        D(2023, 1, 1),
    )
    refreshed = ReportSlot.objects.get(pk=slot.pk)
    assert (refreshed.due_date, refreshed.version) == (slot.due_date, slot.version)


@pytest.mark.django_db
def test_the_secretariat_sets_an_indicators_cycle_in_the_admin_and_bad_days_are_refused(client, tree):
    from units.services import secretariat_group_ensure

    indicator = make_eid_targets({tree.commune: 100, tree.commune2: 200})
    Indicator.objects.filter(pk=indicator.pk).update(province=tree.province)
    Target.objects.update(created_at=datetime.datetime(2023, 5, 1, tzinfo=datetime.UTC))
    tree.secretariat.is_staff = True
    tree.secretariat.save()
    secretariat_group_ensure(users=[tree.secretariat])
    client.force_login(tree.secretariat)
    url = reverse("admin:tasks_indicator_change", args=[indicator.pk])
    data = {
        "code": "DDDT",
        "name": indicator.name,
        "unit_of_measure": "tk",
        "direction": "increase",
        "province": tree.province.pk,
        "report_period": "monthly",
        "due_rule": "after_end",
        "due_day": "40",
    }
    refused = client.post(url, data)
    assert refused.status_code == 200 and "Ngày phải từ 0 đến 28" in visible_text(refused.content)
    assert not ReportSlot.objects.exists()
    assert client.post(url, {**data, "due_day": "5"}).status_code == 302
    assert Indicator.objects.get().cycle_since == TODAY
    assert set(ReportSlot.objects.values_list("unit_id", "due_date")) == {
        (tree.commune.pk, D(2023, 7, 5)),
        (tree.commune2.pk, D(2023, 7, 5)),
    }


@pytest.mark.django_db
def test_a_districts_page_takes_the_same_queries_for_few_and_many_communes_reporting(client, tree):
    from tests.factories import bulk_communes

    task = monthly_task()

    def queries(n, prefix):
        for commune in bulk_communes(tree.area, n, prefix=prefix):
            owed_slot(commune, task, created=D(2023, 4, 25))
        client.force_login(tree.head_district)
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("tasks:my_unit"))
        assert page.status_code == 200 and "Báo cáo định kỳ" in visible_text(page.content)
        return len(captured)

    assert queries(2, "A") == queries(20, "B")

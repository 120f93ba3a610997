"""An import runs the rules of the forms: what a form refuses, the import refuses; preview and apply agree.

Each input is tried through the page a user types it in and through a one-row import of the same
value; both must accept it or both refuse it, and a refused one saves nothing.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from tasks import services
from tasks.models import Assignment, ExtensionRequest, HistoryEntry, ImportRecord, Indicator, IndicatorReport, Target
from tests.conftest import TODAY
from tests.factories import make_document, make_task


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


def csv_file(header: str, *lines: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("nhap.csv", "\n".join([header, *lines]).encode())


def upload(client, user, file, *, kind: str, indicator=None) -> ImportRecord:
    client.force_login(user)
    data = {"kind": kind, "file": file, **({"indicator": indicator.pk} if indicator else {})}
    response = client.post(reverse("tasks:import_start"), data)
    assert response.status_code == 302, response.content.decode()
    return ImportRecord.objects.latest("pk")


def preview_page(client, record):
    return client.get(reverse("tasks:import_preview", args=[record.pk]))


def apply(client, record, fingerprint=None, **data):
    """Press "Apply" on the preview page, as a user would (the page carries the preview's fingerprint)."""
    if fingerprint is None:
        fingerprint = preview_page(client, record).context.get("fingerprint", "")
    return client.post(reverse("tasks:import_apply", args=[record.pk]), {"seen": fingerprint, **data})


def rolled_back(action):
    """Run ``action`` and undo what it wrote, so the next way of entering the value starts from the same data."""
    with transaction.atomic():
        result = action()
        transaction.set_rollback(True)
    return result


# Figures ---------------------------------------------------------------------------------------------


@pytest.fixture
def target(tree):
    """Xã Diễn Kỷ: target 1.000, 600 reported on 01/06/2023."""
    indicator = Indicator.objects.create(code="DDDT", name="Kích hoạt", unit_of_measure="tk")
    target = Target.objects.create(
        indicator=indicator, unit=tree.commune, value=1000, start_date=datetime.date(2023, 1, 1), due_date=TODAY
    )
    IndicatorReport.objects.create(indicator=indicator, unit=tree.commune, as_of=datetime.date(2023, 6, 1), value=600)
    return target


FIGURES = [
    # (as of, value, note, accepted)
    ("20/06/2023", "700", "", True),
    ("20/06/2023", "1.269", "", True),
    ("20/06/2023", "10.000", "", True),  # ten times the target: plausible
    ("20/06/2023", "500", "Rà soát trùng lặp", True),  # lower, with the reason
    ("20/06/2023", "-5", "", False),
    ("20/06/2023", "12,5", "", False),
    ("20/06/2023", "1.000.000.000.001", "", False),  # above MAX_FIGURE
    ("20/06/2023", str(2**63 - 1), "", False),  # the column holds it, the province's total would not
    ("20/06/2023", str(2**63), "", False),
    ("21/06/2023", "700", "", False),  # tomorrow
    ("20/06/2023", "500", "", False),  # lower than 600 without a reason
    ("20/06/2023", "10.001", "", False),  # more than ten times the target, not confirmed
]


@pytest.mark.parametrize(("as_of", "value", "note", "accepted"), FIGURES)
def test_the_figure_form_and_the_import_accept_and_refuse_the_same_figures(
    client, tree, target, as_of, value, note, accepted
):
    def through_form():
        client.force_login(tree.head_commune)
        response = client.post(
            reverse("tasks:target", args=[target.pk]), {"as_of": as_of, "value": value, "note": note}
        )
        return response.status_code == 302, IndicatorReport.objects.count()

    def through_import():
        file = csv_file("Mã đơn vị,Ngày,Giá trị lũy kế,Ghi chú", f'{tree.commune.code},{as_of},"{value}",{note}')
        record = upload(client, tree.secretariat, file, kind="figures", indicator=target.indicator)
        response = apply(client, record)
        return response.status_code == 302, IndicatorReport.objects.count()

    form_saved, form_count = rolled_back(through_form)
    import_saved, import_count = rolled_back(through_import)
    assert (form_saved, import_saved) == (accepted, accepted)
    assert form_count == import_count == (2 if accepted else 1)  # a refused value saves nothing


def test_a_figure_above_the_bound_is_a_row_error_never_a_change_to_apply(client, tree, target):
    file = csv_file("Mã đơn vị,Ngày,Giá trị lũy kế", f"{tree.commune.code},20/06/2023,{2**63 - 1}")
    record = upload(client, tree.secretariat, file, kind="figures", indicator=target.indicator)
    page = preview_page(client, record)
    assert page.context["counts"] == {"create": 0, "update": 0, "unchanged": 0, "errors": 1}
    assert "Giá trị quá lớn: tối đa 1.000.000.000.000." in page.content.decode()
    assert not page.context["can_apply"]
    assert apply(client, record).status_code == 400
    assert IndicatorReport.objects.count() == 1


def test_an_imported_figure_far_above_the_target_is_applied_only_once_confirmed(client, tree, target):
    file = csv_file("Mã đơn vị,Ngày,Giá trị lũy kế", f"{tree.commune.code},20/06/2023,50000")
    record = upload(client, tree.secretariat, file, kind="figures", indicator=target.indicator)
    page = preview_page(client, record)
    text = page.content.decode()
    assert page.context["can_apply"] and page.context["counts"]["create"] == 1
    assert "50.000 lớn hơn 10 lần chỉ tiêu giao (1.000)" in text
    assert 'name="confirmed"' in text and "Tôi đã kiểm tra các giá trị được đánh dấu ở trên" in text

    refused = apply(client, record)
    assert refused.status_code == 400
    assert "Có 1 giá trị cần bạn xác nhận; chưa áp dụng thay đổi nào." in refused.content.decode()
    assert IndicatorReport.objects.count() == 1 and ImportRecord.objects.get().status == "previewed"

    assert apply(client, record, confirmed="on").status_code == 302
    assert IndicatorReport.objects.get(as_of=TODAY).value == 50_000


def test_a_figure_reported_between_preview_and_apply_stops_the_apply(client, tree, target):
    file = csv_file("Mã đơn vị,Ngày,Giá trị lũy kế", f"{tree.commune.code},20/06/2023,800")
    record = upload(client, tree.secretariat, file, kind="figures", indicator=target.indicator)
    fingerprint = preview_page(client, record).context.get("fingerprint", "")  # "Mới: Xã Diễn Kỷ 800"
    services.figure_report(target=target, user=tree.head_commune, as_of=TODAY, value=900)

    response = apply(client, record, fingerprint)
    assert response.status_code == 409
    assert "Dữ liệu đã thay đổi từ lúc hiển thị bản xem trước" in response.content.decode()
    assert IndicatorReport.objects.get(as_of=TODAY).value == 900
    assert ImportRecord.objects.get().status == "previewed"
    assert apply(client, record).status_code == 302  # from the new preview: "900 → 800"
    assert IndicatorReport.objects.get(as_of=TODAY).value == 800


def test_apply_without_the_preview_is_refused(client, tree, target):
    file = csv_file("Mã đơn vị,Ngày,Giá trị lũy kế", f"{tree.commune.code},20/06/2023,800")
    record = upload(client, tree.secretariat, file, kind="figures", indicator=target.indicator)
    assert apply(client, record, "").status_code == 400
    assert IndicatorReport.objects.count() == 1


# Assignments -----------------------------------------------------------------------------------------

ASSIGNMENT_HEADER = "Số văn bản,Mục,Tên nhiệm vụ,Mã đơn vị,Vai trò,Hạn hoàn thành"


NEW_ASSIGNMENTS = [
    # (recurring task, due date, agency active, accepted)
    (False, "31/07/2023", True, True),
    (True, "", True, True),
    (False, "", True, False),  # a one-off task needs its due date
    (True, "31/07/2023", True, False),  # a recurring task has none
    (False, "31/07/2023", False, False),  # a deactivated unit receives nothing
]


@pytest.mark.parametrize(("recurring", "due", "active", "accepted"), NEW_ASSIGNMENTS)
def test_the_assignment_form_and_the_import_accept_and_refuse_the_same_new_assignments(
    client, tree, recurring, due, active, accepted
):
    document = make_document("4505/UBND-KSTT", province=tree.province)
    task = make_task(document, ref="8", is_recurring=recurring)
    if not active:
        tree.agency.is_active = False
        tree.agency.save()

    def through_form():
        client.force_login(tree.secretariat)
        data = {"target": "agencies", "agencies": [tree.agency.pk], "role": "lead", "due_date": due}
        response = client.post(reverse("tasks:task_assign", args=[task.pk]), data)
        return response.status_code == 302, Assignment.objects.count()

    def through_import():
        file = csv_file(ASSIGNMENT_HEADER, f"4505/UBND-KSTT,8,{task.title},{tree.agency.code},Chủ trì,{due}")
        response = apply(client, upload(client, tree.secretariat, file, kind="assignments"))
        return response.status_code == 302, Assignment.objects.count()

    form_saved, form_count = rolled_back(through_form)
    import_saved, import_count = rolled_back(through_import)
    assert (form_saved, import_saved) == (accepted, accepted)
    assert form_count == import_count == (1 if accepted else 0)


@pytest.fixture
def extended(tree):
    """An assignment of Huyện Diễn Châu whose due date was extended from 30/06 to 31/07/2023."""
    task = make_task(make_document("4505/UBND-KSTT", province=tree.province), ref="8")
    (assignment,) = services.assignments_create(
        task=task,
        units=[tree.area],
        user=tree.secretariat,
        province=tree.province,
        role="lead",
        due_date=datetime.date(2023, 6, 30),
    )
    request = services.extension_request(
        assignment=assignment, user=tree.head_district, proposed_due_date=datetime.date(2023, 7, 31), reason="Chờ máy"
    )
    services.extension_decide(request=request, user=tree.secretariat, approve=True)
    assignment.refresh_from_db()
    return assignment


def test_clearing_the_due_date_of_an_extended_assignment_is_a_row_error_and_apply_is_a_400(client, tree, extended):
    file = csv_file(ASSIGNMENT_HEADER, f"4505/UBND-KSTT,8,,{tree.area.code},Chủ trì,")
    record = upload(client, tree.secretariat, file, kind="assignments")
    page = preview_page(client, record)
    (error,) = page.context["preview"].errors
    assert (error.row, error.column) == (2, "Hạn hoàn thành")
    assert "đã được gia hạn (hạn ban đầu 30/06/2023): không thể bỏ hạn hoàn thành" in error.reason
    assert not page.context["can_apply"]
    assert apply(client, record).status_code == 400
    extended.refresh_from_db()
    assert (extended.due_date, extended.version) == (datetime.date(2023, 7, 31), 2)


def test_an_extension_approved_between_preview_and_apply_stops_the_apply(client, tree):
    task = make_task(make_document("4505/UBND-KSTT", province=tree.province), ref="8")
    (assignment,) = services.assignments_create(
        task=task,
        units=[tree.area],
        user=tree.secretariat,
        province=tree.province,
        role="lead",
        due_date=datetime.date(2023, 6, 30),
    )
    file = csv_file(ASSIGNMENT_HEADER, f"4505/UBND-KSTT,8,,{tree.area.code},Phối hợp,15/07/2023")
    record = upload(client, tree.secretariat, file, kind="assignments")
    fingerprint = preview_page(client, record).context.get("fingerprint", "")  # "Chủ trì, 30/06 → Phối hợp, 15/07"
    request = services.extension_request(
        assignment=assignment, user=tree.head_district, proposed_due_date=datetime.date(2023, 7, 31), reason="Chờ máy"
    )
    services.extension_decide(request=request, user=tree.secretariat, approve=True)

    response = apply(client, record, fingerprint)
    assert response.status_code == 409
    assignment.refresh_from_db()
    assert (assignment.role, assignment.due_date) == ("lead", datetime.date(2023, 7, 31))
    assert not HistoryEntry.objects.filter(import_record=record).exists()
    assert ExtensionRequest.objects.get().status == "approved"

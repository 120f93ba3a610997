"""The unit's and the secretariat's forms never change what the user did not touch.

Each test submits what a browser sends from the page as rendered (a select without a selected
option sends its first one), with only the fields a user would type changed.
"""

import datetime
import logging
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from reports.models import Notification, ScoreWeights
from tasks.models import Assignment, HistoryEntry, Indicator, Obstacle, Target
from tasks.selectors import status_counts
from tests.conftest import TODAY
from tests.factories import make_assignment, make_task, make_user
from units.models import User

S = Assignment.WorkStatus


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


class _Form(HTMLParser):
    """The fields of the form posting to ``action`` ("" for the page itself) and the text of each select's options."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside = action, False
        self.fields: dict[str, str] = {}
        self.options: dict[str, list[tuple[str, str, bool]]] = {}
        self._select = self._option = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action", "") == self.action
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") != "file":
            if attrs.get("type") not in ("checkbox", "radio", "submit") or "checked" in attrs:
                self.fields[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.options[name] = []
        elif tag == "option" and self._select:
            self._option = [attrs.get("value", ""), "", "selected" in attrs]
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data
        elif self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "option" and self._option is not None:
            self.options[self._select].append((self._option[0], self._option[1].strip(), self._option[2]))
            self._option = None
        elif tag == "select" and self._select:
            options = self.options[self._select]
            chosen = [value for value, _text, selected in options if selected] or [options[0][0]] if options else []
            self.fields[self._select] = chosen[0] if chosen else ""
            self._select = None
        elif tag == "textarea":
            if self._textarea:  # Django starts a textarea's content with a newline the browser drops
                self.fields[self._textarea] = self.fields[self._textarea].removeprefix("\n")
            self._textarea = None


def page_form(client, url: str, action: str | None = None) -> _Form:
    response = client.get(url)
    assert response.status_code == 200
    form = _Form(url if action is None else action)
    form.feed(response.content.decode())
    return form


def selected_text(form: _Form, name: str) -> str:
    options = form.options[name]
    chosen = [text for _value, text, selected in options if selected]
    return chosen[0] if chosen else options[0][1]


def assignment_url(assignment) -> str:
    return reverse("tasks:assignment", args=[assignment.pk])


@pytest.fixture
def overdue(tree):
    """An overdue assignment the commune is working on."""
    return make_assignment(
        tree.commune,
        make_task(title="Kích hoạt định danh điện tử"),
        due_date=TODAY - datetime.timedelta(days=5),
        work_status=S.IN_PROGRESS,
        progress=40,
    )


def test_a_note_of_the_secretariat_leaves_an_overdue_assignment_in_progress_and_overdue(client, tree, overdue):
    client.force_login(tree.secretariat)
    form = page_form(client, assignment_url(overdue))
    assert selected_text(form, "work_status") == "Giữ nguyên: Đang thực hiện"

    response = client.post(assignment_url(overdue), {**form.fields, "note": "Đề nghị xã báo cáo tiến độ"})

    assert response.status_code == 302
    overdue.refresh_from_db()
    assert (overdue.work_status, overdue.progress) == (S.IN_PROGRESS, 40)
    assert status_counts(Assignment.objects.filter(pk=overdue.pk))["overdue"] == 1
    entry = HistoryEntry.objects.get(assignment=overdue)
    assert (entry.changes, entry.note, entry.user) == ({}, "Đề nghị xã báo cáo tiến độ", tree.secretariat)
    assert "Tạm dừng" not in client.get(assignment_url(overdue)).content.decode().split('id="timeline"')[1]


def test_a_note_of_the_secretariat_on_a_reported_completion_neither_confirms_it_nor_mails(client, tree, overdue):
    Assignment.objects.filter(pk=overdue.pk).update(work_status=S.REPORTED, progress=100)
    client.force_login(tree.secretariat)
    form = page_form(client, assignment_url(overdue))
    assert selected_text(form, "work_status") == "Giữ nguyên: Đã báo cáo hoàn thành"

    client.post(assignment_url(overdue), {**form.fields, "note": "Đang xem biên bản"})

    overdue.refresh_from_db()
    assert (overdue.work_status, overdue.completed_on) == (S.REPORTED, None)
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("who", "status", "label"),
    [
        ("head_commune", S.NOT_STARTED, "Giữ nguyên: Chưa triển khai"),
        ("head_commune", S.IN_PROGRESS, "Giữ nguyên: Đang thực hiện"),
        ("head_commune", S.RETURNED, "Giữ nguyên: Trả lại"),
        ("secretariat", S.NOT_STARTED, "Giữ nguyên: Chưa triển khai"),
        ("secretariat", S.RETURNED, "Giữ nguyên: Trả lại"),
        ("secretariat", S.PAUSED, "Giữ nguyên: Tạm dừng"),
    ],
)
def test_the_status_control_starts_at_the_current_status(client, tree, overdue, who, status, label):
    Assignment.objects.filter(pk=overdue.pk).update(work_status=status)
    client.force_login(getattr(tree, who))
    assert selected_text(page_form(client, assignment_url(overdue)), "work_status") == label


@pytest.mark.parametrize("who", ["head_commune", "secretariat"])
def test_saving_the_form_unchanged_writes_no_history_and_keeps_the_version(client, tree, overdue, who):
    client.force_login(getattr(tree, who))
    form = page_form(client, assignment_url(overdue))

    response = client.post(assignment_url(overdue), form.fields)

    assert response.status_code == 400
    assert "Không có thay đổi nào." in response.content.decode()
    overdue.refresh_from_db()
    assert (overdue.work_status, overdue.progress, overdue.version) == (S.IN_PROGRESS, 40, 1)
    assert not HistoryEntry.objects.filter(assignment=overdue).exists()


def test_a_unit_reports_progress_on_a_sent_back_assignment_without_giving_a_reason_or_mailing_itself(
    client, tree, overdue
):
    Assignment.objects.filter(pk=overdue.pk).update(work_status=S.RETURNED)
    client.force_login(tree.head_commune)
    form = page_form(client, assignment_url(overdue))

    response = client.post(assignment_url(overdue), {**form.fields, "progress": 70})

    assert response.status_code == 302
    overdue.refresh_from_db()
    assert (overdue.work_status, overdue.progress) == (S.RETURNED, 70)
    assert not Notification.objects.exists()


def test_the_secretariat_cannot_change_a_units_progress_without_changing_the_status(client, tree, overdue):
    client.force_login(tree.secretariat)
    form = page_form(client, assignment_url(overdue))

    response = client.post(assignment_url(overdue), {**form.fields, "progress": 90})

    assert response.status_code == 400
    assert "Chỉ đơn vị báo cáo tiến độ" in response.content.decode()
    overdue.refresh_from_db()
    assert (overdue.progress, overdue.version) == (40, 1)


def test_pausing_is_an_explicit_choice_with_a_reason(client, tree, overdue):
    client.force_login(tree.secretariat)
    form = page_form(client, assignment_url(overdue))

    response = client.post(assignment_url(overdue), {**form.fields, "work_status": S.PAUSED})
    assert response.status_code == 400 and "nêu rõ lý do" in response.content.decode()
    client.post(assignment_url(overdue), {**form.fields, "work_status": S.PAUSED, "note": "Chờ hướng dẫn"})

    overdue.refresh_from_db()
    assert overdue.work_status == S.PAUSED


def test_an_obstacle_has_no_category_until_the_unit_chooses_one(client, tree):
    client.force_login(tree.head_commune)
    url = reverse("tasks:obstacles")
    form = page_form(client, url, action="")
    assert (form.fields["category"], selected_text(form, "category")) == ("", "— chọn loại vướng mắc —")
    assert "---------" not in client.get(url).content.decode()

    response = client.post(url, {**form.fields, "text": "Thiếu máy quét căn cước"})

    assert response.status_code == 400
    assert "Trường này là bắt buộc." in response.content.decode()
    assert not Obstacle.objects.exists()
    client.post(url, {**form.fields, "text": "Thiếu máy quét căn cước", "category": "technical"})
    assert Obstacle.objects.get().category == "technical"


def test_a_unit_member_sees_no_status_control_on_a_reported_assignment(client, tree, overdue):
    Assignment.objects.filter(pk=overdue.pk).update(work_status=S.REPORTED)
    client.force_login(tree.head_commune)
    assert 'name="work_status"' not in client.get(assignment_url(overdue)).content.decode()


# The same rule on the other forms of the product ------------------------------------------------


@pytest.fixture
def targets(tree):
    """Two communes' targets of one indicator, each with its own period."""
    indicator = Indicator.objects.create(code="DDDT", name="Kích hoạt định danh điện tử", unit_of_measure="tk")
    Target.objects.create(
        indicator=indicator,
        unit=tree.commune,
        value=200,
        start_date=datetime.date(2023, 1, 1),
        due_date=datetime.date(2023, 6, 30),
    )
    Target.objects.create(
        indicator=indicator,
        unit=tree.commune2,
        value=100,
        start_date=datetime.date(2023, 3, 1),
        due_date=datetime.date(2023, 12, 31),
    )
    return indicator


def test_saving_the_targets_page_unchanged_rewrites_no_targets_period(client, tree, targets):
    client.force_login(tree.secretariat)
    url = reverse("tasks:targets_edit", args=[targets.pk, tree.area.code])
    form = page_form(client, url, action="")

    client.post(url, {**form.fields, "action": "save"})
    client.post(url, {**form.fields, f"unit_{tree.commune2.pk}": "150", "action": "save"})

    commune2 = Target.objects.get(unit=tree.commune2)
    assert (commune2.value, commune2.start_date, commune2.due_date) == (
        150,
        datetime.date(2023, 3, 1),
        datetime.date(2023, 12, 31),
    )
    assert [entry.changes for entry in HistoryEntry.objects.filter(target__isnull=False)] == [{"value": [100, 150]}]
    assert Target.objects.get(unit=tree.commune).version == 1


def test_a_new_period_typed_on_the_targets_page_applies_to_every_target(client, tree, targets):
    client.force_login(tree.secretariat)
    url = reverse("tasks:targets_edit", args=[targets.pk, tree.area.code])
    form = page_form(client, url, action="")

    client.post(url, {**form.fields, "due_date": "31/12/2023", "action": "save"})

    assert set(Target.objects.values_list("due_date", flat=True)) == {datetime.date(2023, 12, 31)}


def test_sending_the_same_figure_again_writes_no_history(client, tree, targets):
    client.force_login(tree.head_commune)
    target = Target.objects.get(unit=tree.commune)
    url = reverse("tasks:target", args=[target.pk])
    figure = {"as_of": "19/06/2023", "value": "120", "note": ""}
    assert client.post(url, figure).status_code == 302

    response = client.post(url, figure, follow=True)

    assert "Số liệu này đã được lưu; không có gì thay đổi." in response.content.decode()
    assert HistoryEntry.objects.filter(report__isnull=False).count() == 1


def test_saving_the_scorecard_weights_unchanged_writes_and_logs_nothing(client, tree, caplog):
    caplog.set_level(logging.INFO, logger="audit")
    client.force_login(tree.secretariat)

    response = client.post(reverse("reports:scorecard_weights"), {"on_time": 50, "attainment": 30, "timeliness": 20})

    assert response.status_code == 302
    assert not ScoreWeights.objects.exists()
    assert not [record for record in caplog.records if record.name == "audit" and "weights" in record.getMessage()]


@pytest.mark.parametrize(
    ("who", "page", "prompt"),
    [
        ("secretariat", lambda tree: reverse("tasks:document_new"), "— chọn loại văn bản —"),
        ("secretariat", lambda tree: reverse("tasks:import_start"), "— chọn chỉ tiêu —"),
        ("secretariat", lambda tree: reverse("unit_handover", args=[tree.commune.code]), "— chọn cán bộ —"),
        ("head_commune", lambda tree: reverse("tasks:obstacles"), "— chọn loại vướng mắc —"),
    ],
    ids=["document", "import", "handover", "obstacle"],
)
def test_empty_choices_are_named_in_vietnamese(client, tree, who, page, prompt):
    make_user(tree.commune, User.Role.UNIT_STAFF, username="staff-commune")
    client.force_login(getattr(tree, who))
    html = client.get(page(tree)).content.decode()
    assert prompt in html and "---------" not in html

"""Every decision on a unit's request reaches the unit: one mail through the outbox, and its page."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from reports import decision_mails, outbox
from reports.models import Notification
from tasks import services
from tasks.models import ExtensionRequest, Obstacle
from tests.conftest import TODAY
from tests.factories import make_assignment, make_document, make_task
from units.models import User


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def units(tree):
    for user in User.objects.all():
        user.email = f"{user.username}@example.org"
        user.save()
    return tree


@pytest.fixture
def assignment(units):
    task = make_task(make_document("78/KH-UBND"), ref="II.3", title="Kích hoạt định danh điện tử")
    return make_assignment(units.commune, task, due_date=TODAY + datetime.timedelta(days=3))


@pytest.fixture
def extension(units, assignment):
    return services.extension_request(
        assignment=assignment,
        user=units.head_commune,
        proposed_due_date=datetime.date(2023, 7, 15),
        reason="Chờ máy quét",
    )


@pytest.fixture
def obstacle(units, assignment):
    return services.obstacle_raise(
        user=units.head_commune, category="technical", text="Thiếu máy quét căn cước", assignment=assignment
    )


def approve(units, extension):
    services.extension_decide(request=extension, user=units.secretariat, approve=True)


def refuse(units, extension):
    services.extension_decide(request=extension, user=units.secretariat, approve=False, note="Đã gia hạn một lần")


def answer(units, obstacle):
    services.obstacle_answer(obstacle=obstacle, user=units.secretariat, answer="Liên hệ Công an huyện mượn máy")


def answer_by_agency(units, obstacle):
    services.obstacle_forward(obstacle=obstacle, user=units.secretariat, agency=units.agency)
    services.obstacle_answer(obstacle=obstacle, user=units.head_agency, answer="Sở sẽ cấp máy trong tuần")


def close(units, obstacle):
    answer(units, obstacle)
    Notification.objects.all().delete()  # only the closing is looked at here
    services.obstacle_close(obstacle=Obstacle.objects.get(pk=obstacle.pk), user=units.secretariat)


# (decide, the request it decides, kind, subject, what the text and the HTML say)
DECISIONS = [
    (
        approve,
        "extension",
        "extension",
        "[Đề án 06] Đồng ý gia hạn: II.3. Kích hoạt định danh điện tử",
        [
            "Kính gửi Xã Diễn Kỷ",
            "đã đồng ý gia hạn nhiệm vụ được giao 78/KH-UBND – II.3",
            "từ ngày 23/06/2023 sang ngày 15/07/2023",
        ],
    ),
    (
        refuse,
        "extension",
        "extension",
        "[Đề án 06] Không đồng ý gia hạn: II.3. Kích hoạt định danh điện tử",
        [
            "không đồng ý gia hạn nhiệm vụ được giao 78/KH-UBND – II.3",
            "thời hạn vẫn là ngày 23/06/2023",
            "Đã gia hạn một lần",
        ],
    ),
    (
        answer,
        "obstacle",
        "obstacle",
        "[Đề án 06] Vướng mắc đã được trả lời: Thiếu máy quét căn cước",
        [
            "đã trả lời vướng mắc đơn vị nêu ngày",
            "Thiếu máy quét căn cước",
            "Liên hệ Công an huyện mượn máy",
        ],
    ),
    (
        answer_by_agency,
        "obstacle",
        "obstacle",
        "[Đề án 06] Vướng mắc đã được trả lời: Thiếu máy quét căn cước",
        ["đã trả lời vướng mắc đơn vị nêu ngày", "Sở sẽ cấp máy trong tuần"],
    ),
    (
        close,
        "obstacle",
        "obstacle",
        "[Đề án 06] Đã đóng vướng mắc: Thiếu máy quét căn cước",
        ["đã đóng vướng mắc đơn vị nêu ngày", "Thiếu máy quét căn cước"],
    ),
]


@pytest.mark.parametrize(
    ("decide", "about", "kind", "subject", "says"), DECISIONS, ids=lambda v: getattr(v, "__name__", None)
)
def test_each_decision_sends_the_unit_head_exactly_one_mail_in_vietnamese(
    request, units, decide, about, kind, subject, says
):
    decide(units, request.getfixturevalue(about))

    rows = Notification.objects.filter(recipient="head-commune40@example.org")
    assert [(row.kind, row.subject, row.unit) for row in rows] == [(kind, subject, units.commune)]
    assert outbox.outbox_flush() == {"sent": 1}
    sent = mail.outbox[0]
    html = sent.alternatives[0][0]
    assert (sent.to, sent.subject) == (["head-commune40@example.org"], subject)
    for text in says:
        assert text in sent.body and text in html
    assert "extension" not in sent.body.lower() and "obstacle" not in sent.body.lower()


@pytest.mark.parametrize("decide", [approve, refuse])
def test_an_extension_decided_twice_mails_once(units, extension, decide):
    decide(units, extension)
    with pytest.raises(ValidationError):
        decide(units, ExtensionRequest.objects.get(pk=extension.pk))
    decision_mails.extension_decision_notify(
        request=ExtensionRequest.objects.get(pk=extension.pk), user=units.secretariat
    )

    assert Notification.objects.filter(recipient="head-commune40@example.org").count() == 1


def test_the_same_answer_twice_mails_once_and_a_new_answer_mails_again(units, obstacle):
    answer(units, obstacle)
    answer(units, Obstacle.objects.get(pk=obstacle.pk))  # a double click
    decision_mails.obstacle_decision_notify(obstacle=Obstacle.objects.get(pk=obstacle.pk), user=units.secretariat)
    assert Notification.objects.filter(recipient="head-commune40@example.org").count() == 1

    services.obstacle_answer(
        obstacle=Obstacle.objects.get(pk=obstacle.pk), user=units.secretariat, answer="Bổ sung: máy đã về huyện"
    )
    bodies = Notification.objects.filter(recipient="head-commune40@example.org").values_list("body_text", flat=True)
    assert len(bodies) == 2 and any("Bổ sung: máy đã về huyện" in body for body in bodies)


def test_closing_twice_is_refused_and_mails_once(units, obstacle):
    services.obstacle_close(obstacle=obstacle, user=units.secretariat)
    with pytest.raises(ValidationError):
        services.obstacle_close(obstacle=Obstacle.objects.get(pk=obstacle.pk), user=units.secretariat)

    assert Notification.objects.filter(recipient="head-commune40@example.org", kind="obstacle").count() == 1


def test_the_unit_reads_the_secretariats_decisions_on_its_page(client, units, extension, obstacle):
    client.force_login(units.secretariat)
    client.post(
        reverse("reports:queue_extension", args=[extension.pk]),
        {"decision": "reject", "due_date": "", "note": "Đã gia hạn một lần"},
    )
    client.post(
        reverse("reports:queue_obstacle", args=[obstacle.pk]),
        {"action": "answer", "answer": "Liên hệ Công an huyện mượn máy"},
    )
    assert Notification.objects.filter(recipient="head-commune40@example.org").count() == 2

    client.force_login(units.head_commune)
    page = client.get(reverse("tasks:my_unit")).content.decode()
    answers = page.split('id="decisions"')[1].split("</section>")[0]
    assert "Trả lời đề nghị của đơn vị" in page
    assert "Không được gia hạn" in answers and "Đã gia hạn một lần" in answers
    assert "Vướng mắc: đã trả lời" in answers and "Liên hệ Công an huyện mượn máy" in answers


def test_an_approved_extension_shows_its_new_due_date_on_the_units_page(client, units, extension):
    approve(units, extension)
    client.force_login(units.head_commune)
    answers = client.get(reverse("tasks:my_unit")).content.decode().split('id="decisions"')[1]
    assert "Đồng ý gia hạn" in answers and "thời hạn mới 15/07/2023" in answers


@pytest.mark.parametrize(("status", "label"), [("paused", "Tạm dừng"), ("cancelled", "Đã hủy")])
def test_pausing_or_cancelling_an_assignment_tells_the_unit_once(units, assignment, status, label):
    services.assignment_report(
        assignment=assignment,
        user=units.secretariat,
        version=1,
        work_status=status,
        progress=0,
        note="Chờ hướng dẫn của Bộ Công an",
    )

    (row,) = Notification.objects.filter(recipient="head-commune40@example.org")
    assert row.kind == "status" and label in row.subject
    assert "Chờ hướng dẫn của Bộ Công an" in row.body_text and "Chờ hướng dẫn của Bộ Công an" in row.body_html


def test_resuming_a_paused_assignment_tells_the_unit(units, assignment):
    for version, status, note in [(1, "paused", "Chờ hướng dẫn"), (2, "in_progress", "Tiếp tục thực hiện")]:
        services.assignment_report(
            assignment=assignment, user=units.secretariat, version=version, work_status=status, progress=0, note=note
        )
        assignment.refresh_from_db()

    subjects = Notification.objects.filter(recipient="head-commune40@example.org").values_list("subject", flat=True)
    assert sorted(subjects) == sorted(
        [
            "[Đề án 06] Tạm dừng: II.3. Kích hoạt định danh điện tử",
            "[Đề án 06] Đang thực hiện: II.3. Kích hoạt định danh điện tử",
        ]
    )

"""The admin's periodic-task pages, where the README sends the secretariat to edit reminder times,
speak Vietnamese: the package's fields and help texts, the schedules in words, Django's chrome."""

import pytest
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from tests.pages import visible_text
from units.models import User
from units.services import secretariat_group_ensure

# English that the pages showed before they were translated.
ENGLISH = [
    "Periodic Tasks",
    "periodic task",
    "Task Name",
    "Scheduler",
    "Crontab",
    "Human readable",
    "Interval Schedule",
    "Positional Arguments",
    "Last Run Datetime",
    "Execution Options",
    "Enable selected tasks",
    "Skip to main content",
    "Toggle theme",
    "Model name",
    "At 07:00 AM",
    "Every minute",
    "Translation:",
]


@pytest.fixture
def secretariat_client(client, tree):
    user = tree.secretariat
    user.is_staff = True
    user.save()
    secretariat_group_ensure(users=[user])
    client.force_login(User.objects.get(pk=user.pk))
    return client


def reminders():
    return PeriodicTask.objects.get(task="reports.send_reminders")


@pytest.mark.parametrize(
    ("page", "vietnamese"),
    [
        (lambda: reverse("admin:index"), ["Tác vụ định kỳ", "Lịch theo giờ", "Chuyển đến nội dung chính"]),
        (
            lambda: reverse("admin:django_celery_beat_periodictask_changelist"),
            ["Chọn tác vụ định kỳ để thay đổi", "Lịch chạy", "Hằng ngày lúc 07:00", "Lúc 07:00, thứ Hai", "Bởi tác vụ"],
        ),
        (
            lambda: reverse("admin:django_celery_beat_periodictask_change", args=[reminders().pk]),
            ["Tham số theo vị trí", "Lần chạy gần nhất", "Bỏ chọn để tắt lịch", "Hằng ngày lúc 07:00"],
        ),
        (
            lambda: reverse("admin:django_celery_beat_crontabschedule_changelist"),
            ["Lịch chạy bằng lời", "Biểu thức cron", "Hằng ngày lúc 07:00"],
        ),
        (
            lambda: reverse("admin:django_celery_beat_crontabschedule_change", args=[reminders().crontab_id]),
            ["Tác vụ định kỳ dùng lịch này", "Thứ trong tuần", "Hằng ngày lúc 07:00"],
        ),
    ],
    ids=["index", "task-list", "task-form", "schedule-list", "schedule-form"],
)
def test_it_shows_the_schedule_pages_in_vietnamese(secretariat_client, page, vietnamese):
    response = secretariat_client.get(page())
    assert response.status_code == 200
    text = visible_text(response.content)
    assert [word for word in vietnamese if word not in text] == []
    assert [word for word in ENGLISH if word in text] == []


def test_it_lists_the_reminder_schedule_in_the_task_form_in_words(secretariat_client):
    response = secretariat_client.get(reverse("admin:django_celery_beat_periodictask_change", args=[reminders().pk]))
    assert "(m/h/dM/MY/d)" not in response.context["adminform"].form["crontab"].as_widget()


def test_it_names_the_status_of_a_failed_login_in_vietnamese(secretariat_client):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username="head-commune40",
        ip_address="10.0.0.9",
        user_agent="Firefox",
        path_info="/dang-nhap/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )
    text = visible_text(secretariat_client.get(reverse("admin:axes_accessattempt_changelist")).content)
    assert "Trạng thái" in text and "Đang bị khóa" in text
    assert "Status" not in text

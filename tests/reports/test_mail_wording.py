"""What a unit reads at the top of a mail: who it is from, and a greeting without a date."""

import datetime
from email.header import decode_header, make_header

import pytest
from django.core import mail

from reports import outbox, reminders
from reports.models import Notification
from tests.conftest import TODAY
from tests.factories import make_assignment, make_task


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY (20/06/2023)."""


@pytest.fixture
def reminder(tree):
    tree.commune.contact_emails = "vanthu-dienky@example.org"
    tree.commune.save()
    make_assignment(tree.commune, make_task(), due_date=TODAY + datetime.timedelta(days=1))
    reminders.reminders_decide(today=TODAY)
    return Notification.objects.get(kind="reminder", unit=tree.commune)


def test_the_reminder_greets_the_units_head_without_a_date(tree, reminder):
    assert reminder.body_text.splitlines()[0] == f"Kính gửi Thủ trưởng {tree.commune.name},"
    assert f"Kính gửi Thủ trưởng {tree.commune.name},</p>" in reminder.body_html
    assert "20/06/2023)," not in reminder.body_text + reminder.body_html


def test_a_mail_comes_from_de_an_06_with_its_accents(reminder):
    outbox.outbox_flush()
    [message] = mail.outbox
    header = message.message()["From"]
    assert header.isascii()  # encoded as the RFC asks
    assert str(make_header(decode_header(header))) == "Đề án 06 <de-an-06@localhost>"

"""The beat schedules of the outbox, the reminders and the digests (editable in the admin)."""

from django.db import migrations

# (name, job, minute, hour, day of week); times are Asia/Ho_Chi_Minh.
SCHEDULES = [
    ("Nhắc hạn hằng ngày (07:00)", "reports.send_reminders", "0", "7", "*"),
    ("Bản tin tuần (thứ Hai 07:00)", "reports.send_digests", "0", "7", "1"),
    ("Gửi thư trong hàng đợi (mỗi phút)", "reports.flush_outbox", "*", "*", "*"),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, job, minute, hour, day_of_week in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week=day_of_week, day_of_month="*", month_of_year="*",
            timezone="Asia/Ho_Chi_Minh",
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": job, "crontab": crontab})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_notifications"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]

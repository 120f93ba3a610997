"""django-celery-beat's admin pages in Vietnamese (where the secretariat edits reminder times), and
the one English column of django-axes' (where it unlocks accounts).

The package's own strings are translated in locale_packages/. What no catalogue can reach is
replaced here: a field named in English without gettext ("Task Name"), columns named after
attributes ("Scheduler", "Human readable") and the schedules in words, which the package has
cron_descriptor write in the server's locale ("At 07:00 AM").
"""

from axes import admin as axes_admin
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule

WEEKDAYS = {
    0: _("Sundays"),
    1: _("Mondays"),
    2: _("Tuesdays"),
    3: _("Wednesdays"),
    4: _("Thursdays"),
    5: _("Fridays"),
    6: _("Saturdays"),
    7: _("Sundays"),
}


def _numbers(field: str) -> list[int] | None:
    """The values of a cron field made only of numbers ("1,15"); None for "*", ranges and steps."""
    parts = field.split(",")
    if not all(part.isdigit() for part in parts):
        return None
    return [int(part) for part in parts]


def crontab_in_words(crontab: CrontabSchedule) -> str:
    """ "Lúc 07:00, thứ Hai": the schedules this project uses, said in Vietnamese; else the expression."""
    minute, hour = crontab.minute, crontab.hour
    if minute == hour == crontab.day_of_week == crontab.day_of_month == crontab.month_of_year == "*":
        words = _gettext("Every minute")
    else:
        minutes, hours = _numbers(minute), _numbers(hour)
        days_of_week = None if crontab.day_of_week == "*" else _numbers(crontab.day_of_week)
        if (
            not minutes
            or not hours
            or len(minutes) != 1
            or crontab.day_of_month != "*"
            or crontab.month_of_year != "*"
            or (crontab.day_of_week != "*" and not days_of_week)
            or any(day > 7 for day in days_of_week or [])
        ):
            expression = f"{minute} {hour} {crontab.day_of_month} {crontab.month_of_year} {crontab.day_of_week}"
            return _gettext("Cron expression %(expression)s") % {"expression": expression}
        times = ", ".join(f"{h:02d}:{minutes[0]:02d}" for h in hours)
        if days_of_week is None:
            words = _gettext("Every day at %(times)s") % {"times": times}
        else:
            days = ", ".join(str(WEEKDAYS[day]) for day in days_of_week)
            words = _gettext("At %(times)s on %(days)s") % {"times": times, "days": days}
    if str(crontab.timezone) != settings.TIME_ZONE:
        words = f"{words} ({crontab.timezone})"
    return words


class TaskNameFilter(admin.AllValuesFieldListFilter):
    """The package names the field "Task Name" without gettext."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("job")


class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin):
    list_display = ("name", "enabled", "schedule_in_words", "start_time", "last_run_at", "one_off")
    list_filter = ["enabled", "one_off", ("task", TaskNameFilter), "start_time", "last_run_at"]

    @admin.display(description=_("Schedule"))
    def schedule_in_words(self, obj):
        if obj.crontab_id:
            return crontab_in_words(obj.crontab)
        return str(obj.interval or obj.solar or obj.clocked or "")

    @admin.display(description=_("Schedule in words"))
    def crontab_translation(self, obj):
        return crontab_in_words(obj.crontab) if obj.crontab_id else ""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "crontab" in form.base_fields:
            form.base_fields["crontab"].label_from_instance = crontab_in_words
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        if hasattr(response, "context_data"):
            # The page's script shows the chosen schedule in words under the list.
            response.context_data["readable_crontabs"] = {
                crontab.id: crontab_in_words(crontab) for crontab in CrontabSchedule.objects.all()
            }
        return response


class PeriodicTaskInline(beat_admin.PeriodicTaskInline):
    fields = ("name", "job", "args", "kwargs")
    readonly_fields = fields

    @admin.display(description=_("job"))
    def job(self, obj):
        return obj.task


class CrontabScheduleAdmin(beat_admin.CrontabScheduleAdmin):
    inlines = [PeriodicTaskInline]
    list_display = ("in_words", "expression")
    fields = ("in_words", "minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone")
    readonly_fields = ("in_words",)

    @admin.display(description=_("Schedule in words"))
    def in_words(self, obj):
        return crontab_in_words(obj) if obj.pk else ""

    @admin.display(description=_("Cron expression"))
    def expression(self, obj):
        return f"{obj.minute} {obj.hour} {obj.day_of_month} {obj.month_of_year} {obj.day_of_week}"


class IntervalScheduleAdmin(beat_admin.IntervalScheduleAdmin):
    inlines = [PeriodicTaskInline]


class SolarScheduleAdmin(beat_admin.SolarScheduleAdmin):
    inlines = [PeriodicTaskInline]


class ClockedScheduleAdmin(beat_admin.ClockedScheduleAdmin):
    inlines = [PeriodicTaskInline]


class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):
    @admin.display(description=_("Status"))
    def status(self, obj):
        return super().status(obj)  # the package's column is named after the method: "Status"


for model, model_admin in (
    (AccessAttempt, AccessAttemptAdmin),
    (PeriodicTask, PeriodicTaskAdmin),
    (CrontabSchedule, CrontabScheduleAdmin),
    (IntervalSchedule, IntervalScheduleAdmin),
    (SolarSchedule, SolarScheduleAdmin),
    (ClockedSchedule, ClockedScheduleAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)

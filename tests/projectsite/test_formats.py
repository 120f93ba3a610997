"""Dates and numbers as Vietnamese offices write them."""

import datetime

from django import forms
from django.template import Context, Template
from django.utils import formats, translation


class DayForm(forms.Form):
    day = forms.DateField()


def test_a_date_typed_as_05_03_2026_is_the_fifth_of_march():
    form = DayForm({"day": "05/03/2026"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == datetime.date(2026, 3, 5)


def test_an_impossible_day_is_refused_not_swapped():
    form = DayForm({"day": "31/02/2026"})
    assert not form.is_valid()
    form = DayForm({"day": "13/25/2026"})
    assert not form.is_valid()


def test_dates_are_shown_as_dd_mm_yyyy():
    rendered = Template('{{ d|date:"SHORT_DATE_FORMAT" }} {{ d }}').render(Context({"d": datetime.date(2023, 6, 30)}))
    assert rendered == "30/06/2023 30/06/2023"


def test_numbers_use_dots_for_thousands_and_a_comma_for_decimals():
    rendered = Template("{{ n }} {{ x }}").render(Context({"n": 1269779, "x": 12.5}))
    assert rendered == "1.269.779 12,5"


def test_weeks_start_on_monday():
    assert formats.get_format("FIRST_DAY_OF_WEEK") == 1


def test_the_default_language_is_vietnamese(settings):
    assert settings.LANGUAGE_CODE == "vi"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    with translation.override("vi"):
        assert translation.gettext("Overdue") == "Quá hạn chưa hoàn thành"

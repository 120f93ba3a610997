"""Reporting periods of the official report: keys, labels, bounds and the periods a picker offers."""

import datetime

import pytest
from django.utils import translation

from reports.periods import MONTH, QUARTER, YEAR, Period, PeriodError, last_closed, period_choices, period_parse

TODAY = datetime.date(2023, 7, 5)


@pytest.fixture(autouse=True)
def _vietnamese():
    with translation.override("vi"):
        yield


@pytest.mark.parametrize(
    "key, kind, start, end, label",
    [
        ("2023-06", MONTH, datetime.date(2023, 6, 1), datetime.date(2023, 6, 30), "tháng 6 năm 2023"),
        ("2023-02", MONTH, datetime.date(2023, 2, 1), datetime.date(2023, 2, 28), "tháng 2 năm 2023"),
        ("2022-12", MONTH, datetime.date(2022, 12, 1), datetime.date(2022, 12, 31), "tháng 12 năm 2022"),
        ("2023-Q2", QUARTER, datetime.date(2023, 4, 1), datetime.date(2023, 6, 30), "quý II năm 2023"),
        ("2022-Q4", QUARTER, datetime.date(2022, 10, 1), datetime.date(2022, 12, 31), "quý IV năm 2022"),
        ("2022", YEAR, datetime.date(2022, 1, 1), datetime.date(2022, 12, 31), "năm 2022"),
    ],
)
def test_it_reads_a_period_key_with_its_days_and_its_name(key, kind, start, end, label):
    period = period_parse(key, today=TODAY)
    assert (period.kind, period.start, period.end, period.label(), period.key) == (kind, start, end, label, key)


def test_the_current_period_may_be_drafted_before_it_ends():
    assert period_parse("2023-Q3", today=TODAY).start == datetime.date(2023, 7, 1)
    assert period_parse("2023", today=TODAY).end == datetime.date(2023, 12, 31)


@pytest.mark.parametrize(
    "key, words",
    [
        ("", "không phải là kỳ báo cáo"),
        ("2023-Q5", "không phải là kỳ báo cáo"),
        ("2023-13", "không phải là kỳ báo cáo"),
        ("2023-00", "không phải là kỳ báo cáo"),
        ("quý 2", "không phải là kỳ báo cáo"),
        ("2023-06-01", "không phải là kỳ báo cáo"),
        ("x" * 5000, "không phải là kỳ báo cáo"),
        ("2021-Q4", "Đề án 06 bắt đầu từ năm 2022"),
        ("0000", "Đề án 06 bắt đầu từ năm 2022"),
        ("2023-08", "Tháng 8 năm 2023 chưa bắt đầu: hãy chọn kỳ báo cáo đến hôm nay (05/07/2023)."),
        ("2024", "Năm 2024 chưa bắt đầu"),
        ("9999-Q4", "Quý IV năm 9999 chưa bắt đầu"),
    ],
)
def test_a_period_it_cannot_report_is_refused_in_vietnamese(key, words):
    with pytest.raises(PeriodError) as refused:
        period_parse(key, today=TODAY)
    assert words in str(refused.value)
    assert len(str(refused.value)) < 200  # a long key is not echoed whole


def test_the_last_closed_periods_are_those_that_ended_before_today():
    assert last_closed(MONTH, TODAY) == Period(MONTH, 2023, 6)
    assert last_closed(QUARTER, TODAY) == Period(QUARTER, 2023, 2)
    assert last_closed(YEAR, TODAY) == Period(YEAR, 2022)
    assert last_closed(QUARTER, datetime.date(2023, 1, 1)) == Period(QUARTER, 2022, 4)
    assert last_closed(MONTH, datetime.date(2023, 1, 31)) == Period(MONTH, 2022, 12)


def test_the_picker_offers_every_period_begun_since_2022_newest_first():
    groups = dict(period_choices(TODAY))
    assert list(groups) == ["Hằng quý", "Hằng tháng", "Hằng năm"]
    assert groups["Hằng quý"][:2] == [("2023-Q3", "Quý III năm 2023"), ("2023-Q2", "Quý II năm 2023")]
    assert groups["Hằng quý"][-1] == ("2022-Q1", "Quý I năm 2022")
    assert len(groups["Hằng tháng"]) == 12 + 7
    assert groups["Hằng năm"] == [("2023", "Năm 2023"), ("2022", "Năm 2022")]

"""The official report of a period: what it says (the dashboard's counts as at the period's end, in
the Government Office's groups), how it looks (Nghị định 30), which parts it leaves out, its appendix."""

import datetime
from io import BytesIO
from types import SimpleNamespace

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from docx.shared import Mm, Pt

from reports import official, selectors
from reports.periods import period_parse
from tasks.models import Assignment, IndicatorReport, Obstacle, ReportSlot
from tasks.services import explanation_answer, explanation_ask, slot_report
from tasks.slots import slots_ensure
from tasks.summaries import indicator_totals_rebuild
from tests.documents import open_docx, paragraphs, row_starting, tables
from tests.factories import (
    bulk_assignments,
    bulk_communes,
    make_assignment,
    make_document,
    make_eid_targets,
    make_task,
    make_user,
)

END = datetime.date(2023, 6, 30)
DRAFTED = datetime.date(2023, 7, 5)  # the report of Q2 is drafted after the quarter ended


NONE_ASKED = "Trong kỳ không có đơn vị nào được yêu cầu giải trình."


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def d(month: int, day: int) -> datetime.date:
    return datetime.date(2023, month, day)


@pytest.fixture
def data(tree, fixed_today):
    """The Q2 programme as the secretariat saw it on 20/06/2023, and what happened after 30/06."""
    task = make_task(make_document("4505/UBND-KSTT"), ref="1", title="Kích hoạt định danh")
    other = make_task(make_document("78/KH-UBND"), ref="2", title="Tuyên truyền")
    confirmed = Assignment.WorkStatus.CONFIRMED
    make_assignment(
        tree.agency, task, due_date=d(6, 10), work_status=confirmed, completed_on=d(6, 5), confirmed_at=at(d(6, 6))
    )
    make_assignment(
        tree.commune, task, due_date=d(5, 10), work_status=confirmed, completed_on=d(5, 20), confirmed_at=at(d(5, 21))
    )
    make_assignment(tree.commune2, task, due_date=d(6, 25))  # overdue at the end of June
    make_assignment(tree.other_commune, task, due_date=d(8, 1))  # within time
    make_assignment(tree.area, other)  # recurring
    make_assignment(tree.other_district, other, due_date=d(7, 3))  # due soon on 30/06: within time
    late = make_assignment(tree.agency, other, due_date=d(6, 28))
    # Confirmed after the quarter: still overdue in the quarter's report.
    Assignment.objects.filter(pk=late.pk).update(work_status=confirmed, completed_on=d(7, 1), confirmed_at=at(d(7, 2)))
    indicator = make_eid_targets({tree.province: 2000, tree.area: 1000, tree.commune: 500, tree.commune2: 500})
    for day, value in [(d(6, 1), 300), (d(6, 30), 900), (d(7, 3), 1000)]:
        IndicatorReport.objects.create(indicator=indicator, unit=tree.commune, as_of=day, value=value)
    indicator_totals_rebuild(province_id=tree.province.pk)

    def obstacle(unit, raised, text, *, answered=None, answer=""):
        return Obstacle.objects.create(
            unit=unit,
            category=Obstacle.Category.DATA,
            text=text,
            raised_by=tree.head_commune,
            raised_at=at(raised),
            answer=answer,
            answered_by=tree.secretariat if answered else None,
            answered_at=at(answered) if answered else None,
            status=Obstacle.Status.ANSWERED if answered else Obstacle.Status.OPEN,
        )

    obstacle(tree.commune, d(2, 1), "Settled before the quarter", answered=d(3, 1), answer="Old answer")
    obstacle(tree.commune, d(3, 1), "Carried from the first quarter")
    obstacle(tree.commune, d(5, 2), "Raised and answered in June", answered=d(6, 10), answer="Use the VNeID app")
    obstacle(tree.commune2, d(6, 15), "Answered after the quarter", answered=d(7, 3), answer="Too late for Q2")
    obstacle(tree.commune2, d(7, 2), "Raised after the quarter")
    return tree


def report(tree, key="2023-Q2", today=DRAFTED):
    return official.official_report_data(province=tree.province, period=period_parse(key, today=today), today=today)


def test_its_counts_are_the_dashboards_as_at_the_end_of_the_quarter_in_the_government_offices_groups(
    client, data, settings
):
    result = report(data)
    assert (result.as_at, result.live) == (END, False)
    assert result.groups == {
        "total": 7,
        "done": 2,
        "done_on_time": 1,
        "done_late": 1,
        "open": 4,
        "within_time": 2,
        "overdue": 2,  # the one confirmed on 02/07 was overdue on 30/06
        "recurring": 1,
    }
    settings.APP_TODAY = DRAFTED
    client.force_login(data.secretariat)
    page = client.get(reverse("reports:overview"), {"as_at": "30/06/2023"})
    cards = {card["status"].value: card["count"] for card in page.context["cards"]}
    assert result.breakdown.province == {**cards, "total": page.context["total"]}

    document = open_docx(official.official_report_docx(result))
    text = paragraphs(document)
    assert "Tổng số: 7 nhiệm vụ giao cho các cơ quan, đơn vị, địa phương" in " ".join(text)
    assert "- Đã hoàn thành: 2 (28,6%), trong đó đúng hạn 1, quá hạn 1;" in text
    assert "- Chưa hoàn thành: 4 (57,1%), trong đó trong hạn 2, quá hạn 2;" in text
    assert "- Nhiệm vụ thường xuyên, không có thời hạn: 1 (14,3%);" in text
    assert any(line.startswith("- Tỷ lệ hoàn thành đúng hạn: 25,0%") for line in text)  # 1 of 4 whose date came
    # Whole province: total, on time, late, within time, overdue, recurring, on-time rate.
    assert row_starting(document, "Toàn tỉnh") == ["Toàn tỉnh", "7", "1", "1", "2", "2", "1", "25,0%"]
    assert row_starting(document, "4505/UBND-KSTT") == ["4505/UBND-KSTT", "4", "1", "1", "1", "1", "0", "33,3%"]


def test_it_is_laid_out_as_nghi_dinh_30_asks(data):
    document = open_docx(official.official_report_docx(report(data)))
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.1) and abs(section.page_height - Mm(297)) < Mm(0.1)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert all(abs(got - Mm(want)) < Mm(0.1) for got, want in zip(margins, [20, 20, 30, 15], strict=True))
    normal = document.styles["Normal"].font
    assert (normal.name, normal.size) == ("Times New Roman", Pt(14))
    heading, *_, closing = tables(document)
    left, right = heading[0]
    assert left.split("\n")[:2] == ["ỦY BAN NHÂN DÂN", "TỈNH NGHỆ AN"]
    assert "Số:" in left and left.rstrip().endswith("/BC-UBND")
    assert right.split("\n")[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert right.split("\n")[-1].split() == [
        "Nghệ",
        "An,",
        "ngày",
        "tháng",
        "năm",
        "2023",
    ]  # day and month for the clerk
    text = paragraphs(document)
    assert text[text.index("BÁO CÁO") + 1] == "Kết quả thực hiện Đề án 06 quý II năm 2023"
    headings = [line for line in text if line[:3] in ("I. ", "II.", "III", "IV.", "V. ", "VI.")]
    assert headings == [
        "I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ ĐƯỢC GIAO",
        "II. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU",
        "III. CÁC ĐƠN VỊ CHẬM TIẾN ĐỘ",
        "IV. KHÓ KHĂN, VƯỚNG MẮC VÀ KẾT QUẢ GIẢI QUYẾT",
        "V. ĐỀ XUẤT, KIẾN NGHỊ",
    ]
    # The proposals are the clerk's: dotted lines to the margin, then the closing sentence.
    proposals = text.index("V. ĐỀ XUẤT, KIẾN NGHỊ")
    assert text[proposals + 1 : proposals + 5] == ["\t"] * 4
    assert (
        text[proposals + 5]
        == "Trên đây là báo cáo kết quả thực hiện Đề án 06 quý II năm 2023 của Ủy ban nhân dân tỉnh Nghệ An./."
    )
    recipients, signature = closing[0]
    assert recipients.startswith("Nơi nhận:\n- Tổ công tác triển khai Đề án 06 của Chính phủ (để báo cáo);")
    assert recipients.endswith("- Lưu: VT.")
    assert signature.split("\n")[:2] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    # Body text 14 pt, tables 12 pt; "Nơi nhận" 12 pt and its lines 11 pt, as the decree has them.
    assert {run.font.size for p in document.paragraphs for run in p.runs if run.text.strip()} == {Pt(14)}
    # Page numbers from the second page on, centred in the top margin.
    assert section.different_first_page_header_footer
    assert "PAGE" in section.header._element.xml and "PAGE" not in section.first_page_header._element.xml


def test_indicators_lagging_units_and_obstacles_are_as_they_stood_at_the_end_of_the_quarter(data):
    result = report(data)
    (summary,) = result.indicators
    assert (summary.node.actual, summary.node.as_of) == (900, END)  # not the figure of 03/07
    lagging = {row.unit.code: row.overdue for row in result.lagging}
    assert lagging[data.commune2.code] == 1 and lagging[data.agency.code] == 1
    assert [(row.obstacle.text, row.answered_on) for row in result.obstacles] == [
        ("Carried from the first quarter", None),
        ("Raised and answered in June", d(6, 10)),
        ("Answered after the quarter", None),
    ]
    text = paragraphs(open_docx(official.official_report_docx(result)))
    assert (
        "Trong kỳ, các đơn vị nêu 2 vướng mắc, 1 vướng mắc từ trước chuyển sang; 1 vướng mắc đã được trả lời "
        "trong kỳ, đến cuối kỳ còn 2 vướng mắc chưa được trả lời." in text
    )
    assert any(
        line.startswith("- Kích hoạt tài khoản định danh điện tử: đạt 900/2.000 tk (45,0% chỉ tiêu") for line in text
    )
    document = open_docx(official.official_report_docx(result))
    answers = [row[-1] for table in tables(document) for row in table if row[0] in ("1", "2", "3")]
    assert "đã trả lời ngày 10/06/2023: Use the VNeID app" in answers
    assert "Too late for Q2" not in " ".join(answers)


def test_a_part_without_a_data_source_is_left_out_and_the_numbering_closes_up(data):
    result = report(data)
    text = paragraphs(open_docx(official.official_report_docx(result)))
    # No reporting rates yet: that part is left out. Explanations have a source: none asked is said.
    assert not any("BÁO CÁO ĐỊNH KỲ" in line for line in text)
    assert result.explanations == []
    assert NONE_ASKED in text
    result.rates = [official.RateRow(label="Các xã, phường", expected=460, received=430, on_time=400)]
    result.explanations = [
        SimpleNamespace(
            unit=data.commune2,
            area_name="Huyện Diễn Châu",
            subject="1. Kích hoạt định danh",
            asked_on=d(6, 20),
            due_date=d(6, 27),
            late=True,
            answer="",
            answered_on=None,
        )
    ]
    document = open_docx(official.official_report_docx(result))
    text = paragraphs(document)
    assert [line for line in text if line.startswith(("III.", "IV.", "V.", "VI."))] == [
        "III. TÌNH HÌNH BÁO CÁO ĐỊNH KỲ CỦA CÁC ĐƠN VỊ",
        "IV. CÁC ĐƠN VỊ CHẬM TIẾN ĐỘ",
        "V. KHÓ KHĂN, VƯỚNG MẮC VÀ KẾT QUẢ GIẢI QUYẾT",
        "VI. ĐỀ XUẤT, KIẾN NGHỊ",
    ]
    assert row_starting(document, "Các xã, phường") == ["Các xã, phường", "460", "430", "400", "93,5%", "87,0%"]
    assert (
        "- Thị trấn Diễn Châu (Huyện Diễn Châu): được yêu cầu giải trình ngày 20/06/2023, hạn 27/06/2023 "
        "(1. Kích hoạt định danh); chưa giải trình (quá hạn)." in text
    )
    workbook = openpyxl.load_workbook(BytesIO(official.official_report_xlsx(result)))
    assert workbook.sheetnames[-2:] == ["Tình hình báo cáo", "Giải trình"]


def test_demonstration_data_are_labelled_so(data):
    note = "Ghi chú: số liệu trong báo cáo có dữ liệu minh họa (nhiệm vụ và số liệu mẫu), không phải số liệu thực tế."
    assert note not in paragraphs(open_docx(official.official_report_docx(report(data))))
    make_assignment(data.commune, make_task(illustrative=True), due_date=d(6, 1))
    assert note in paragraphs(open_docx(official.official_report_docx(report(data))))


def test_a_period_that_has_not_ended_is_counted_as_at_today(data, settings):
    settings.APP_TODAY = d(7, 5)
    result = report(data, "2023-Q3", today=d(7, 5))
    assert (result.as_at, result.live) == (d(7, 5), True)
    assert result.breakdown.province == selectors.status_breakdown(province=data.province, today=d(7, 5)).province
    text = " ".join(paragraphs(open_docx(official.official_report_docx(result))))
    assert "(số liệu tính đến ngày 05/07/2023, kỳ báo cáo chưa kết thúc)" in text
    assert "Trong kỳ báo cáo, tỉnh không có chỉ tiêu được giao." in text  # the e-ID target ended on 30/06


def test_the_appendix_lists_every_area_indicator_lagging_unit_and_obstacle(data):
    workbook = openpyxl.load_workbook(BytesIO(official.official_report_xlsx(report(data))))
    assert workbook.sheetnames == ["Nhiệm vụ", "Chỉ tiêu", "Đơn vị chậm tiến độ", "Vướng mắc", "Giải trình"]
    tasks = workbook["Nhiệm vụ"]
    assert tasks["A1"].value.startswith("Nhiệm vụ theo tình trạng thời hạn — Quý II năm 2023")
    areas = {row[1]: row[-2] for row in tasks.iter_rows(min_row=5, values_only=True) if row[0] == "Địa bàn"}
    assert areas == {"Huyện Diễn Châu": 3, "Huyện Kỳ Sơn": 2}
    indicators = list(workbook["Chỉ tiêu"].iter_rows(min_row=5, values_only=True))
    assert [(row[0], row[3], row[6]) for row in indicators] == [("DDDT", 2000, 900)]
    obstacles = list(workbook["Vướng mắc"].iter_rows(min_row=5, values_only=True))
    assert [(row[4], row[5]) for row in obstacles] == [
        ("Carried from the first quarter", "Mở"),
        ("Raised and answered in June", "Đã trả lời"),
        ("Answered after the quarter", "Mở"),
    ]


def test_drafting_makes_the_same_few_queries_whatever_the_size(data):
    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            result = report(data)
            official.official_report_docx(result)
            official.official_report_xlsx(result)
        return len(queries)

    small = measure()
    communes = bulk_communes(data.area, 120)
    bulk_assignments(communes, make_task(), due_date=d(6, 1))
    for unit in communes[:30]:
        Obstacle.objects.create(
            unit=unit, category="data", text="Thiếu dữ liệu", raised_by=data.head_commune, raised_at=at(d(6, 2))
        )
    assert measure() == small


def test_an_explanation_asked_in_the_quarter_is_in_the_report_as_it_stood_at_the_quarters_end(data, settings):
    request = explanation_ask(
        unit=data.commune2, user=data.secretariat, reason="Chậm kích hoạt định danh", due_date=d(6, 27)
    )
    text = paragraphs(open_docx(official.official_report_docx(report(data))))
    line = next(line for line in text if line.startswith(f"- {data.commune2.name}"))
    assert "được yêu cầu giải trình ngày 20/06/2023, hạn 27/06/2023" in line
    assert line.endswith("chưa giải trình (quá hạn).")
    assert NONE_ASKED not in text

    # Explained after the quarter: the Q2 report, drafted again, still says what stood on 30/06.
    settings.APP_TODAY = d(7, 5)
    head = make_user(data.commune2, username="head-commune2")
    explanation_answer(request=request, user=head, answer="Thiếu máy đọc CCCD", version=request.version)
    again = paragraphs(open_docx(official.official_report_docx(report(data))))
    assert next(line for line in again if line.startswith(f"- {data.commune2.name}")) == line


def test_the_reporting_part_counts_the_periodic_reports_as_the_dashboard_does(data, settings):
    """A monthly report owed by two communes by 20/06: one on time, one never; the Q2 report says so."""
    task = make_task(
        make_document("CV-BC/UBND"),
        ref="9",
        title="Báo cáo tháng",
        is_recurring=True,
        report_period="monthly",
        due_rule="day_of_period",
        due_day=20,
        cycle_since=d(6, 1),
    )
    make_assignment(data.commune, task)
    make_assignment(data.commune2, task)
    slots_ensure(today=d(6, 1))
    slot = ReportSlot.objects.get(unit=data.commune, period_start=d(6, 1))
    settings.APP_TODAY = d(6, 10)
    slot_report(slot=slot, user=data.head_commune, version=slot.version, outcome="done")

    result = report(data)
    assert [(row.label, row.expected, row.received, row.on_time) for row in result.rates] == [
        ("Cấp xã", 2, 1, 1),
        ("Toàn tỉnh", 2, 1, 1),
    ]
    text = paragraphs(open_docx(official.official_report_docx(result)))
    assert "III. TÌNH HÌNH BÁO CÁO ĐỊNH KỲ CỦA CÁC ĐƠN VỊ" in text

"""The secretariat's monthly cycle (issue 16) in a real browser: it asks a lagging commune to
explain and reads the answer on the lagging list; a commune head submits its periodic report and the
dashboard counts it received; a deadline moved is found in the audit trail; the official report
downloads as a Word document."""

import datetime

import docx
import pytest

from tasks import services
from tasks.models import Assignment, ReportSlot
from tasks.slots import slots_ensure
from tests.browser.conftest import log_in
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_document, make_task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def log_out(page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login/**")


@pytest.fixture
def lagging(settings):
    """Xã Diễn Kỷ has an assignment overdue since 16/06 (given on 01/06); today is 20/06/2023."""
    settings.APP_TODAY = datetime.date(2023, 6, 1)
    tree = Tree()
    make_assignment(tree.commune, make_task(title="Kích hoạt định danh"), due_date=TODAY - datetime.timedelta(days=4))
    settings.APP_TODAY = TODAY
    return tree


def test_the_secretariat_asks_a_lagging_commune_to_explain_and_reads_its_answer(page, lagging):
    log_in(page, lagging.secretariat.username)
    page.wait_for_url("**/tong-quan/")
    page.get_by_role("link", name="Đơn vị chậm tiến độ").first.click()
    page.wait_for_url("**/cham-tien-do/")
    row = page.locator("tr[data-unit]").filter(has_text="Xã Diễn Kỷ")
    row.get_by_test_id("ask-explanation").click()
    page.wait_for_url(f"**/don-vi/{lagging.commune.code}/giai-trinh/")

    page.get_by_label("Nội dung yêu cầu giải trình").fill("Vì sao chậm kích hoạt định danh?")
    page.get_by_label("Hạn giải trình").fill("27/06/2023")  # 7 days ahead
    page.get_by_role("button", name="Gửi đề nghị").click()
    assert "Đã gửi yêu cầu giải trình. Đơn vị đã được báo qua thư." in page.locator(".alert-success").inner_text()
    asked = page.get_by_test_id("explanations").inner_text()
    assert "Vì sao chậm kích hoạt định danh?" in asked and "hạn giải trình 27/06/2023" in asked
    log_out(page)

    log_in(page, lagging.head_commune.username)
    page.wait_for_url("**/don-vi/")
    section = page.locator("#explanations")
    assert "Vì sao chậm kích hoạt định danh?" in section.inner_text()
    section.get_by_label("Giải trình").fill("Thiếu máy đọc chip, đã mượn của huyện.")
    section.get_by_role("button", name="Gửi giải trình").click()
    assert "Đã gửi giải trình." in page.locator(".alert-success").inner_text()
    assert "Thiếu máy đọc chip, đã mượn của huyện." in page.get_by_test_id("explanation-answer").inner_text()
    log_out(page)

    log_in(page, lagging.secretariat.username)
    page.wait_for_url("**/tong-quan/")
    page.goto("/cham-tien-do/")
    cell = page.locator("tr[data-unit]").filter(has_text="Xã Diễn Kỷ").get_by_test_id("lagging-explanations")
    assert "Đã giải trình" in cell.inner_text()
    cell.get_by_role("link", name="hạn giải trình 27/06/2023").click()
    assert "Thiếu máy đọc chip, đã mượn của huyện." in page.get_by_test_id("explanation-answer").inner_text()
    page.get_by_label("Ghi chú khi đóng").fill("Đã làm việc với xã.")
    page.get_by_role("button", name="Đóng yêu cầu").click()
    assert "Đã đóng yêu cầu." in page.locator(".alert-success").inner_text()
    page.goto("/cham-tien-do/")
    cell = page.locator("tr[data-unit]").filter(has_text="Xã Diễn Kỷ").get_by_test_id("lagging-explanations")
    assert "Đã giải trình" not in cell.inner_text()  # a closed request leaves the list


@pytest.fixture
def monthly(fixed_today):
    """A monthly report "by the 20th", given to Xã Diễn Kỷ on 25/05: June's is due today (20/06/2023)."""
    tree = Tree()
    task = make_task(
        ref="3",
        title="Báo cáo tuyên truyền Đề án 06",
        is_recurring=True,
        report_period="monthly",
        due_rule="day_of_period",
        due_day=20,
        cycle_since=datetime.date(2023, 1, 1),
    )
    assignment = make_assignment(tree.commune, task)
    given = datetime.datetime(2023, 5, 25, 9, tzinfo=datetime.UTC)
    Assignment.objects.filter(pk=assignment.pk).update(created_at=given)
    slots_ensure(today=TODAY)
    tree.june = ReportSlot.objects.get(assignment=assignment, period_start=datetime.date(2023, 6, 1))
    return tree


def test_a_commune_submits_its_monthly_report_and_the_dashboard_counts_it_received(page, monthly, tmp_path):
    log_in(page, monthly.head_commune.username)
    page.wait_for_url("**/don-vi/")
    owed = page.get_by_test_id("slots-owed").locator(f"tr[data-slot='{monthly.june.pk}']")
    assert "Báo cáo tuyên truyền Đề án 06" in owed.inner_text() and "Hạn hôm nay" in owed.inner_text()
    owed.get_by_role("link", name="Nộp báo cáo").click()
    page.wait_for_url(f"**/bao-cao-dinh-ky/{monthly.june.pk}/")

    pdf = tmp_path / "bien-ban-tuyen-truyen.pdf"
    pdf.write_bytes(PDF_BYTES)
    page.get_by_label("Đã thực hiện", exact=True).check()
    page.get_by_label("Ghi chú").fill("Đã treo 12 pano tại thôn")
    page.get_by_label("Tệp minh chứng").set_input_files(str(pdf))
    page.get_by_role("button", name="Nộp báo cáo").click()
    page.wait_for_selector(".alert-success")
    assert "Đã nhận, đúng hạn" in page.get_by_test_id("slot-status").inner_text()
    timeline = page.locator("#timeline").inner_text()
    assert "Đã treo 12 pano tại thôn" in timeline and "bien-ban-tuyen-truyen.pdf" in timeline
    log_out(page)

    log_in(page, monthly.secretariat.username)
    page.wait_for_url("**/tong-quan/")
    area = page.get_by_test_id("rates-by-area").locator(f"tr[data-code='{monthly.area.code}']")
    cells = [cell.strip() for cell in area.locator("td").all_inner_texts()]
    assert cells[:5] == ["1", "1", "1", "0", "0"]  # expected, received, on time, late, missing
    assert "100,0%" in page.get_by_test_id("province-reporting-rate").inner_text()


@pytest.fixture
def plan(fixed_today):
    """A task of the province's plan due 30/06/2023, and an obstacle a commune raised (another kind)."""
    tree = Tree()
    document = make_document("78/KH-UBND", province=tree.province)
    tree.task = make_task(
        document, ref="II.3", title="Số hóa hồ sơ hộ tịch", default_due_date=datetime.date(2023, 6, 30)
    )
    services.obstacle_raise(user=tree.head_commune, category="data", text="Thiếu máy quét")
    return tree


def test_the_secretariat_moves_a_deadline_and_finds_who_moved_it_in_the_audit_trail(page, plan):
    log_in(page, plan.secretariat.username)
    page.wait_for_url("**/tong-quan/")
    page.goto(f"/van-ban/{plan.task.document_id}/")
    page.locator("tr").filter(has_text="Số hóa hồ sơ hộ tịch").get_by_role("link", name="Sửa", exact=True).click()
    page.get_by_label("Tiêu đề").fill("Số hóa hồ sơ hộ tịch, khai sinh")
    page.get_by_label("Hạn hoàn thành mặc định").fill("15/07/2023")
    page.get_by_role("button", name="Lưu lại").click()
    assert "Đã lưu nhiệm vụ." in page.locator(".alert-success").inner_text()

    page.get_by_role("link", name="Nhật ký thay đổi").click()
    page.wait_for_url("**/nhat-ky/")
    assert page.locator("#audit-trail tr[data-kind='obstacle']").count() == 1
    page.get_by_label("Loại").select_option(label="Nhiệm vụ")
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url("**/nhat-ky/?*kind=task*")
    rows = page.locator("#audit-trail tbody tr")
    assert rows.count() == 1 and page.locator("#audit-trail tr[data-kind='obstacle']").count() == 0
    row = rows.first.inner_text()
    assert plan.secretariat.username in row
    assert "30/06/2023 → 15/07/2023" in row
    assert "Số hóa hồ sơ hộ tịch → Số hóa hồ sơ hộ tịch, khai sinh" in row


def test_the_secretariat_downloads_the_official_report_of_a_quarter_as_a_word_document(page, plan):
    log_in(page, plan.secretariat.username)
    page.wait_for_url("**/tong-quan/")
    form = page.get_by_test_id("official-report-form")
    form.get_by_label("Kỳ báo cáo").select_option("2023-Q2")
    with page.expect_download() as download:
        form.get_by_role("button", name="Báo cáo (.docx)").click()
    assert download.value.suggested_filename == "Báo cáo kết quả thực hiện Đề án 06 quý II năm 2023.docx"
    text = "\n".join(paragraph.text for paragraph in docx.Document(download.value.path()).paragraphs)
    assert "Ủy ban nhân dân tỉnh Nghệ An báo cáo kết quả thực hiện Đề án 06 quý II năm 2023" in text

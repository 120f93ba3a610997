"""Acceptance: the official report for Q2/2023 of the demo opens in LibreOffice, converts to PDF, and
its counts equal the dashboard's as at the quarter's end.

LibreOffice (Debian's ``libreoffice-writer-nogui``, which .ci/run installs) runs headless with a
profile of its own in the test's folder. Where ``soffice`` is missing the test is skipped with the
reason in the summary, except with REQUIRE_OFFICE=1 (set by CI): then it fails.
"""

import datetime
import os
import shutil
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from projectsite.text import number
from tasks.selectors import reporting_rates
from tests.documents import open_docx, paragraphs, row_starting, tables
from units.models import Unit, User

pytestmark = pytest.mark.xdist_group("office")  # one LibreOffice at a time on a 2-core machine

TODAY = datetime.date(2026, 11, 20)


def soffice() -> str:
    path = os.environ.get("SOFFICE_PATH") or shutil.which("soffice") or shutil.which("libreoffice")
    if not path:
        reason = "no LibreOffice on this machine (apt-get install libreoffice-writer-nogui)"
        if os.environ.get("REQUIRE_OFFICE") == "1":
            pytest.fail(f"REQUIRE_OFFICE=1 but {reason}")
        pytest.skip(reason)
    return path


def convert(program: str, source, target: str, folder) -> bytes:
    """``source`` converted by LibreOffice to ``target`` ("pdf", "txt:Text (encoded):UTF8")."""
    result = subprocess.run(
        [
            program,
            f"-env:UserInstallation=file://{folder}/profile",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(folder),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    converted = folder / f"{source.stem}.{target.partition(':')[0]}"
    assert converted.exists(), f"LibreOffice wrote nothing: {result.stdout} {result.stderr}"
    return converted.read_bytes()


@pytest.mark.django_db
def test_the_demos_report_for_q2_2023_opens_in_libreoffice_and_counts_as_the_dashboard(client, settings, tmp_path):
    program = soffice()
    call_command("seed_demo", "--password", "demo-pass-2023", "--today", f"{TODAY:%d/%m/%Y}", stdout=StringIO())
    settings.APP_TODAY = TODAY
    client.force_login(User.objects.get(username="secretariat"))

    page = client.get(reverse("reports:overview"), {"as_at": "30/06/2023"})
    assert page.status_code == 200
    cards = {card["status"].value: card["count"] for card in page.context["cards"]}
    total = page.context["total"]
    response = client.get(reverse("reports:official_report"), {"period": "2023-Q2", "file": "docx"})
    assert response.status_code == 200
    document = open_docx(response.content)
    within = cards["not_due"] + cards["due_soon"]
    # The Government Office's groups: total, on time, late, within time, overdue, recurring.
    assert row_starting(document, "Toàn tỉnh")[1:7] == [
        number(n)
        for n in (total, cards["done_on_time"], cards["done_late"], within, cards["overdue"], cards["no_deadline"])
    ]
    for row in page.context["by_level"] + page.context["by_document"]:
        counts = row["counts"]
        assert row_starting(document, str(row["label"]))[1:7] == [
            number(n)
            for n in (
                row["total"],
                counts["done_on_time"],
                counts["done_late"],
                counts["not_due"] + counts["due_soon"],
                counts["overdue"],
                counts["no_deadline"],
            )
        ]
    assert total > 1000 and all(cards.values())  # the demo's quarter has every status
    text = paragraphs(document)
    assert any(line.startswith(f"Tổng số: {number(total)} nhiệm vụ") for line in text)
    assert "Ghi chú: số liệu trong báo cáo có dữ liệu minh họa" in " ".join(text)
    # The districts' periodic reports of the quarter (illustrative), as the dashboard counts them.
    assert any(line.lower().endswith("tình hình báo cáo định kỳ của các đơn vị") for line in text)
    province = Unit.objects.get(code="40", level=Unit.Level.PROVINCE)
    end = datetime.date(2023, 6, 30)
    rates = reporting_rates(province, datetime.date(2023, 4, 1), end, as_at=end)
    rows = [row[:4] for table in tables(document) for row in table]
    for label, row in [*((str(r.label), r) for r in rates.by_level), ("Toàn tỉnh", rates.total)]:
        assert [label, *(number(n) for n in (row.expected, row.received, row.on_time))] in rows
    assert rates.total.expected > rates.total.received > rates.total.on_time > 0

    source = tmp_path / "bao-cao-quy-II-2023.docx"
    source.write_bytes(response.content)
    pdf = convert(program, source, "pdf", tmp_path)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 20_000
    # What LibreOffice reads in the document: the same words and numbers.
    read = convert(program, source, "txt:Text (encoded):UTF8", tmp_path).decode("utf-8-sig")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in read and "Kết quả thực hiện Đề án 06 quý II năm 2023" in read
    assert f"Tổng số: {number(total)} nhiệm vụ" in read
    assert f"- Chưa hoàn thành: {number(within + cards['overdue'])} (" in read

"""Evidence files: what a unit head may attach to a report, and what is refused before anyone opens it."""

import io
import struct
import zipfile
import zlib

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tasks.uploads import MAX_EVIDENCE_BYTES, EvidenceType, check_evidence_file

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"
WEBP_BYTES = b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8 " + b"\x00" * 22

DOCX_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    b"</Types>"
)
DOCX_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Target="word/document.xml" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    b"</Relationships>"
)
DOCX_DOCUMENT = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>B\xc3\xa1o c\xc3\xa1o k\xe1\xba\xbft qu\xe1\xba\xa3</w:t></w:r></w:p></w:body>"
    b"</w:document>"
)
MACRO_CONTENT_TYPE = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def png_bytes() -> bytes:
    """A real 1x1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8 bits, RGB
    pixels = zlib.compress(b"\x00\xff\xff\xff")  # filter byte, then one white pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes(
        {"[Content_Types].xml": DOCX_CONTENT_TYPES, "_rels/.rels": DOCX_RELS, "word/document.xml": DOCX_DOCUMENT}
    )


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Nhiệm vụ", "Tiến độ"])
    workbook.active.append(["Cấp căn cước", "95%"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_members() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def refusal(uploaded: SimpleUploadedFile) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check_evidence_file(uploaded)
    return caught.value


class UnreadableBytes(io.BytesIO):
    def read(self, size: int | None = -1) -> bytes:
        raise AssertionError("the content was read")


# Accepted files.


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bien-ban.pdf", PDF_BYTES, EvidenceType("pdf", "application/pdf", ".pdf")),
        ("anh-chup.png", png_bytes(), EvidenceType("png", "image/png", ".png")),
        ("anh-chup.jpg", JPEG_BYTES, EvidenceType("jpeg", "image/jpeg", ".jpg")),
        ("anh-chup.jpeg", JPEG_BYTES, EvidenceType("jpeg", "image/jpeg", ".jpg")),
        ("anh-chup.webp", WEBP_BYTES, EvidenceType("webp", "image/webp", ".webp")),
        (
            "bao-cao.docx",
            docx_bytes(),
            EvidenceType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
        ),
        (
            "so-lieu.xlsx",
            xlsx_bytes(),
            EvidenceType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
        ),
    ],
)
def test_it_accepts_real_evidence_and_tells_how_to_serve_it(name, content, expected):
    uploaded = SimpleUploadedFile(name, content)

    assert check_evidence_file(uploaded) == expected
    assert uploaded.tell() == 0
    assert uploaded.read() == content


def test_it_accepts_an_extension_written_in_capitals():
    assert check_evidence_file(SimpleUploadedFile("BIEN-BAN.PDF", PDF_BYTES)).name == "pdf"


def test_it_rewinds_the_file_even_when_already_read():
    uploaded = SimpleUploadedFile("so-lieu.xlsx", xlsx_bytes())
    uploaded.read(100)

    assert check_evidence_file(uploaded).name == "xlsx"
    assert uploaded.tell() == 0


# Refused files.


def test_it_refuses_a_file_over_10_mb_without_reading_it():
    uploaded = SimpleUploadedFile("bien-ban.pdf", b"%PDF-" + bytes(MAX_EVIDENCE_BYTES + 1 - 5))
    assert uploaded.size == MAX_EVIDENCE_BYTES + 1
    uploaded.file = UnreadableBytes()

    error = refusal(uploaded)

    assert error.code == "too_large"
    assert "bien-ban.pdf" in error.messages[0]
    assert "10 MB" in error.messages[0]


def test_it_accepts_a_file_of_exactly_10_mb():
    uploaded = SimpleUploadedFile("bien-ban.pdf", b"%PDF-" + bytes(MAX_EVIDENCE_BYTES - 5))

    assert check_evidence_file(uploaded).name == "pdf"


def test_it_refuses_an_empty_file():
    assert refusal(SimpleUploadedFile("bien-ban.pdf", b"")).code == "empty"


def test_it_refuses_a_program_renamed_pdf():
    error = refusal(SimpleUploadedFile("bien-ban.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64)))

    assert error.code == "bad_content"
    assert "bien-ban.pdf" in error.messages[0]
    assert ".pdf" in error.messages[0]


def test_it_refuses_a_picture_named_pdf():
    uploaded = SimpleUploadedFile("report.pdf", png_bytes())

    assert refusal(uploaded).code == "bad_content"
    assert uploaded.tell() == 0


def test_it_refuses_a_text_file():
    error = refusal(SimpleUploadedFile("ghi-chu.txt", b"%PDF-1.4 but really text"))

    assert error.code == "bad_extension"
    assert "ghi-chu.txt" in error.messages[0]


def test_it_refuses_a_name_without_extension():
    assert refusal(SimpleUploadedFile("bien-ban", PDF_BYTES)).code == "bad_extension"


def test_it_refuses_a_workbook_with_a_macro_project():
    members = xlsx_members()
    members["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 not really a macro"

    error = refusal(SimpleUploadedFile("so-lieu.xlsx", zip_bytes(members)))

    assert error.code == "macro"
    assert "so-lieu.xlsx" in error.messages[0]


def test_it_refuses_a_macro_enabled_workbook_named_xlsx():
    members = xlsx_members()
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", MACRO_CONTENT_TYPE
    )
    assert MACRO_CONTENT_TYPE in members["[Content_Types].xml"]

    assert refusal(SimpleUploadedFile("so-lieu.xlsx", zip_bytes(members))).code == "macro"


def test_it_refuses_a_zip_bomb_without_unpacking_it(monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("zeros.bin", "w") as member:
        zeros = bytes(1024 * 1024)
        for _ in range(200):
            member.write(zeros)
    assert len(buffer.getvalue()) < MAX_EVIDENCE_BYTES

    opened = []
    real_open = zipfile.ZipFile.open

    def open_only_content_types(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        if opened[-1] != "[Content_Types].xml":
            raise AssertionError(f"{opened[-1]} was opened")
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", open_only_content_types)

    assert refusal(SimpleUploadedFile("so-lieu.xlsx", buffer.getvalue())).code == "archive_too_large"
    assert opened == []


def test_it_refuses_a_small_archive_that_expands_far_beyond_its_size():
    members = xlsx_members()
    members["xl/media/padding.bin"] = bytes(5 * 1024 * 1024)

    assert refusal(SimpleUploadedFile("so-lieu.xlsx", zip_bytes(members))).code == "archive_too_large"


def test_it_refuses_an_archive_with_too_many_members():
    members = xlsx_members()
    members.update({f"xl/media/image{number}.png": b"" for number in range(2001)})

    assert refusal(SimpleUploadedFile("so-lieu.xlsx", zip_bytes(members))).code == "archive_too_large"


def test_it_refuses_a_damaged_document():
    damaged = docx_bytes()[:200]

    error = refusal(SimpleUploadedFile("bao-cao.docx", damaged))

    assert error.code == "corrupt"
    assert "bao-cao.docx" in error.messages[0]


def test_it_refuses_a_workbook_named_docx():
    error = refusal(SimpleUploadedFile("bao-cao.docx", xlsx_bytes()))

    assert error.code == "bad_content"
    assert ".docx" in error.messages[0]

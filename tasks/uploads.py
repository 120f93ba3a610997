"""Checking the evidence files (minh chứng) that unit heads attach to the reports of their assignments.

Evidence is downloaded and opened by other users: the province's staff, the steering committee. So a file
must be what it claims to be. Its type is read from its first bytes (not trusted from its name or the
browser's content type), its extension must agree with that type, and it is served with the content type
found here.

DOCX and XLSX are ZIP archives. They are inspected through the archive's central directory only: the
declared sizes are checked before any member is opened, nothing is extracted, and the only member read is
the small ``[Content_Types].xml``, with a read limit. Macro-enabled documents are refused.
"""

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024

# Limits on what a DOCX or XLSX archive declares; a real report is far below them.
MAX_ARCHIVE_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 2000
MAX_COMPRESSION_RATIO = 200
MAX_CONTENT_TYPES_BYTES = 1024 * 1024

CONTENT_TYPES_PART = "[Content_Types].xml"


@dataclass(frozen=True)
class EvidenceType:
    name: str  # "pdf", "png", "jpeg", "webp", "docx", "xlsx"
    content_type: str  # the MIME type to serve the file with
    extension: str  # canonical extension, with its dot


PDF = EvidenceType("pdf", "application/pdf", ".pdf")
PNG = EvidenceType("png", "image/png", ".png")
JPEG = EvidenceType("jpeg", "image/jpeg", ".jpg")
WEBP = EvidenceType("webp", "image/webp", ".webp")
DOCX = EvidenceType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")
XLSX = EvidenceType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx")

TYPES_BY_EXTENSION = {
    ".pdf": PDF,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".webp": WEBP,
    ".docx": DOCX,
    ".xlsx": XLSX,
}

# The part that makes an Office Open XML package a Word document or an Excel workbook.
MAIN_PARTS = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml"}


def check_evidence_file(uploaded: UploadedFile) -> EvidenceType:
    """The type of ``uploaded``, or ValidationError naming the file; the file is left at position 0."""
    params = {"name": uploaded.name, "size": f"{MAX_EVIDENCE_BYTES // (1024 * 1024)} MB"}
    if uploaded.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(_("“%(name)s” is larger than %(size)s."), code="too_large", params=params)
    if not uploaded.size:
        raise ValidationError(_("“%(name)s” is empty."), code="empty", params=params)

    extension = PurePath(uploaded.name or "").suffix.lower()
    claimed = TYPES_BY_EXTENSION.get(extension)
    if claimed is None:
        raise ValidationError(
            _("“%(name)s” is not an allowed file type: PDF, image (PNG, JPEG, WEBP), DOCX or XLSX."),
            code="bad_extension",
            params=params,
        )

    try:
        uploaded.seek(0)
        head = uploaded.read(16)
        if not _starts_like(claimed, head):
            raise ValidationError(
                _("“%(name)s” does not contain what its name says (%(extension)s)."),
                code="bad_content",
                params={**params, "extension": extension},
            )
        if claimed in MAIN_PARTS:
            _check_office_package(uploaded, claimed, {**params, "extension": extension})
    finally:
        uploaded.seek(0)
    return claimed


def _starts_like(evidence_type: EvidenceType, head: bytes) -> bool:
    """Whether the first bytes of a file are those of ``evidence_type``."""
    if evidence_type == PDF:
        return head.startswith(b"%PDF-")
    if evidence_type == PNG:
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if evidence_type == JPEG:
        return head.startswith(b"\xff\xd8\xff")
    if evidence_type == WEBP:
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    return head.startswith(b"PK\x03\x04")  # DOCX, XLSX: a ZIP archive


def _check_office_package(uploaded: UploadedFile, claimed: EvidenceType, params: dict[str, str]) -> None:
    """Check a DOCX or XLSX through its central directory, without extracting anything."""
    suspicious = _("“%(name)s” is a damaged or suspicious archive.")
    try:
        with zipfile.ZipFile(uploaded) as archive:
            members = archive.infolist()
            if _too_large(members):
                raise ValidationError(suspicious, code="archive_too_large", params=params)

            names = {member.filename for member in members}
            if CONTENT_TYPES_PART not in names or MAIN_PARTS[claimed] not in names:
                raise ValidationError(
                    _("“%(name)s” does not contain what its name says (%(extension)s)."),
                    code="bad_content",
                    params=params,
                )

            with archive.open(CONTENT_TYPES_PART) as part:
                content_types = part.read(MAX_CONTENT_TYPES_BYTES)
            has_vba_project = any(PurePosixPath(name).name.lower() == "vbaproject.bin" for name in names)
            if has_vba_project or b"macroenabled" in content_types.lower():
                raise ValidationError(
                    _("“%(name)s” contains macros, which are not accepted."), code="macro", params=params
                )
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression method.
        raise ValidationError(suspicious, code="corrupt", params=params) from error


def _too_large(members: list[zipfile.ZipInfo]) -> bool:
    """Whether the sizes the archive declares are those of a zip bomb."""
    if len(members) > MAX_ARCHIVE_MEMBERS:
        return True
    if sum(member.file_size for member in members) > MAX_ARCHIVE_UNCOMPRESSED_BYTES:
        return True
    return any(member.file_size > MAX_COMPRESSION_RATIO * member.compress_size for member in members)


MAX_CSV_BYTES = 2 * 1024 * 1024  # the national mapping of 2025 (10.047 rows) is about 900 KB


def check_csv_file(upload: UploadedFile, *, max_bytes: int = MAX_CSV_BYTES) -> str:
    """The text of an uploaded CSV file (a structure transition's units or mapping), or a
    ``ValidationError``: named .csv, at most ``max_bytes``, UTF-8 text without NUL bytes."""
    if PurePath(upload.name or "").suffix.lower() != ".csv":
        raise ValidationError(_("Upload a .csv file (UTF-8 text, comma-separated)."), code="type")
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is too large: at most %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)}, code="size"
        )
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            _("The file is too large: at most %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)}, code="size"
        )
    if b"\x00" in data:
        raise ValidationError(_("Upload a .csv file (UTF-8 text, comma-separated)."), code="type")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(_("The file is not UTF-8 text; save it as “CSV UTF-8”."), code="encoding") from exc

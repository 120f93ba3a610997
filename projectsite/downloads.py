"""File downloads: the headers that give a browser a Vietnamese file name."""

import re
import unicodedata
from urllib.parse import quote

from django.http import HttpResponse

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _ascii_filename(filename: str) -> str:
    """An ASCII fallback for old clients: accents stripped ("Báo cáo đơn vị" -> "Bao_cao_don_vi")."""
    text = filename.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9.-]+", "_", text).strip("._")
    return text


def xlsx_response(*, filename: str, content: bytes) -> HttpResponse:
    """HttpResponse with the xlsx content type and Content-Disposition attachment (``file_response``)."""
    return file_response(filename=filename, content=content, extension="xlsx", content_type=XLSX_CONTENT_TYPE)


def docx_response(*, filename: str, content: bytes) -> HttpResponse:
    """HttpResponse with the docx content type and Content-Disposition attachment (``file_response``)."""
    return file_response(filename=filename, content=content, extension="docx", content_type=DOCX_CONTENT_TYPE)


def file_response(*, filename: str, content: bytes, extension: str, content_type: str) -> HttpResponse:
    """HttpResponse with ``content_type`` and Content-Disposition attachment.

    Both an ASCII ``filename=`` (accents stripped) and an RFC 6266 / RFC 5987 ``filename*=UTF-8''…`` with the
    real Vietnamese name percent-encoded are sent; browsers that understand ``filename*`` prefer it. The
    ``.extension`` is appended when missing; path separators, control characters (no header injection) and
    leading dots are removed.
    """
    suffix = f".{extension}"
    name = re.sub(r"[\x00-\x1f\x7f/\\]+", "_", filename).strip().lstrip(".")
    if not name.lower().endswith(suffix):
        name = f"{name}{suffix}"
    fallback = _ascii_filename(name)
    if fallback.lower() in ("", extension):
        fallback = f"bao-cao{suffix}"
    elif not fallback.lower().endswith(suffix):
        fallback = f"{fallback}{suffix}"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    return response

"""File downloads: the headers that give a browser a Vietnamese file name."""

import re
import unicodedata
from urllib.parse import quote

from django.http import HttpResponse

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ascii_filename(filename: str) -> str:
    """An ASCII fallback for old clients: accents stripped ("Báo cáo đơn vị" -> "Bao_cao_don_vi")."""
    text = filename.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9.-]+", "_", text).strip("._")
    return text


def xlsx_response(*, filename: str, content: bytes) -> HttpResponse:
    """HttpResponse with the xlsx content type and Content-Disposition attachment.

    Both an ASCII ``filename=`` (accents stripped) and an RFC 6266 / RFC 5987 ``filename*=UTF-8''…`` with the
    real Vietnamese name percent-encoded are sent; browsers that understand ``filename*`` prefer it. ".xlsx" is
    appended when missing; path separators, control characters (no header injection) and leading dots are
    removed.
    """
    name = re.sub(r"[\x00-\x1f\x7f/\\]+", "_", filename).strip().lstrip(".")
    if not name.lower().endswith(".xlsx"):
        name = f"{name}.xlsx"
    fallback = _ascii_filename(name)
    if fallback.lower() in ("", "xlsx"):
        fallback = "bao-cao.xlsx"
    elif not fallback.lower().endswith(".xlsx"):
        fallback = f"{fallback}.xlsx"
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    return response

"""Bounds on the numbers a user types into a URL: path ids and query-string values.

One place for the whole project (DECISIONS, "Numbers in URLs have a bound"):

- ``IdConverter``, registered as ``<id:...>``: the id of a row, 1 to 18 digits. Every id the
  database can hold (bigint, at most 19 digits) and the project will ever reach fits; anything
  else (negative, a sign, 10**30, letters) does not match the URL, so it answers 404 before a
  view or the database sees it.
- ``parse_id``: the same rule for an id in a form value or a query value (None when it is not one).
- ``bounded_int``: a number from the query string, within ``[minimum, maximum]``, or
  ``BadQueryValue`` (a ``SuspiciousOperation``: 400 with a Vietnamese page) naming the parameter.
- ``QueryBoundsMiddleware``: a NUL character in the query string (PostgreSQL refuses it in any
  query) answers 400 for every page, the admin's included.
"""

from django.core.exceptions import SuspiciousOperation
from django.urls import register_converter, reverse
from django.utils.translation import gettext as _

# The largest id a URL may name: 18 digits, below PostgreSQL's and SQLite's bigint (2**63 - 1).
MAX_ID = 10**18 - 1


class IdConverter:
    """``<id:pk>``: a row id of 1 to 18 ASCII digits (no sign, no 0-prefixed giant)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "id")


def parse_id(text) -> int | None:
    """A row id posted or typed as text, on the converter's terms (1 to 18 ASCII digits); else None.

    ASCII only: str.isdigit() accepts "²" and other digits that int() refuses.
    """
    text = str(text).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


class BadQueryValue(SuspiciousOperation):
    """A number in the query string that is not one, or out of its range: answered 400."""


def bounded_int(raw: str | None, *, name: str, minimum: int = 0, maximum: int = MAX_ID, default=None):
    """The integer ``raw`` (ASCII digits, an optional minus sign) within ``[minimum, maximum]``.

    None or "" gives ``default``; anything else that is not such an integer raises ``BadQueryValue``.
    """
    if raw is None or raw == "":
        return default
    text = raw.strip()
    digits = text[1:] if text.startswith("-") else text
    # ASCII only: str.isdigit() accepts "²" and other digits int() refuses; the length keeps
    # int() away from thousand-digit strings.
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 19):
        raise BadQueryValue(_("“%(name)s” must be a whole number.") % {"name": name})
    value = int(text)
    if not minimum <= value <= maximum:
        raise BadQueryValue(
            _("“%(name)s” must be between %(minimum)s and %(maximum)s.")
            % {"name": name, "minimum": minimum, "maximum": maximum}
        )
    return value


class QueryBoundsMiddleware:
    """What no page can read from a query string, refused or dropped before any view:

    - a NUL character (in a name or a value): 400; PostgreSQL refuses it in any query, so the
      admin's search and every filter would otherwise crash;
    - an empty ``_to_field`` (the admin's "which field identifies the object"): dropped, since
      the admin would look for a field named "" and crash; absent, it uses the primary key.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            raise BadQueryValue(_("The address contains a character that is not allowed."))
        admin_post = request.method == "POST" and request.path.startswith(reverse("admin:index"))
        for name in ("GET", "POST") if admin_post else ("GET",):
            data = getattr(request, name)
            if "_to_field" in data and not data.get("_to_field"):
                data = data.copy()
                del data["_to_field"]
                setattr(request, name, data)
        return self.get_response(request)

"""The province a superuser or a national account is looking at: ``?province=<code>`` on the URL,
kept by every link, form and redirect of a province's pages (no session state: a link says what it
shows), and the picker they get instead of "the first province" when they have not chosen.

Everyone else works in the province of their unit and never sees the parameter.
"""

from urllib.parse import urlencode

from django.shortcuts import render
from django.utils.translation import gettext as _

from projectsite.as_at import as_at_from

from .selectors import ProvinceNotChosen, chooses_province, provinces_in_force

PARAMETER = "province"
CODE_LIMIT = 20  # longer than any unit code (units.models.Unit.code): never a province


def chosen_code(request) -> str:
    """The province code on the request of a user who chooses one ("" otherwise, or when it
    cannot be a code)."""
    user = getattr(request, "user", None)
    if user is None or not chooses_province(user):
        return ""
    code = (request.GET.get(PARAMETER) or "").strip()
    return code if len(code) <= CODE_LIMIT else ""


def province_query(request) -> str:
    """``province=<code>`` for a link that keeps the chosen province, "" when there is none."""
    code = chosen_code(request)
    return urlencode({PARAMETER: code}) if code else ""


def keep_province(url: str, request) -> str:
    """``url`` with the chosen province added (a redirect after a superuser's change)."""
    query = province_query(request)
    if not query:
        return url
    return f"{url}{'&' if '?' in url else '?'}{query}"


class ProvincePickerMiddleware:
    """A province's page asked by a superuser or a national account without ``?province=`` while
    several provinces are in force (``units.selectors.ProvinceNotChosen``): the list of provinces,
    each a link to the same page with its code. A GET answers 200 (choosing is the next step);
    a POST answers 400 and saves nothing (the form was sent without saying for which province)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ProvinceNotChosen):
            return None
        as_at = as_at_from(request)
        kept = [(name, value) for name in request.GET if name != PARAMETER for value in request.GET.getlist(name)]
        choices = [
            (province, f"{request.path}?{urlencode([*kept[:20], (PARAMETER, province.code)])}")
            for province in provinces_in_force(as_at.past).only("code", "name")
        ]
        refused = request.method not in ("GET", "HEAD")
        return render(
            request,
            "units/province_picker.html",
            {
                "choices": choices,
                "refused": _("Choose the province first: nothing was saved.") if refused else "",
            },
            status=400 if refused else 200,
        )

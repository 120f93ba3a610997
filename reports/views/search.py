"""Search across units, documents and tasks, as far as the user may see them."""

from django.shortcuts import render

from units.permissions import any_account
from units.selectors import chooses_province, user_province

from .. import selectors


@any_account
def search(request):
    text = request.GET.get("q", "")[:100]
    # A superuser's or national account's chosen province (?province=, kept by the menu's search box).
    code = request.GET.get("province") if chooses_province(request.user) else None
    province = user_province(request.user, code) if code else None
    return render(
        request,
        "reports/search.html",
        {"q": text, "results": selectors.search(user=request.user, text=text, province=province)},
    )

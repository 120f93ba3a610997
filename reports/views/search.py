"""Search across units, documents and tasks, as far as the user may see them."""

from django.shortcuts import render

from units.permissions import any_account

from .. import selectors


@any_account
def search(request):
    text = request.GET.get("q", "")[:100]
    return render(
        request, "reports/search.html", {"q": text, "results": selectors.search(user=request.user, text=text)}
    )

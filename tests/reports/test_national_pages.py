"""A national account's pages (issue 15, item 2): the menu holds what it can use (the national
overview and a chosen province's read-only pages, each link keeping ?province=), every menu link
answers 200, and no page it reaches offers a button, a form or a link it may not use; the policy
(has_perm) decides each. Wrong role or unit: still 403 or 404."""

import datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import Http404
from django.urls import Resolver404, resolve, reverse

from projectsite import clock
from reports.models import Notification
from tasks import services
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_document, make_task, make_user
from units.models import User

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


class Links(HTMLParser):
    """The links and forms of a page, and which of them are in the menu."""

    def __init__(self, page: str):
        super().__init__()
        self.menu: list[str] = []
        self.links: list[str] = []
        self.forms: list[tuple[str, str]] = []  # (method, action)
        self._menu_depth = 0
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "ul" and "navbar-nav" in (attrs.get("class") or ""):
            self._menu_depth = 1
        elif tag == "ul" and self._menu_depth:
            self._menu_depth += 1
        if tag == "a" and attrs.get("href", "").startswith("/"):
            (self.menu if self._menu_depth else self.links).append(attrs["href"])
        if tag == "form":
            self.forms.append(((attrs.get("method") or "get").lower(), attrs.get("action") or ""))

    def handle_endtag(self, tag):
        if tag == "ul" and self._menu_depth:
            self._menu_depth -= 1


def _province(code: str, name: str) -> Tree:
    """A province with work in every state the secretariat decides on: a reported completion, an
    extension request, an open obstacle, a failed mail; overdue and done work; a document."""
    tree = Tree(code=code, name=name)
    tree.plan = make_document(province=tree.province)
    task = make_task(tree.plan)
    make_assignment(tree.commune, task, due_date=TODAY - 3 * DAY)
    make_assignment(
        tree.commune2, make_task(tree.plan), due_date=TODAY + 5 * DAY, work_status="reported", reported_at=clock.now()
    )
    later = make_assignment(tree.commune, make_task(tree.plan), due_date=TODAY + 10 * DAY)
    services.extension_request(
        assignment=later, user=tree.head_commune, proposed_due_date=TODAY + 40 * DAY, reason="Mưa lũ"
    )
    services.obstacle_raise(user=tree.head_commune, category="data", text="Thiếu máy quét")
    Notification.objects.create(
        kind=Notification.Kind.REMINDER,
        dedupe_key=f"national-pages-{code}",
        recipient=f"{code}@example.com",
        unit=tree.commune,
        subject="Nhắc việc",
        body_text="Nhắc việc",
        status=Notification.Status.FAILED,
    )
    return tree


@pytest.fixture
def provinces():
    return {"40": _province("40", "Tỉnh Nghệ An"), "42": _province("42", "Tỉnh Hà Tĩnh")}


@pytest.fixture
def minister():
    return make_user(None, User.Role.NATIONAL, username="c06")


def _may_open(user, href: str) -> bool:
    """Would the policy let ``user`` open ``href``? Asked of the view's declared permission
    (units/permissions.py), on its object when it takes one (fetched through its scoped selector)."""
    path = urlsplit(href).path
    try:
        match = resolve(path)
    except Resolver404:
        return True  # static files, the admin's own pages are not ours
    view = match.func
    permission = getattr(view, "access_permission", None)
    if permission is None:
        return getattr(view, "access_policy", None) is not None
    fetch = getattr(view, "access_fetch", None)
    if fetch is None:
        return user.has_perm(permission)
    try:
        obj = fetch(user=user, **match.kwargs)
    except Http404:
        return False
    return user.has_perm(permission, obj)


def _read_only(client, user, url: str) -> Links:
    """The page at ``url``: 200, no form that writes (the log-out button aside) and no link to a
    page the user may not open."""
    response = client.get(url)
    assert response.status_code == 200, url
    page = Links(response.content.decode())
    writes = [(method, action) for method, action in page.forms if method == "post" and action != reverse("logout")]
    assert writes == [], f"{url} offers {writes}"
    refused = [href for href in page.menu + page.links if not _may_open(user, href)]
    assert refused == [], f"{url} links to pages {user} may not open: {refused}"
    return page


def test_the_menu_of_a_national_account_is_the_national_overview_and_a_provinces_read_only_pages(
    client, provinces, minister
):
    client.force_login(minister)
    assert client.get(reverse("home")).url == reverse("reports:national")  # its landing page

    home = _read_only(client, minister, reverse("reports:national"))

    names = [resolve(urlsplit(href).path).url_name for href in home.menu]
    assert names == [
        "national",
        "overview",
        "lagging",
        "explanations",
        "work_queue",
        "scorecard",
        "plan",
        "notifications",
        "audit_trail",  # every province's changes, read-only
    ]
    # Nothing chosen yet: a province's page asks which province, and nothing is chosen for it.
    picker = client.get(reverse("reports:work_queue"))
    assert picker.status_code == 200
    assert [p.code for p, _url in picker.context["choices"]] == ["40", "42"]
    assert f"{reverse('reports:work_queue')}?province=42" in picker.content.decode()


def test_every_menu_link_of_a_chosen_province_answers_200_and_offers_nothing_to_write(client, provinces, minister):
    client.force_login(minister)
    ha_tinh = provinces["42"]

    first = _read_only(client, minister, f"{reverse('reports:overview')}?province=42")

    national_wide = ("national", "audit_trail")
    province_links = [href for href in first.menu if resolve(urlsplit(href).path).url_name not in national_wide]
    assert len(province_links) == 7
    for href in province_links:
        assert parse_qs(urlsplit(href).query)["province"] == ["42"], href
        page = _read_only(client, minister, href)
        response = client.get(href)
        shown = response.context.get("province") or response.context.get("area")
        if shown is not None:
            assert shown == ha_tinh.province, href
        # Its links keep the chosen province where they lead to a province's page.
        assert page.menu == first.menu
    # The pages behind the numbers and the document's page: read only too.
    for url in (
        f"{reverse('reports:assignments')}?province=42&status=overdue",
        f"{reverse('reports:document', args=[ha_tinh.plan.pk])}?province=42",
        f"{reverse('tasks:unit', args=[ha_tinh.commune.code])}",
    ):
        _read_only(client, minister, url)
    # The work queue lists what waits, without a decision to take.
    queue = client.get(reverse("reports:work_queue"), {"province": "42"})
    counts = [queue.context[f"{kind}_count"] for kind in ("confirmation", "extension", "obstacle")]
    assert counts == [1, 1, 1]


def test_the_secretariat_sees_the_decisions_the_national_account_does_not(client, provinces):
    """The same pages for the province's secretariat hold the forms: the check above is not empty."""
    secretariat = provinces["42"].secretariat
    client.force_login(secretariat)
    for name in ("reports:work_queue", "tasks:plan", "reports:scorecard", "reports:notifications"):
        page = Links(client.get(reverse(name)).content.decode())
        writes = [action for method, action in page.forms if method == "post" and action != reverse("logout")]
        links = [href for href in page.links if resolve(urlsplit(href).path).url_name in ("document_new",)]
        assert writes or links, name


def test_wrong_role_or_unit_is_still_refused(client, provinces, minister):
    ha_tinh, nghe_an = provinces["42"], provinces["40"]
    assignment = ha_tinh.commune2.assignments.get(work_status="reported")
    client.force_login(minister)
    # The national account writes nothing.
    assert client.post(f"{reverse('reports:queue_confirm', args=[assignment.pk])}?province=42").status_code == 403
    assert client.get(f"{reverse('tasks:document_new')}?province=42").status_code == 403
    assert client.post(f"{reverse('tasks:task_new', args=[ha_tinh.plan.pk])}?province=42").status_code == 403
    assert client.get(f"{reverse('tasks:import_start')}?province=42").status_code == 403
    assignment.refresh_from_db()
    assert assignment.work_status == "reported"
    # A province's secretariat sees its own province only; a unit head no province page.
    client.force_login(nghe_an.secretariat)
    assert client.get(reverse("reports:document", args=[ha_tinh.plan.pk])).status_code == 404
    assert client.get(reverse("reports:national")).status_code == 403
    own = client.get(reverse("reports:overview"), {"province": "42"})
    assert own.context["province"] == nghe_an.province  # ?province= means nothing for it
    client.force_login(ha_tinh.head_commune)
    for name in ("reports:overview", "reports:work_queue", "tasks:plan", "reports:national"):
        assert client.get(reverse(name)).status_code == 403, name

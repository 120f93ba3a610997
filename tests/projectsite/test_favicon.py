"""Every page names the site's icon, and the icon is served: no 404 in the browser's console."""

import re

import pytest
from django.test import Client
from django.urls import reverse

ICON = re.compile(r'<link rel="icon" href="([^"]+)"')


@pytest.fixture
def static_served_by_whitenoise(settings):
    """As in production (projectsite/settings/production.py), without collectstatic."""
    first, *rest = settings.MIDDLEWARE
    settings.MIDDLEWARE = [first, "whitenoise.middleware.WhiteNoiseMiddleware", *rest]
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


def test_the_site_pages_link_an_icon_that_is_served(db, static_served_by_whitenoise):
    client = Client()
    page = client.get(reverse("login")).content.decode()
    [href] = ICON.findall(page)
    icon = client.get(href)
    assert icon.status_code == 200
    assert icon["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in b"".join(icon.streaming_content if icon.streaming else [icon.content])


def test_the_admin_pages_link_the_icon_too(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert len(ICON.findall(page)) == 1

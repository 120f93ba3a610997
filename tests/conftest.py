import datetime

import pytest

from tests.factories import Tree

# The demo's date: ten days before the e-ID deadline of 30/06/2023.
TODAY = datetime.date(2023, 6, 20)


@pytest.fixture
def tree(db):
    return Tree()


@pytest.fixture
def fixed_today(settings):
    """Pin the application's today (APP_TODAY) to TODAY."""
    settings.APP_TODAY = TODAY
    return TODAY

import pytest

from tests.factories import Tree


@pytest.fixture
def tree(db):
    return Tree()

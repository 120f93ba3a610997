"""manage.py loadtest: gunicorn with production settings under simulated users (PostgreSQL only)."""

import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tasks.models import Assignment
from tests.factories import Tree, make_assignment

POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.mark.django_db
@pytest.mark.skipif(POSTGRES, reason="checks the refusal on SQLite")
def test_it_refuses_sqlite():
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("loadtest", "--users", "2", "--seconds", "1")


@pytest.mark.django_db(transaction=True)
def test_a_short_run_serves_every_kind_of_request_without_error(tmp_path):
    if not POSTGRES:
        pytest.skip("the load test runs gunicorn against PostgreSQL: runs in the PostgreSQL run of CI")
    tree = Tree()  # with the province's secretariat and leader, who open the dashboard
    for unit in (tree.commune, tree.area, tree.agency):
        make_assignment(unit, work_status=Assignment.WorkStatus.IN_PROGRESS)
    target = tmp_path / "load.json"
    call_command("loadtest", "--users", "5", "--seconds", "3", "--json", str(target))
    result = json.loads(target.read_text(encoding="utf-8"))
    # How many requests fit in 3 s depends on the machine's load, not on the code: not asserted.
    assert result["errors"] == 0
    assert {"dashboard", "my_unit"} <= set(result["by_kind"])

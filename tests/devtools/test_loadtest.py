"""manage.py loadtest: gunicorn with production settings under simulated users (PostgreSQL only).

The scaled-out run starts its processes against the fault tests' private PostgreSQL and Redis
(tests/faults/conftest.py), so it runs in the SQLite run of the suite too; it is skipped, with the
reason, where the PostgreSQL server programs or redis-server are absent.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tasks.models import Assignment
from tests.factories import Tree, make_assignment
from tests.faults.harness import BASE_DIR, PYTHON, app_env, port_open, scenario

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


def test_two_web_servers_two_workers_and_a_replica_serve_the_users_and_stop_with_the_run(
    private_postgres, app_database, redis_url, tmp_path
):
    """The scale-out of docs/DEPLOY.md on one machine, as ``loadtest --web 2 --workers 2 --replica-auto``
    runs it: a private primary (the fault tests' cluster), a private Redis; nothing of the suite's own."""
    if not (private_postgres.bindir / "pg_basebackup").exists():
        pytest.skip(f"--replica-auto needs pg_basebackup (not in {private_postgres.bindir})")
    env = app_env(database_url=private_postgres.url(app_database), redis_url=redis_url, var_dir=tmp_path / "var")
    scenario(env, "province")
    env["DJANGO_SETTINGS_MODULE"] = "projectsite.settings.local"  # where the developer tools are installed
    target = tmp_path / "load.json"
    arguments = "--users 6 --seconds 5 --web 2 --gunicorn-workers 1 --workers 2 --replica-auto"
    command = [PYTHON, "manage.py", "loadtest", *arguments.split(), "--json", str(target)]
    run = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = run.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        run.terminate()  # the command stops what it started on SIGTERM
        output, _ = run.communicate(timeout=90)
        pytest.fail(f"the load test did not end:\n{output}")
    assert run.returncode == 0, output
    result = json.loads(target.read_text(encoding="utf-8"))

    assert result["errors"] == 0, result["error_samples"]
    # Both web servers served the users; the dashboards were read from the replica and said so.
    assert len(result["by_web"]) == 2 and all(result["by_web"].values()), result["by_web"]
    assert result["replica"]["pages_read_on_replica"] > 0
    assert result["database"]["replica"]["rows_read"] > 0
    # The deciding worker took the reminder decision, the mail worker delivered what it queued.
    deciding, mail = result["workers"]
    assert set(deciding["queues"]) == {"reminders", "digests"} and set(mail["queues"]) == {"outbox", "celery"}
    assert deciding["jobs"]["reports.send_reminders"]["succeeded"] == 1
    assert result["mails"]["queued_during_run"] > 0 and result["mails"]["delivered_during_run"] > 0
    # It showed its progress, and left nothing running.
    assert "bản sao chạy trên cổng" in output and "/5 s:" in output and "Yêu cầu mỗi máy chủ web" in output
    for group in result["processes"]["groups"]:
        with pytest.raises(ProcessLookupError):
            os.killpg(group, 0)
    assert not any(port_open(port) for port in result["processes"]["ports"])
    assert not Path(result["processes"]["replica_folder"]).exists()

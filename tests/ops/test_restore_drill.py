"""deploy/backup.sh and deploy/restore-drill.sh on the test database: a backup restores with the
same rows, and the drill fails loudly when it does not (PostgreSQL only)."""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import Tree, make_assignment, make_document, make_eid_targets, make_task, make_unit
from units.models import Unit

DEPLOY = Path(settings.BASE_DIR) / "deploy"
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.skipif(
        not ON_POSTGRESQL,
        reason="backup and restore drill need PostgreSQL: run with DATABASE_URL=postgres://… (CI does)",
    ),
    # The scripts read the database from other connections: the data must be committed.
    pytest.mark.django_db(transaction=True),
]

ROW = re.compile(r"^\s+([a-z_]+)((?:\s+\d+)+)\s+(ok|MISMATCH)$", re.MULTILINE)


def key_tables() -> list[str]:
    block = re.search(r"KEY_TABLES=\((.*?)\)", (DEPLOY / "lib.sh").read_text(), re.DOTALL).group(1)
    return block.split()


def database_url() -> str:
    """The test database in the project's DATABASE_URL convention."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or ''}{port}/{db['NAME']}"


def run(script: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATABASE_URL": database_url(), "PYTHON": sys.executable, "BACKUP_MEDIA": "0"}
    environment.pop("DRILL_DATABASE_URL", None)
    environment.update(env)
    return subprocess.run(
        [str(DEPLOY / script), *args], env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def rows(output: str) -> dict[str, list[int]]:
    """The drill's table of counts: {table: [expected…, restored]}."""
    return {table: [int(n) for n in numbers.split()] for table, numbers, _status in ROW.findall(output)}


def count_now() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in key_tables():
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


def database_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


@pytest.fixture
def province_data():
    """A small province with work assigned, committed."""
    tree = Tree()
    task = make_task(make_document())
    for unit in (tree.area, tree.commune, tree.commune2, tree.other_district):
        make_assignment(unit, task)
    make_eid_targets({tree.area: 1000, tree.other_district: 500})
    return tree


def backup(folder: Path) -> Path:
    result = run("backup.sh", "--dir", str(folder), "--keep-days", "14")
    assert result.returncode == 0, result.stdout + result.stderr
    (dump,) = folder.glob("de-an-06-*.dump")
    return dump


def test_it_restores_a_backup_with_the_same_rows_and_deletes_old_backups(province_data, tmp_path):
    old = tmp_path / "de-an-06-20200101-013000.dump"
    old.write_bytes(b"an old backup")
    media = tmp_path / "media"
    (media / "evidence").mkdir(parents=True)
    (media / "evidence" / "bao-cao.pdf").write_bytes(b"%PDF-1.4 evidence")
    backups = tmp_path / "backups"
    backups.mkdir()
    old.rename(backups / old.name)

    result = run("backup.sh", "--dir", str(backups), "--keep-days", "14", BACKUP_MEDIA="1", MEDIA_ROOT=str(media))
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (backups / old.name).exists()
    (dump,) = backups.glob("de-an-06-*.dump")
    assert dump.with_suffix(".manifest").exists()
    (media_copy,) = backups.glob("media-*")
    assert (media_copy / "evidence" / "bao-cao.pdf").read_bytes() == b"%PDF-1.4 evidence"

    expected = count_now()
    assert expected["units_unit"] == 8 and expected["tasks_assignment"] == 4
    drill = run("restore-drill.sh", "--dir", str(backups), "--live")

    assert drill.returncode == 0, drill.stdout + drill.stderr
    counted = rows(drill.stdout)
    assert set(counted) == set(key_tables())
    # at-dump (the manifest), live-now, restored: all the same as the ORM sees.
    assert counted == {table: [n, n, n] for table, n in expected.items()}
    assert "Restore drill passed" in drill.stdout
    scratch = re.search(r"Scratch database (de_an_06_drill_\w+) created", drill.stdout).group(1)
    assert not database_exists(scratch)


def test_it_fails_when_the_restored_rows_are_not_those_the_backup_counted(province_data, tmp_path):
    dump = backup(tmp_path)
    manifest = dump.with_suffix(".manifest")
    manifest.write_text(re.sub(r"(?m)^count units_unit (\d+)$", "count units_unit 9999", manifest.read_text()))

    drill = run("restore-drill.sh", str(dump))

    assert drill.returncode == 1
    assert rows(drill.stdout)["units_unit"] == [9999, 8]
    assert "RESTORE DRILL FAILED: row counts differ in units_unit" in drill.stderr


def test_it_fails_when_the_dump_is_not_of_the_database_as_it_is(province_data, tmp_path):
    dump = backup(tmp_path)
    make_unit(parent=province_data.area)  # written after the backup

    drill = run("restore-drill.sh", "--live", str(dump))

    assert drill.returncode == 1
    assert rows(drill.stdout)["units_unit"] == [8, 9, 8]
    assert "row counts differ in units_unit" in drill.stderr
    assert Unit.objects.count() == 9


def test_it_fails_on_a_damaged_dump_before_restoring_anything(province_data, tmp_path):
    dump = backup(tmp_path)
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])

    drill = run("restore-drill.sh", str(dump))

    assert drill.returncode == 1
    assert "is not the file its manifest describes" in drill.stderr
    assert "Scratch database" not in drill.stdout


def test_it_fails_when_the_dump_lacks_a_migration_of_this_code(province_data, tmp_path):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, app, name, applied FROM django_migrations WHERE app = 'reports' ORDER BY id DESC")
        latest = cursor.fetchone()
        cursor.execute("DELETE FROM django_migrations WHERE id = %s", [latest[0]])
    try:
        dump = backup(tmp_path)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO django_migrations (id, app, name, applied) VALUES (%s, %s, %s, %s)", latest)

    drill = run("restore-drill.sh", str(dump))

    assert drill.returncode == 1
    assert f"[ ]  {latest[1]}.{latest[2]}" in drill.stderr
    assert "lacks 1 migration(s) of this code" in drill.stderr

"""Read-only pages read a real streaming replica; writes and the pages right after them, the primary.

gunicorn runs production's settings with ``DATABASE_URL`` on the private primary and
``DATABASE_REPLICA_URL`` on its replica (tests/replica/conftest.py). Which server a page read is
seen the way a user would see it: replay on the replica is paused, a task is renamed on the
primary, and the page shows the old name (the replica) or the new one (the primary).
"""

import re
import time

import pytest

from tests.faults.harness import app_env, confirm, fetch, scenario, start_web, wait_for

OLD, NEW = "Nhiệm vụ 0", "Nhiệm vụ đổi tên trên máy chính"
AS_OF = re.compile(r"Số liệu tính đến (\d\d:\d\d:\d\d)")
STICKY = 4  # REPLICA_STICKY_SECONDS of the web server under test


@pytest.fixture
def replica_database(private_postgres, private_replica, app_database):
    """The test's database, once the stream has brought it to the replica."""
    exists = f"SELECT count(*) FROM pg_database WHERE datname = '{app_database}'"
    assert wait_for(lambda: private_replica.psql(exists) == "1", 30)
    return app_database


def replayed(replica, database: str, sql: str, expected: str) -> bool:
    return wait_for(lambda: replica.psql(sql, database) == expected, 30)


def replay_time(replica) -> str:
    return replica.psql("SELECT to_char(pg_last_xact_replay_timestamp() AT TIME ZONE 'Asia/Ho_Chi_Minh', 'HH24:MI:SS')")


def test_read_only_pages_read_the_replica_and_say_as_of_when(
    private_postgres, private_replica, replica_database, processes, tmp_path
):
    primary, replica, database = private_postgres, private_replica, replica_database
    env = app_env(
        database_url=primary.url(database),
        var_dir=tmp_path / "var",
        DATABASE_REPLICA_URL=replica.url(database),
        REPLICA_STICKY_SECONDS=str(STICKY),
    )
    setup = scenario(env, "reported", "2")
    cookies = {setup["cookie"]: setup["session"]}
    count_titles = f"SELECT count(*) FROM tasks_task WHERE title = '{NEW}'"
    assert replayed(replica, database, "SELECT count(*) FROM tasks_assignment", "2")
    web = start_web(processes, env)
    web.wait_ready()

    def page(path: str) -> str:
        status, _headers, body, _seconds = fetch(web.port, "GET", path, cookies=cookies)
        assert status == 200, body[:2000]
        return body

    try:
        replica.psql("SELECT pg_wal_replay_pause()")
        primary.psql(f"UPDATE tasks_task SET title = '{NEW}' WHERE title = '{OLD}'", database)
        assert primary.psql(count_titles, database) == "1"
        assert replica.psql(count_titles, database) == "0"  # the replica lags behind

        # The assignments list, the overview and their exports read the replica: the old name,
        # and the time of the replica's data.
        listing = page("/danh-sach/")
        assert OLD in listing and NEW not in listing
        [as_of] = AS_OF.findall(listing)
        assert as_of == replay_time(replica)
        assert AS_OF.search(page("/tong-quan/"))
        assert AS_OF.search(page("/cham-tien-do/")) and AS_OF.search(page("/xep-hang/"))
        document = primary.psql(f"SELECT document_id FROM tasks_task WHERE title = '{NEW}'", database)
        document_page = page(f"/van-ban/{document}/")
        assert OLD in document_page and NEW not in document_page and AS_OF.search(document_page)
        for export in ("/xuat/tong-quan/", "/xuat/cham-tien-do/", "/xuat/xep-hang/"):
            status, headers, _body, _seconds = fetch(web.port, "GET", export, cookies=cookies)
            assert status == 200 and "spreadsheetml" in headers["Content-Type"], export
        # An assignment's page is not replica-safe: the primary, the new name, no "as of".
        detail = page(f"/nhiem-vu/{setup['assignments'][0]}/")
        assert NEW in detail and not AS_OF.search(detail)

        # A write goes to the primary, and the writer's next pages read the primary too …
        status, _seconds = confirm(web, cookies, setup["assignments"][1])
        assert status == 302
        after = page("/danh-sach/")
        assert NEW in after and not AS_OF.search(after)
        # … until REPLICA_STICKY_SECONDS have passed: the replica again, still lagging.
        time.sleep(STICKY + 0.5)
        later = page("/danh-sach/")
        assert OLD in later and NEW not in later and AS_OF.search(later)
    finally:
        replica.psql("SELECT pg_wal_replay_resume()")

    # Replay resumed: the replica catches up and the page shows the new name, with a later time
    # (not compared with equality: autovacuum's transactions move it on too).
    assert replayed(replica, database, count_titles, "1")
    caught_up = page("/danh-sach/")
    assert NEW in caught_up and AS_OF.search(caught_up).group(1) >= as_of


def test_without_a_replica_url_every_page_reads_the_primary(private_postgres, app_database, processes, tmp_path):
    """The same server, no DATABASE_REPLICA_URL: no "replica" alias, no "as of" line."""
    env = app_env(database_url=private_postgres.url(app_database), var_dir=tmp_path / "var")
    setup = scenario(env, "reported", "1")
    web = start_web(processes, env)
    web.wait_ready()
    cookies = {setup["cookie"]: setup["session"]}
    status, _headers, body, _seconds = fetch(web.port, "GET", "/danh-sach/", cookies=cookies)
    assert status == 200 and OLD in body and not AS_OF.search(body)

"""PostgreSQL crashes and comes back under the running application.

gunicorn (production settings: psycopg's pool with health checks) and a Celery worker run on a
private PostgreSQL, which is stopped the hard way (``pg_ctl stop -m immediate``: every backend
killed, crash recovery on the next start). While it is down a page answers 503 with the short
Vietnamese page, not a 500 or a traceback; once it is back the same processes, not restarted,
answer 200 and send mail again.
"""

from collections import Counter

from .harness import confirm, fetch, flushes_done, scenario, send_job, sink_env, start_web, start_worker, wait_for
from .sink import delivered

POOL_TIMEOUT = 5  # seconds: production's default DB_POOL_TIMEOUT


def test_while_postgres_is_down_pages_answer_503_and_once_it_is_back_the_same_processes_work(
    private_postgres, app_database, redis_url, processes, tmp_path
):
    env, sink = sink_env(tmp_path, database_url=private_postgres.url(app_database), redis_url=redis_url)
    web = start_web(processes, env)
    worker = start_worker(processes, env)
    data = scenario(env, "reported", "1")
    cookies = {data["cookie"]: data["session"]}
    [assignment] = data["assignments"]
    page = f"/nhiem-vu/{assignment}/"
    web.wait_ready()
    worker.wait_ready()
    for _ in range(3):  # the pool's connections are open and in use
        assert fetch(web.port, "GET", page, cookies=cookies)[0] == 200

    private_postgres.stop("immediate")
    try:
        status, headers, body, down_seconds = fetch(web.port, "GET", page, cookies=cookies)
        assert status == 503, body
        assert 'id="service-unavailable"' in body and '<html lang="vi">' in body
        assert "Traceback" not in body and "Server Error" not in body
        assert headers["Retry-After"] == "30" and "no-cache" in headers["Cache-Control"]
        assert down_seconds < POOL_TIMEOUT + 2  # the pool waits for a connection, then gives up
        assert "database unavailable, answered 503" in web.log()
    finally:
        private_postgres.start()

    status, _headers, body, up_seconds = fetch(web.port, "GET", page, cookies=cookies)
    assert status == 200, body  # the first request after the restart, same process
    assert confirm(web, cookies, assignment)[0] == 302  # and a write, which queues two mails
    assert wait_for(lambda: len(delivered(sink)) == 2, 30), worker.log()  # the worker sends them
    assert web.alive() and worker.alive()
    assert "Traceback" not in web.log()
    send_job(redis_url, "reports.flush_outbox")  # finds nothing left to send
    assert wait_for(lambda: flushes_done(worker) == 1, 10), worker.log()
    assert sorted(Counter(delivered(sink)).values()) == [1, 1]
    print(f"\n503 after {down_seconds:.2f} s while PostgreSQL was down; first page after it: {up_seconds:.2f} s")

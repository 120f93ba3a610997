"""Redis hung or stopped when a status change commits: the change is saved, the page answers in
about a second, the mail waits in the outbox and goes out once Redis is back.

The secretariat confirms a unit's report through gunicorn (production settings) on a private
PostgreSQL and Redis; the confirmation queues a mail to the unit in the same transaction and
hands it to Celery after the commit (``reports.outbox.enqueue_delivery``).
"""

from collections import Counter

from .harness import confirm, scenario, send_job, sink_env, start_web, start_worker, wait_for
from .sink import delivered

# A hung Redis costs two publish attempts of one second (settings: socket_timeout and
# CELERY_TASK_PUBLISH_RETRY_POLICY); the rest is the page's own work on a loaded machine.
SLOWEST_SAVE = 4.0


def status_mails(postgres, database) -> dict[str, str]:
    rows = postgres.psql("SELECT dedupe_key, status FROM reports_notification WHERE kind = 'status'", database)
    return dict(line.split("|") for line in rows.splitlines())


def work_statuses(postgres, database, ids) -> list[str]:
    rows = postgres.psql(f"SELECT work_status FROM tasks_assignment WHERE id IN ({','.join(map(str, ids))})", database)
    return rows.splitlines()


def test_a_confirmation_saved_while_redis_is_down_answers_at_once_and_its_mail_goes_out_later(
    private_postgres, private_redis, app_database, redis_url, processes, tmp_path
):
    env, sink = sink_env(tmp_path, database_url=private_postgres.url(app_database), redis_url=redis_url)
    web = start_web(processes, env)
    worker = start_worker(processes, env)
    data = scenario(env, "reported", "2")
    cookies = {data["cookie"]: data["session"]}
    hung, down = data["assignments"]
    web.wait_ready()
    worker.wait_ready()

    with private_redis.frozen():  # Redis accepts connections and never answers
        status, hung_seconds = confirm(web, cookies, hung)
    assert status == 302, web.log()
    assert hung_seconds < SLOWEST_SAVE

    private_redis.stop()
    try:
        status, down_seconds = confirm(web, cookies, down)
        assert status == 302, web.log()
        assert down_seconds < SLOWEST_SAVE

        # Saved, with its mails queued in the outbox; the failures are in the log, not on the page.
        assert work_statuses(private_postgres, app_database, [hung, down]) == ["confirmed", "confirmed"]
        queued = status_mails(private_postgres, app_database)
        assert len(queued) == 4 and set(queued.values()) == {"queued"}  # the head and the unit's address, twice
        assert web.log().count("could not enqueue") == 2
        assert delivered(sink) == []
    finally:
        private_redis.start()

    # Beat's next flush (every minute) finds the queued rows; the worker has reconnected by itself.
    send_job(redis_url, "reports.flush_outbox")
    assert wait_for(lambda: set(status_mails(private_postgres, app_database).values()) == {"sent"}, 45), (
        status_mails(private_postgres, app_database),
        worker.log(),
    )
    assert Counter(delivered(sink)) == Counter(queued.keys())  # each once
    print(f"\nsave with Redis hung: {hung_seconds:.2f} s; with Redis stopped: {down_seconds:.2f} s")

"""The Celery worker killed with SIGKILL while it sends the outbox: no mail lost, none sent twice.

A private PostgreSQL and Redis (``conftest.py``); the workers are real ``celery worker``
processes with production settings; the "SMTP server" is ``tests.faults.sink``: every send
takes ``DELAY`` seconds, and once a third of the mails are stored the next send is held in
the middle of its conversation, where the test kills the sender (before the server accepted
the message). The one duplicate the design allows, a kill between the server's acceptance and
the commit of "sent", is not provoked here (docs/DECISIONS.md, "Faults").
"""

import os
import signal
from collections import Counter

import pytest

from .harness import flushes_done, notification_statuses, scenario, send_job, sink_env, start_worker, wait_for
from .sink import delivered, in_flight, sender_pid

MAILS = 30
DELAY = 0.05  # seconds each send takes


@pytest.fixture
def outbox_app(private_postgres, app_database, redis_url, tmp_path):
    env, sink = sink_env(
        tmp_path,
        database_url=private_postgres.url(app_database),
        redis_url=redis_url,
        FAULT_SINK_DELAY=str(DELAY),
        FAULT_SINK_HOLD_AFTER=str(MAILS // 3),
    )
    (sink / "hold").touch()
    return env, sink


def mid_send(sink) -> bool:
    """A third of the mails stored and the next one held in the middle of its SMTP conversation."""
    return len(delivered(sink)) >= MAILS // 3 and len(in_flight(sink)) == 1


def assert_each_delivered_once(sink, keys):
    counts = Counter(delivered(sink))
    assert [key for key, n in counts.items() if n > 1] == [], "delivered twice"
    assert sorted(set(keys) - set(counts)) == [], "never delivered"
    assert sorted(counts) == sorted(keys)


def test_a_worker_killed_mid_batch_loses_no_mail_and_sends_none_twice(
    outbox_app, processes, private_postgres, app_database, redis_url
):
    env, sink = outbox_app
    first = start_worker(processes, env, name="first", concurrency=1)
    keys = scenario(env, "outbox", str(MAILS))["keys"]  # while the worker starts
    assert len(keys) == MAILS
    first.wait_ready()

    assert wait_for(lambda: mid_send(sink), 30, interval=0.005), first.log()
    first.kill()  # SIGKILL to the worker's process group: the main process and its pool child
    (sink / "hold").unlink()
    before = delivered(sink)
    assert len(before) == MAILS // 3 and len(in_flight(sink)) == 1
    # The delivered mails are marked sent; the one in flight went back to the queue with the
    # killed worker's transaction: nothing is left "sending" for a timeout to recover.
    assert notification_statuses(private_postgres, app_database) == {"sent": len(before), "queued": MAILS - len(before)}

    # A new worker takes the jobs still in the broker; the killed worker's own job stays
    # unacknowledged in Redis until the visibility timeout (an hour), so the mail it held is
    # sent by the outbox flush, which beat runs every minute.
    second = start_worker(processes, env, name="second", concurrency=2)
    send_job(redis_url, "reports.flush_outbox")
    everything_sent = {"sent": MAILS}
    assert wait_for(lambda: notification_statuses(private_postgres, app_database) == everything_sent, 30), (
        notification_statuses(private_postgres, app_database),
        second.log(),
    )
    send_job(redis_url, "reports.flush_outbox")  # the next minute's flush finds nothing more to send
    assert wait_for(lambda: flushes_done(second) >= 2, 10), second.log()
    assert_each_delivered_once(sink, keys)


def test_a_pool_process_killed_mid_send_is_replaced_and_its_mail_sent_once_without_waiting(
    outbox_app, processes, private_postgres, app_database
):
    """The kernel's OOM killer picks the pool process: the worker requeues its job at once
    (acks_late + reject_on_worker_lost) and a new pool process sends the mail; no flush needed."""
    env, sink = outbox_app
    worker = start_worker(processes, env, name="worker", concurrency=1)
    keys = scenario(env, "outbox", str(MAILS))["keys"]
    worker.wait_ready()

    assert wait_for(lambda: mid_send(sink), 30, interval=0.005), worker.log()
    [marker] = in_flight(sink)
    child = sender_pid(marker)
    assert child != worker.pid
    os.kill(child, signal.SIGKILL)
    (sink / "hold").unlink()

    assert wait_for(lambda: notification_statuses(private_postgres, app_database) == {"sent": MAILS}, 30), (
        notification_statuses(private_postgres, app_database),
        worker.log(),
    )
    assert worker.alive() and "WorkerLostError" in worker.log()
    assert_each_delivered_once(sink, keys)

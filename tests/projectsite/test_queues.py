"""Celery queues per kind of work: each job goes to its queue, and the embedded worker takes them all."""

import re
import threading
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_prerun
from django.conf import settings

from projectsite.celery_app import app
from tests.worker import running_worker, wait_until

JOBS = {
    "reports.send_reminders": "reminders",
    "reports.send_digests": "digests",
    "reports.send_official_reports": "digests",
    "reports.deliver_notification": "outbox",
    "reports.flush_outbox": "outbox",
    "units.clear_expired_sessions": "celery",
    "tasks.open_report_slots": "celery",
}


def queue_of(name: str) -> str:
    return app.amqp.router.route({}, name, (), {})["queue"].name


def suffixed(queue: str) -> str:
    """The test settings give each parallel process queues of its own (projectsite/settings/test.py)."""
    return queue + app.amqp.default_queue.name.removeprefix("celery")


def test_each_job_is_routed_to_the_queue_of_its_kind():
    app.loader.import_default_modules()
    jobs = sorted(name for name in app.tasks if not name.startswith("celery."))
    assert jobs == sorted(JOBS), "a new job: give it a queue here and in CELERY_TASK_ROUTES"
    assert {name: queue_of(name) for name in jobs} == {name: suffixed(queue) for name, queue in JOBS.items()}


def test_the_worker_consumes_every_queue_unless_told_otherwise():
    """`make run` and the systemd unit start the worker without -Q: it takes every queue of CELERY_TASK_QUEUES."""
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text(encoding="utf-8")
    [worker] = re.findall(r"celery -A projectsite worker[^&]*", makefile)
    assert " -Q" not in worker and "--queues" not in worker
    assert {queue.name for queue in app.amqp.queues.values()} == {suffixed(q) for q in set(JOBS.values())}
    service = (Path(settings.BASE_DIR) / "deploy/systemd/de-an-06-worker.service").read_text(encoding="utf-8")
    assert " -Q" not in service.partition("ExecStart=")[2].splitlines()[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("queue", ["reminders", "digests", "outbox", "celery"])
def test_a_worker_given_one_queue_runs_only_that_queues_jobs(queue):
    """Real broker, real worker with -Q <queue>: every job is published by name, as beat does."""
    app.control.purge()  # what earlier tests of this process left (deliveries queued on commit)
    ran: dict[str, str] = {}
    lock = threading.Lock()

    def record(sender=None, task_id=None, **_kwargs):
        with lock:
            ran[task_id] = sender.name

    task_prerun.connect(record, weak=False)
    try:
        with start_worker(
            app,
            pool="solo",
            perform_ping_check=False,
            shutdown_timeout=10,
            loglevel="WARNING",
            queues=[suffixed(queue)],
        ):
            ids = {
                app.send_task(name, args=(0,) if name == "reports.deliver_notification" else ()).id: name
                for name in JOBS
            }
            expected = sorted(name for name, q in JOBS.items() if q == queue)

            def ours() -> list[str]:
                with lock:
                    return sorted(ran[task_id] for task_id in ids if task_id in ran)

            wait_until(lambda: len(ours()) >= len(expected), 20)
            wait_until(lambda: False, 1)  # any job of another queue would have run by now
        assert ours() == expected
        # What the one-queue worker left is taken by a worker on every queue (`make run`'s).
        with running_worker():
            assert wait_until(lambda: len(ours()) == len(JOBS), 30), ours()
    finally:
        task_prerun.disconnect(record)

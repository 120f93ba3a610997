"""A real Celery worker in a thread, on the configured broker (Redis in CI, the file-system one otherwise)."""

import time
from collections.abc import Callable
from contextlib import contextmanager

from celery.contrib.testing.worker import start_worker

from projectsite.celery_app import app


@contextmanager
def running_worker():
    """The worker consumes every queue the application publishes to, as `make run`'s does; jobs run for real."""
    queues = list(app.amqp.queues)
    with start_worker(
        app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING", queues=queues
    ):
        yield


def wait_until(condition: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()

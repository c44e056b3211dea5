"""The composition root's queue half: the task queue runs are enqueued on, and the worker that drives them.

Celery is imported only here, and only when a queue is used: without the `queue` extra (and its settings)
every other command works as before. docs/scale.md tells how the pieces fit.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from trimtab.domain.errors import InvalidInput

if TYPE_CHECKING:
    import asyncio

    from trimtab.adapters.queue.celery_app import QueueSettings
    from trimtab.application.facade import Trimtab
    from trimtab.application.run_queue import RunQueue
    from trimtab.config import Settings

EXTRA_HINT = "install the queue extra: pip install 'trimtab[queue]'"


def queue_settings(settings: Settings) -> QueueSettings:
    """Where runs are sent: TRIMTAB_QUEUE_URL and TRIMTAB_QUEUE_NAME (InvalidInput when no queue is set)."""
    if settings.queue_url is None:
        raise InvalidInput("no task queue is configured (e.g. amqp://guest:guest@127.0.0.1:5672//)",
                           where="setting TRIMTAB_QUEUE_URL")
    try:
        from trimtab.adapters.queue.celery_app import QueueSettings
    except ImportError as error:
        raise InvalidInput(f"the task queue needs Celery ({error.name} is missing); {EXTRA_HINT}",
                           where="setting TRIMTAB_QUEUE_URL") from None
    held = max(5.0, min(60.0, settings.run_lease_seconds / 4))  # a dead holder elsewhere lapses in a lease
    return QueueSettings(settings.queue_url.get_secret_value(), settings.queue_name, held_retry_seconds=held)


def run_queue_opener(settings: Callable[[], Settings]) -> Callable[[], RunQueue]:
    """What the facade calls to reach the task queue (nothing is imported or connected until then)."""

    def open_queue() -> RunQueue:
        configured = queue_settings(settings())  # refused first: no queue set, or no Celery installed
        from trimtab.adapters.queue.celery_app import CeleryRunQueue

        return CeleryRunQueue(configured)

    return open_queue


class _Driver:
    """Drives queued runs in a worker process: one facade and one event loop per process, made in the process
    (a pool process forked from the worker builds its own: leases name the process that drives the run)."""

    def __init__(self, build: Callable[[], Trimtab]) -> None:
        self._build = build
        self._pid: int | None = None
        self._facade: Trimtab | None = None
        self._loop: asyncio.Runner | None = None

    def __call__(self, run_id: str) -> str:
        import asyncio

        if self._pid != os.getpid() or self._facade is None or self._loop is None:
            self._pid, self._facade, self._loop = os.getpid(), self._build(), asyncio.Runner()
        outcome = self._loop.run(self._facade.drive_queued_run(run_id))
        return outcome.delivery.value


def run_worker(build: Callable[[], Trimtab], concurrency: int) -> int:
    """Start a worker with `concurrency` processes on the settings' queue; return its exit code when it stops.

    `build` makes the facade a worker process drives runs with (bootstrap.build: the settings of the
    environment, read in each process)."""
    from trimtab.config import load_settings

    if not 1 <= concurrency <= 256:
        raise InvalidInput("must be 1 to 256", where="command line", field="concurrency", value=concurrency)
    settings_of_queue = queue_settings(load_settings())
    from trimtab.adapters.queue.celery_app import start_worker

    return start_worker(settings_of_queue, _Driver(build), concurrency)

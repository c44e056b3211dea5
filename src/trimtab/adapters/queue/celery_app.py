"""Celery on RabbitMQ: the task that drives one queued run, the queue runs are sent to, and the worker.

Delivery is at least once and a task is acknowledged only when it ends (`task_acks_late`): a worker process
killed mid-run (SIGKILL, a lost machine) leaves its message unacknowledged, and RabbitMQ delivers it again to
another worker (`task_reject_on_worker_lost` does the same when only a pool process dies). One message at a
time per process (`worker_prefetch_multiplier=1`), so a busy worker holds no backlog a free one could take.
Tasks carry only a run id; what the run does is read from the database. Remote control, gossip and mingle are
off: workers need not know one another (the database's leases keep them apart), and several installations may
share a RabbitMQ virtual host as long as their queue names differ.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from celery import Celery
from kombu import Queue
from kombu.exceptions import OperationalError

from trimtab.application.run_queue import Delivery
from trimtab.domain.errors import StorageUnavailable

logger = logging.getLogger(__name__)
TASK_NAME = "trimtab.drive_run"


@dataclass(frozen=True, slots=True)
class QueueSettings:
    """Where tasks go: the broker's URL (a secret: it may carry a password), the queue, the wait before a run
    held by another process is delivered again."""

    url: str
    queue: str = "trimtab-runs"
    held_retry_seconds: float = 15.0
    storage_retry_seconds: float = 10.0

    def __repr__(self) -> str:
        return f"QueueSettings(queue={self.queue!r})"


Drive = Callable[[str], str]  # run id -> what the delivery came to (run_queue.Delivery's value)


def make_app(settings: QueueSettings, drive: Drive | None = None) -> Celery:
    """The Celery application; with `drive`, its task drives runs (a worker), else it only sends them."""
    app = Celery("trimtab", broker=settings.url, set_as_current=False)
    app.conf.update(
        task_default_queue=settings.queue, task_queues=[Queue(settings.queue, durable=True)],
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        task_ignore_result=True, task_serializer="json", accept_content=["json"], result_serializer="json",
        worker_enable_remote_control=False, worker_send_task_events=False, worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True, broker_transport_options={"confirm_publish": True},
        task_publish_retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5},
    )

    def drive_run(task: Any, run_id: str) -> str:
        if drive is None:
            raise RuntimeError("this application only sends runs")
        try:
            delivery = drive(run_id)
        except StorageUnavailable as error:  # the database is away: the run stays as saved; try again
            logger.warning("queued run %s: %s; delivered again in %.0f s", run_id, error,
                           settings.storage_retry_seconds)
            raise task.retry(countdown=settings.storage_retry_seconds) from None
        if delivery == Delivery.HELD:  # another live process drives it: come back, it may have died by then
            logger.info("queued run %s is driven elsewhere; delivered again in %.0f s", run_id,
                        settings.held_retry_seconds)
            raise task.retry(countdown=settings.held_retry_seconds)
        logger.info("queued run %s: %s", run_id, delivery)
        return delivery

    app.task(name=TASK_NAME, bind=True, max_retries=None, acks_late=True, reject_on_worker_lost=True)(drive_run)
    return app


class CeleryRunQueue:
    """Sends one task per run id (published with RabbitMQ's confirmation, persistent, on a durable queue)."""

    def __init__(self, settings: QueueSettings) -> None:
        self.settings = settings
        self._app = make_app(settings)

    def submit(self, run_ids: Sequence[str]) -> None:
        try:
            with self._app.connection_for_write() as connection:
                producer = self._app.amqp.Producer(connection)
                for run_id in run_ids:
                    self._app.send_task(TASK_NAME, args=[run_id], task_id=run_id, queue=self.settings.queue,
                                        producer=producer)
        except OperationalError as error:
            raise StorageUnavailable(f"the task queue cannot be reached ({type(error).__name__}: "
                                     f"{str(error)[:120]})") from None


def start_worker(settings: QueueSettings, drive: Drive, concurrency: int) -> int:
    """Run a worker with `concurrency` processes until it is stopped; return its exit code."""
    app = make_app(settings, drive)
    worker = app.Worker(concurrency=concurrency, queues=[settings.queue], without_gossip=True,
                        without_mingle=True, without_heartbeat=True, loglevel="INFO",
                        hostname=f"trimtab-{os.getpid()}@{socket.gethostname()}")
    worker.start()
    return int(worker.exitcode or 0)

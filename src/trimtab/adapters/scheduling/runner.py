"""The scheduler process: APScheduler calls the facade's `tick` at a fixed interval until stopped.

The schedules themselves (cron, zone, calendar, claims) live in the database and are read by `tick`, so any
number of schedulers can run against one database: each slot is claimed once (application/schedules.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]

logger = logging.getLogger(__name__)


async def run_ticks(tick: Callable[[], Awaitable[object]], interval_seconds: float,
                    stop: asyncio.Event) -> None:
    """Call `tick` now and every `interval_seconds` (never two at once; late ticks coalesce) until `stop` is set."""
    scheduler = AsyncIOScheduler()
    scheduler.add_job(tick, IntervalTrigger(seconds=interval_seconds), id="trimtab-tick", max_instances=1,
                      coalesce=True, misfire_grace_time=None, next_run_time=dt.datetime.now(dt.UTC))
    scheduler.start()
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)


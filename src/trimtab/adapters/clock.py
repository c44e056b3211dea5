"""The real clock for the Clock port (simulated ones: simclock.py)."""

from __future__ import annotations

import datetime as dt


class SystemClock:
    """Read the system clock as an aware UTC instant."""

    def now(self) -> dt.datetime:
        """Return the current aware UTC instant."""
        return dt.datetime.now(dt.UTC)

    async def sleep(self, seconds: float) -> None:
        """Wait in real time."""
        import asyncio  # here: a command that never waits should not load asyncio

        await asyncio.sleep(seconds)

"""A simulated market clock: waiting advances it at once, so a paper run takes seconds, not minutes."""

from __future__ import annotations

import datetime as dt


class FastForwardClock:
    """Starts at a given instant; `sleep` moves it forward without waiting."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulated clock needs an aware start instant")
        self._now = start.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        """Return the simulated instant."""
        return self._now

    async def sleep(self, seconds: float) -> None:
        """Advance the simulated instant."""
        self._now += dt.timedelta(seconds=seconds)

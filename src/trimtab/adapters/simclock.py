"""Simulated market clocks: one that waiting advances at once (a paper run takes seconds, not minutes), and one
that several processes share, running at a multiple of real time."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field


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


@dataclass(frozen=True, slots=True)
class ScaledClock:
    """A simulated market clock: it read `start` at the real epoch second `anchor` and runs `speed` x real time.

    Every process given the same three values reads the same instant at the same moment, so trimtab and a
    local broker (the local KIS in tests and demos) share one timeline whatever the real date is.
    """

    start: dt.datetime
    anchor: float
    speed: float = 1.0
    wall: Callable[[], float] = field(default=time.time, repr=False)

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.start.utcoffset() is None:
            raise ValueError("the simulated clock needs an aware start instant")
        if not self.speed > 0:
            raise ValueError("the simulated clock needs a speed above 0")

    def now(self) -> dt.datetime:
        """Return the simulated instant (aware UTC)."""
        elapsed = (self.wall() - self.anchor) * self.speed
        return (self.start + dt.timedelta(seconds=elapsed)).astimezone(dt.UTC)

    def epoch(self) -> float:
        """Return the simulated instant as epoch seconds (what the local KIS's clock reads)."""
        return self.now().timestamp()

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of simulated time."""
        import asyncio

        await asyncio.sleep(seconds / self.speed)

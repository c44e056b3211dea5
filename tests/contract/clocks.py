"""Clocks for tests: a fixed instant moved by hand, and one that steps on every read."""

from __future__ import annotations

import datetime as dt


class FixedClock:
    """Return the same aware instant until told to move."""

    def __init__(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware instant")
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def set(self, at: dt.datetime) -> None:
        """Jump to an instant (forwards or backwards)."""
        self.at = at

    def advance(self, seconds: int) -> None:
        """Move forward by whole seconds."""
        self.at += dt.timedelta(seconds=seconds)


class SteppingClock:
    """Return `start`, then `start + step`, ... : every read moves time forward by `step`."""

    def __init__(self, start: dt.datetime, step: dt.timedelta) -> None:
        if start.tzinfo is None:
            raise ValueError("SteppingClock needs an aware instant")
        self.next_at = start
        self.step = step

    def now(self) -> dt.datetime:
        at = self.next_at
        self.next_at += self.step
        return at

"""The real clock, for the Clock port."""

from __future__ import annotations

import datetime as dt


class SystemClock:
    """Read the system clock as an aware UTC instant."""

    def now(self) -> dt.datetime:
        """Return the current aware UTC instant."""
        return dt.datetime.now(dt.UTC)

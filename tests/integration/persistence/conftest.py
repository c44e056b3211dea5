"""Persistence tests: a fixed clock (database fixtures come from tests/integration/conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest

NOW = dt.datetime(2026, 3, 2, 0, 30, tzinfo=dt.UTC)


class FixedClock:
    """A clock that says what it is told."""

    def __init__(self, now: dt.datetime = NOW) -> None:
        self.current = now

    def now(self) -> dt.datetime:
        return self.current


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()

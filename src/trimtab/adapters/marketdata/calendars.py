"""Exchange calendars: whether a market is open at an instant, and the venue's market date.

Sessions come from exchange_calendars (XKRX for the Korean boards, XNYS for US listings), loaded once per
process over a fixed range and kept as plain dicts of aware UTC datetimes. A small override table adds the
closures the library misses: 2026-06-03, the 9th nationwide local election, is a session in exchange_calendars
4.13.2 although KRX is closed (shared/BROKERS.md §6). Crypto trades around the clock.

Building a calendar takes seconds (XKRX computes lunar holidays), so the sessions are also kept in a small JSON
file under the user's cache folder (~/.cache/trimtab/calendars), keyed by the library's version, the range and
the override table; a damaged or unwritable cache only costs the build.

Only the continuous session counts as open (KRX 09:00-15:30, the year's first session from 10:00; NYSE
09:30-16:00); pre-market, after-hours and single-price sessions are not modelled.
"""

from __future__ import annotations

import datetime as dt
import threading
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from zoneinfo import ZoneInfo

from trimtab.adapters.cache_files import cache_file, read_cached, write_cached
from trimtab.domain.instruments import Market
from trimtab.domain.market_time import market_zone  # one table of zones, shared with what people are shown

UTC = dt.UTC
SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")

CALENDAR_START = dt.date(2020, 1, 1)
CALENDAR_END = dt.date(2030, 12, 31)

_CALENDAR_BY_MARKET: dict[Market, str] = {
    Market.KRX: "XKRX", Market.KOSPI: "XKRX", Market.KOSDAQ: "XKRX", Market.KONEX: "XKRX", Market.US: "XNYS",
}

# Closures exchange_calendars does not know about, per calendar; versioned with the library it corrects.
EXTRA_CLOSURES: dict[str, frozenset[dt.date]] = {
    "XKRX": frozenset({dt.date(2026, 6, 3)}),  # local election day; a session in exchange_calendars 4.13.2
}


@dataclass(frozen=True, slots=True)
class Session:
    """One trading session: continuous trading from opens_at (inclusive) to closes_at (exclusive), UTC."""

    opens_at: dt.datetime
    closes_at: dt.datetime

    def contains(self, at: dt.datetime) -> bool:
        """Tell whether the instant falls inside the session."""
        return self.opens_at <= at < self.closes_at


_lock = threading.Lock()
_sessions: dict[str, dict[dt.date, Session]] = {}


def market_date(market: Market, at: dt.datetime) -> dt.date:
    """Return the venue's date at an aware instant."""
    _require_aware(at)
    return at.astimezone(market_zone(market)).date()


def session_on(market: Market, day: dt.date) -> Session | None:
    """Return the market's session on a venue date, or None when it is closed all day.

    Crypto has one session per UTC day. Dates outside CALENDAR_START..CALENDAR_END count as closed.
    """
    name = _CALENDAR_BY_MARKET.get(market)
    if name is None:
        opens_at = dt.datetime.combine(day, dt.time(), tzinfo=UTC)
        return Session(opens_at, opens_at + dt.timedelta(days=1))
    return _load_sessions(name).get(day)


def is_session(calendar: str, day: dt.date) -> bool:
    """Tell whether an exchange calendar (XKRX, XNYS, XSES…) trades on a venue date (with trimtab's overrides).

    Past the last year the library records a calendar's holidays for (XSES: 2026 in exchange_calendars 4.13),
    every weekday counts as a session: a schedule keeps running, on holidays too, rather than stopping."""
    sessions = _load_sessions(calendar)
    if sessions and day > max(sessions):
        return day.weekday() < 5
    return day in sessions


def is_market_open(market: Market, at: dt.datetime) -> bool:
    """Tell whether the market trades continuously at an aware instant."""
    session = session_on(market, market_date(market, at))
    return session is not None and session.contains(at.astimezone(UTC))


def next_open(market: Market, at: dt.datetime) -> dt.datetime | None:
    """Return the first instant at or after `at` when the market trades, or None past the calendar's end."""
    day = market_date(market, at)
    while day <= CALENDAR_END:
        session = session_on(market, day)
        if session is not None and at < session.closes_at:
            return max(at.astimezone(UTC), session.opens_at)
        day += dt.timedelta(days=1)
    return None


def add_sessions(market: Market, day: dt.date, count: int) -> dt.date:
    """Return the venue date `count` sessions after `day` (settlement dates: T+2 in Korea, T+1 in the US)."""
    current = day
    remaining = count
    while remaining > 0:
        current += dt.timedelta(days=1)
        if current > CALENDAR_END:
            raise ValueError(f"{market}: no calendar beyond {CALENDAR_END}")
        if session_on(market, current) is not None:
            remaining -= 1
    return current


def _require_aware(at: dt.datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got {at!r}")


def _load_sessions(name: str) -> dict[dt.date, Session]:
    """Load a calendar's sessions once per process: from the cache file, else built (and cached)."""
    with _lock:
        cached = _sessions.get(name)
        if cached is None:
            path = _cache_path(name)
            cached = _read_cache(path)
            if cached is None:
                cached = _build_sessions(name)
                _write_cache(path, cached)
            _sessions[name] = cached
        return cached


def _cache_path(name: str) -> Path:
    return cache_file("calendars", name, [metadata.version("exchange_calendars"), name, CALENDAR_START.isoformat(),
                                          CALENDAR_END.isoformat(),
                                          sorted(day.isoformat() for day in EXTRA_CLOSURES.get(name, ()))])


def _read_cache(path: Path) -> dict[dt.date, Session] | None:
    try:
        return {dt.date.fromisoformat(day): Session(dt.datetime.fromisoformat(opens), dt.datetime.fromisoformat(closes))
                for day, opens, closes in read_cached(path)}
    except (ValueError, TypeError):
        return None


def _write_cache(path: Path, sessions: dict[dt.date, Session]) -> None:
    write_cached(path, [[day.isoformat(), s.opens_at.isoformat(), s.closes_at.isoformat()]
                        for day, s in sorted(sessions.items())])


def _build_sessions(name: str) -> dict[dt.date, Session]:
    import exchange_calendars  # type: ignore[import-untyped]  # slow import, deferred until needed

    with warnings.catch_warnings():
        # pandas 3.1 deprecates an accessor exchange_calendars 4.13 uses while building a calendar.
        warnings.simplefilter("ignore")
        # The calendar's class says up to when its holidays are recorded (no public accessor in 4.13).
        factories = getattr(exchange_calendars.calendar_utils, "_default_calendar_factories", {})
        factory = factories.get(name)
        bound = factory.bound_max() if factory is not None else None  # the last day its holidays are known for
        end = CALENDAR_END if bound is None else min(CALENDAR_END, bound.date())
        calendar = exchange_calendars.get_calendar(name, start=CALENDAR_START.isoformat(), end=end.isoformat())
        schedule = calendar.schedule
        rows = zip(schedule.index, schedule["open"], schedule["close"], strict=True)
        sessions = {
            day.date(): Session(opens_at.to_pydatetime().astimezone(UTC), closes_at.to_pydatetime().astimezone(UTC))
            for day, opens_at, closes_at in rows
        }
    for closed in EXTRA_CLOSURES.get(name, frozenset()):
        sessions.pop(closed, None)
    return sessions

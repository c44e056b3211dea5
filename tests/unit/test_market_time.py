"""Times for people: in the market's zone with the zone named, simulated ones labelled."""

from __future__ import annotations

import datetime as dt

from trimtab.domain.instruments import Market
from trimtab.domain.market_time import format_date, format_time, market_zone, zone_for

AT = dt.datetime(2026, 12, 1, 0, 5, 1, tzinfo=dt.UTC)


def test_times_are_in_the_markets_zone_with_its_name() -> None:
    assert format_time(AT, market_zone(Market.KRX)) == "2026-12-01 09:05:01 KST"
    assert format_time(AT, market_zone(Market.US)) == "2026-11-30 19:05:01 EST"
    assert format_time(AT.replace(month=7), market_zone(Market.US)) == "2026-06-30 20:05:01 EDT"
    assert format_time(AT, market_zone(Market.CRYPTO)) == "2026-12-01 00:05:01 UTC"
    assert format_time(AT.replace(tzinfo=None), market_zone(Market.KOSDAQ)) == "2026-12-01 09:05:01 KST"


def test_a_simulated_clocks_times_and_dates_say_so() -> None:
    assert format_time(AT, market_zone(Market.KRX), simulated=True) == "2026-12-01 09:05:01 KST (simulated)"
    assert format_date(AT.date(), simulated=True) == "2026-12-01 (simulated)"
    assert format_date(AT.date()) == "2026-12-01"


def test_the_zone_comes_from_the_instruments_market_else_the_currency() -> None:
    assert zone_for({Market.KRX, Market.KOSPI}) == market_zone(Market.KRX)
    assert zone_for({Market.US}, "KRW") == market_zone(Market.US)
    assert zone_for((), "USD") == market_zone(Market.US)
    assert zone_for((), "KRW") == market_zone(Market.KRX)
    assert zone_for((), None) == dt.UTC
    assert zone_for({Market.US, Market.KRX}, "USD") == dt.UTC  # mixed markets: UTC, still named

"""Which time zone a market keeps, and how an instant looks to people: in that zone, the zone named.

Instants are stored as aware UTC. Shown to people they are in the market's zone with its abbreviation
(``2026-12-01 09:05:01 KST``); an instant on a paper broker's simulated market clock says so
(``(simulated)``): it is a point on the simulated session, not when the command ran. Machine-readable output
keeps ISO-8601 with its offset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from trimtab.domain.instruments import DEFAULT_MARKET_BY_CURRENCY, Market

UTC = dt.UTC
MARKET_ZONES: dict[Market, str] = {
    Market.KRX: "Asia/Seoul", Market.KOSPI: "Asia/Seoul", Market.KOSDAQ: "Asia/Seoul", Market.KONEX: "Asia/Seoul",
    Market.US: "America/New_York", Market.CRYPTO: "UTC",
}
SIMULATED = "(simulated)"


def market_zone(market: Market) -> dt.tzinfo:
    """The zone whose dates are the market's trade dates (UTC for crypto)."""
    name = MARKET_ZONES.get(market, "UTC")
    return UTC if name == "UTC" else ZoneInfo(name)


def zone_for(markets: Iterable[Market] = (), currency: str | None = None) -> dt.tzinfo:
    """The zone of the one market these instruments trade on; else the currency's home market's; else UTC."""
    found = set(markets)
    if found and all(market.is_korean for market in found):
        return market_zone(Market.KRX)
    if len(found) == 1:
        return market_zone(found.pop())
    home = None if found else DEFAULT_MARKET_BY_CURRENCY.get((currency or "").upper())
    return UTC if home is None else market_zone(home)


def format_time(at: dt.datetime, zone: dt.tzinfo, *, simulated: bool = False) -> str:
    """``2026-12-01 09:05:01 KST``, with `` (simulated)`` for an instant on a simulated market clock."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # stored instants are UTC; a naive one read back is UTC too
    local = at.astimezone(zone)
    name = local.tzname() or local.strftime("%z")
    if not name[:1].isalpha():  # a zone without an abbreviation ("+09"): the numeric offset instead
        name = local.strftime("%z")
        name = f"{name[:3]}:{name[3:]}"
    text = f"{local:%Y-%m-%d %H:%M:%S} {name}"
    return f"{text} {SIMULATED}" if simulated else text


def format_date(day: dt.date, *, simulated: bool = False) -> str:
    """A market date (``2026-12-01``), with `` (simulated)`` when it is the paper market's date."""
    return f"{day.isoformat()} {SIMULATED}" if simulated else day.isoformat()

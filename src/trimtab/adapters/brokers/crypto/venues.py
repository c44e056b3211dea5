"""Each market type's quirks as data: the ccxt class, market loading, endpoints and how sells are sent.

Endpoint names are ccxt's implicit API methods for Binance (raw JSON with numbers as text, so nothing passes
through a float): spot under /api/v3, USDT-margined futures under /fapi (balances /fapi/v3/account, positions
/fapi/v2/positionRisk). See docs/crypto.md and shared/BROKERS.md §5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MarketType = Literal["spot", "futures"]


@dataclass(frozen=True, slots=True)
class Venue:
    """Where one market type of an exchange lives in ccxt."""

    exchange_class: str  # ccxt.async_support class name
    market_types: tuple[str, ...]  # ccxt options.fetchMarkets.types
    account: str
    positions: str | None
    order_post: str
    order_get: str
    order_delete: str
    open_orders: str
    all_orders: str
    trades: str
    prices: str
    time: str
    reduce_only_sells: bool  # futures sells only close (never open a short): trimtab rebalances long-only
    demo_trading: bool = False  # not live: ccxt's demo trading (else its sandbox, the exchange's testnet)


VENUES: dict[tuple[str, MarketType], Venue] = {
    ("binance", "spot"): Venue(
        "binance", ("spot",), account="private_get_account", positions=None, order_post="private_post_order",
        order_get="private_get_order", order_delete="private_delete_order", open_orders="private_get_openorders",
        all_orders="private_get_allorders", trades="private_get_mytrades", prices="public_get_ticker_price",
        time="public_get_time", reduce_only_sells=False),
    ("binance", "futures"): Venue(
        "binanceusdm", ("linear",), account="fapiprivatev3_get_account",
        positions="fapiprivatev2_get_positionrisk", order_post="fapiprivate_post_order",
        order_get="fapiprivate_get_order", order_delete="fapiprivate_delete_order",
        open_orders="fapiprivate_get_openorders", all_orders="fapiprivate_get_allorders",
        trades="fapiprivate_get_usertrades", prices="fapipublic_get_ticker_price", time="fapipublic_get_time",
        reduce_only_sells=True, demo_trading=True),
}

# Binance codes by what the caller should do (https://developers.binance.com/docs/binance-spot-api-docs/errors).
RATE_LIMITED = frozenset({-1003, -1015})  # too much request weight / too many new orders: back off, retry
TIMESTAMP = frozenset({-1021})  # outside recvWindow: sync the time difference, retry once
AUTHENTICATION = frozenset({-1022, -2014, -2015})  # bad signature, bad key, no permission
UNKNOWN_ORDER = frozenset({-2013})  # "Order does not exist."
CANCEL_REFUSED = frozenset({-2011})  # "Unknown order sent." (already closed, or never there)
# The client order id is taken by an open order: futures -4116; spot says -2010 "Duplicate order sent." (the
# code of every refused new order, so a -2010 is followed by a look-up of the id rather than a read of the text).
DUPLICATE = frozenset({-4116, -2010})


def venue_of(exchange: str, market_type: MarketType) -> Venue:
    """The venue of an exchange's market type (ValueError when ccxt support for it is not built yet)."""
    try:
        return VENUES[(exchange, market_type)]
    except KeyError:
        known = ", ".join(f"{e} {m}" for e, m in VENUES)
        raise ValueError(f"{exchange} {market_type} is not supported (supported: {known})") from None

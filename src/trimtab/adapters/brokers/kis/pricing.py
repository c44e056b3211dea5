"""KIS quotes → trimtab instruments, and order prices corrected onto KIS's own grid and limits (pure).

KIS's `aspr_unit` (tick at the current price) and `stck_mxpr`/`stck_llam` (daily limits) are trusted over the
local tables (BROKERS.md §1.5): where they disagree, a warning is logged and the price goes onto the coarser
of the two grids, which is valid on both because every KRX tick divides the next larger one.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from trimtab.adapters.brokers.kis.parse import BrokerQuote
from trimtab.domain.instruments import Instrument, InstrumentType, Market
from trimtab.domain.numbers import ceil_to, floor_to
from trimtab.domain.orders import Side
from trimtab.domain.ticks import daily_limits, tick_size

logger = logging.getLogger(__name__)


def instrument_for(quote: BrokerQuote) -> Instrument:
    """An ETF when KIS's tick is the ETF grid's and not the stock grid's at this price; a stock otherwise.

    Below 2,000 won both grids are 1 won and the type cannot be told from the tick; stock is then assumed
    (its sell tax is the higher estimate, and every stock-grid price is also on the ETF grid).
    """
    etf = Instrument(quote.symbol, Market.KRX, InstrumentType.ETF, "KRW")
    stock = Instrument(quote.symbol, Market.KRX, InstrumentType.STOCK, "KRW")
    if quote.tick == tick_size(etf, quote.price) != tick_size(stock, quote.price):
        return etf
    return stock


def disagreements(instrument: Instrument, quote: BrokerQuote) -> list[str]:
    """Say where KIS's tick or limits differ from the local tables (empty when they agree)."""
    found = []
    local_tick = tick_size(instrument, quote.price)
    if local_tick != quote.tick:
        found.append(f"tick at {quote.price}: KIS {quote.tick}, local table {local_tick}")
    limits = daily_limits(instrument, quote.base_price)
    if limits is not None and (limits.lower, limits.upper) != (quote.lower_limit, quote.upper_limit):
        found.append(f"daily limits: KIS {quote.lower_limit}..{quote.upper_limit}, "
                     f"local {limits.lower}..{limits.upper}")
    return found


def grid_at(instrument: Instrument, quote: BrokerQuote, price: Decimal) -> Decimal:
    """The tick an order at `price` must respect: the local table's, or KIS's when KIS disagrees (coarser)."""
    local = tick_size(instrument, price)
    if tick_size(instrument, quote.price) == quote.tick:
        return local
    return max(local, quote.tick)


def is_acceptable(instrument: Instrument, quote: BrokerQuote, price: Decimal) -> bool:
    """Whether a limit price is on the grid and inside KIS's daily limits."""
    return quote.lower_limit <= price <= quote.upper_limit and price % grid_at(instrument, quote, price) == 0


def correct_price(instrument: Instrument, quote: BrokerQuote, side: Side, price: Decimal) -> Decimal:
    """Put a limit price on the grid, never more aggressive than asked (a sell rounds up, a buy down), then
    inside KIS's daily limits (which are themselves valid prices)."""
    tick = grid_at(instrument, quote, price)
    moved = ceil_to(price, tick) if side is Side.SELL else floor_to(price, tick)
    if moved <= 0:
        moved = tick
    return min(max(moved, quote.lower_limit), quote.upper_limit)


def warn_once(seen: set[str], instrument: Instrument, quote: BrokerQuote) -> None:
    """Log a warning the first time a symbol's KIS figures disagree with the local tables."""
    if instrument.symbol in seen:
        return
    problems = disagreements(instrument, quote)
    if problems:
        seen.add(instrument.symbol)
        logger.warning("KIS and the local tables disagree for %s (%s); trusting KIS", instrument.symbol,
                       "; ".join(problems))

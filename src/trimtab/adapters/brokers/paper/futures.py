"""Linear USDT-margined perpetuals on the paper exchange: symbols, prices, and the futures wallet's money.

A paper crypto account (one whose currency has no home stock market: USDT) holds two wallets, as an exchange
does: the spot wallet (`AccountState.cash`, coins in `positions`) and the futures wallet. Futures symbols are
ccxt's unified ones, `BTC/USDT:USDT`: the perpetual on the spot pair `BTC/USDT`, priced on the spot pair's path
(a perpetual tracks its index; funding is not simulated) and settled in the account's currency.

The model, kept simple and exact (every figure a Decimal sum, nothing divided but the cost a partial close
takes out):
- long only, one-way, cross margin, **leverage 1**: a position's initial margin is its cost (quantity x entry);
- a buy fill adds its value to the position's cost and charges its commission to the wallet; a sell fill (it
  can only reduce: never more than is held) takes out the position's cost pro rata (rounded to the currency's
  minor unit; what stays keeps the rest, so no money appears or vanishes) and books the realised PnL
  (proceeds - cost taken out) and its commission to the wallet;
- equity (the margin balance) = wallet + unrealised PnL (quantity x price - cost, summed);
- available = wallet - cost of the positions - what open buys reserve (their rest at the reserve price plus
  commission); at leverage 1 this equals equity - the positions at their price, Binance's availableBalance.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal

from trimtab.adapters.brokers.paper.prices import PriceSource
from trimtab.adapters.brokers.paper.state import AccountState, OrderRecord
from trimtab.domain.costs import commission
from trimtab.domain.instruments import Instrument, Market, minor_unit
from trimtab.domain.numbers import ZERO
from trimtab.domain.orders import Side
from trimtab.domain.ticks import PriceLimits


def is_futures(symbol: str) -> bool:
    """Whether a symbol names a perpetual (BTC/USDT:USDT) rather than a spot pair or a security."""
    return ":" in symbol


def underlying(symbol: str) -> str:
    """The spot pair a perpetual follows (BTC/USDT for BTC/USDT:USDT)."""
    return symbol.split(":", 1)[0]


class LinearFutures:
    """A PriceSource that also prices the perpetuals of its crypto pairs, on the pairs' own paths."""

    def __init__(self, spot: PriceSource) -> None:
        self.spot = spot

    def instrument(self, symbol: str) -> Instrument | None:
        if not is_futures(symbol):
            return self.spot.instrument(symbol)
        pair = self.spot.instrument(underlying(symbol))
        settle = symbol.split(":", 1)[1]
        if pair is None or pair.market is not Market.CRYPTO or settle != pair.currency:
            return None
        return dataclasses.replace(pair, symbol=symbol, name=f"{pair.name or pair.symbol} perpetual")

    def base_price(self, symbol: str, step: int) -> Decimal:
        return self.spot.base_price(underlying(symbol), step)

    def price_limits(self, symbol: str, step: int) -> PriceLimits:
        return self.spot.price_limits(underlying(symbol), step)

    def price_at(self, symbol: str, step: int) -> Decimal:
        return self.spot.price_at(underlying(symbol), step)


def reserved_margin(state: AccountState) -> Decimal:
    """What open futures buys hold back: their rest at the reserve price plus the commission still unpaid."""
    total = ZERO
    for order in state.orders.values():
        if order.side is Side.BUY and order.status.is_open and is_futures(order.symbol):
            unpaid = commission(order.quantity * order.reserve_price, state.costs, state.currency) - order.commission
            total += order.remaining * order.reserve_price + max(ZERO, unpaid)
    return total


def available(state: AccountState) -> Decimal:
    """The futures wallet's available balance (leverage 1): wallet - positions' cost - open buys' margin."""
    return state.futures_wallet - sum(state.futures_costs.values(), ZERO) - reserved_margin(state)


def equity(state: AccountState, price: Callable[[str], Decimal]) -> Decimal:
    """The futures margin balance: wallet + unrealised PnL of every position at `price`."""
    unrealised = sum((state.positions[s] * price(s) - cost for s, cost in state.futures_costs.items()), ZERO)
    return state.futures_wallet + unrealised


def apply_fill(state: AccountState, order: OrderRecord, quantity: Decimal, price: Decimal, costs: Decimal) -> None:
    """Move a futures fill's position, cost and wallet money; `costs` is the fill's commission."""
    symbol = order.symbol
    held, cost = state.positions.get(symbol, ZERO), state.futures_costs.get(symbol, ZERO)
    value = quantity * price
    if order.side is Side.BUY:
        state.positions[symbol], state.futures_costs[symbol] = held + quantity, cost + value
        state.futures_wallet -= costs
        return
    taken = cost if quantity == held else (cost * quantity / held).quantize(minor_unit(state.currency),
                                                                            ROUND_HALF_EVEN)
    state.futures_wallet += value - taken - costs
    if quantity == held:
        state.positions.pop(symbol, None)
        state.futures_costs.pop(symbol, None)
    else:
        state.positions[symbol], state.futures_costs[symbol] = held - quantity, cost - taken

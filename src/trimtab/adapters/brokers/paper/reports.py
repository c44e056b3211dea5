"""Turn paper exchange records into the normalised domain reports every broker returns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from trimtab.adapters.brokers.paper.exchange import PaperExchange
from trimtab.adapters.brokers.paper.futures import available, is_futures
from trimtab.adapters.brokers.paper.state import AccountState, OrderRecord
from trimtab.domain.errors import InvalidInput
from trimtab.domain.execution import OrderReport
from trimtab.domain.numbers import ZERO
from trimtab.domain.snapshot import AccountSnapshot, Holding, Quote


def order_report(order: OrderRecord) -> OrderReport:
    """Return the normalised report of an order."""
    average = order.filled_value / order.filled_quantity if order.filled_quantity > ZERO else None
    return OrderReport(
        client_order_id=order.client_order_id, broker_order_id=order.broker_order_id, symbol=order.symbol,
        side=order.side, quantity=order.quantity, limit_price=order.limit_price, status=order.status,
        filled_quantity=order.filled_quantity, average_price=average, reject_code=order.reject_code,
        reject_message=order.reject_message,
    )


def build_snapshot(
    exchange: PaperExchange, state: AccountState, symbols: Sequence[str], now: dt.datetime,
    quoted: dict[str, Quote] | None = None, *, only_futures: bool | None = None,
) -> AccountSnapshot:
    """Return the account with orderable cash and quantities and quotes for held plus requested symbols.

    A crypto account's cash is its spot wallet's orderable cash plus its futures available balance; with
    `only_futures` set, the snapshot is one market's: its positions and its own wallet's cash (True: futures).
    `quoted` keeps the quotes made at `now` for the next account read at the same instant (a batch's): a
    symbol's quote at one instant is the same whatever the account."""
    where = f"paper account {state.account_id}"
    quoted = {} if quoted is None else quoted
    quotes: dict[str, Quote] = {}
    held = {symbol: quantity for symbol, quantity in state.positions.items()
            if only_futures is None or is_futures(symbol) == only_futures}
    for symbol in [*held, *symbols]:
        if symbol not in quotes:
            known = quoted.get(symbol)
            instrument = exchange.instrument(symbol, where=where) if known is None else known.instrument
            if instrument.currency != state.currency:
                raise InvalidInput(f"trades in {instrument.currency}, the account in {state.currency}",
                                   where=where, field="symbols", value=symbol)
            if known is None:
                known = quoted[symbol] = Quote(instrument, exchange.current_price(symbol, now),
                                               base_price=exchange.base_price(symbol, now))
            quotes[symbol] = known
    holdings = tuple(
        Holding(quotes[symbol], quantity, exchange.orderable_quantity(state, symbol))
        for symbol, quantity in held.items()
    )
    spot_cash, futures_cash = exchange.orderable_cash(state), available(state)
    cash = spot_cash + futures_cash if only_futures is None else futures_cash if only_futures else spot_cash
    return AccountSnapshot(
        account_id=state.account_id, currency=state.currency, cash=cash,
        holdings=holdings, quotes=quotes, as_of=exchange.account_date(state, now), costs=state.costs,
    )

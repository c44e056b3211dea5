"""The simulated exchange: pure state transitions on an AccountState, no IO and no clock of its own.

Every operation takes the current instant. `settle` first applies every fill owed up to that instant, across
all open orders in time order, so the state after any sequence of calls depends only on the calls and their
instants, never on how often anyone polled in between.

Money rules: a buy reserves its quantity at its limit (a market buy at the upper limit of the price band)
plus the estimated commission; a sell reserves its quantity. Commission and sell tax are charged per order
on the cumulative filled value (each fill pays the increase), so an order's total cost equals the domain's
estimate for its filled value whatever the chunking.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from trimtab.adapters.brokers.paper import futures
from trimtab.adapters.brokers.paper.checks import (
    RejectCode,
    Rejection,
    buy_requirement,
    check_funds,
    check_market_open,
    check_shape,
)
from trimtab.adapters.brokers.paper.config import PaperConfig
from trimtab.adapters.brokers.paper.draws import uniform
from trimtab.adapters.brokers.paper.fills import DueFill, collect_due_fills
from trimtab.adapters.brokers.paper.prices import PriceSource
from trimtab.adapters.brokers.paper.state import AccountState, FillRecord, OrderRecord, PendingCash
from trimtab.adapters.marketdata.calendars import add_sessions, market_date
from trimtab.domain.costs import commission, sell_tax, sell_tax_rate
from trimtab.domain.errors import InvalidInput
from trimtab.domain.execution import Fill, OrderEvent, OrderRequest, OrderStatus, transition
from trimtab.domain.instruments import DEFAULT_MARKET_BY_CURRENCY, Instrument, Market, parse_currency
from trimtab.domain.numbers import ZERO
from trimtab.domain.orders import OrderType, Side
from trimtab.domain.snapshot import CostSettings


class PaperExchange:
    """Order matching, reservations and settlement for paper accounts, against a PriceSource."""

    def __init__(self, config: PaperConfig, prices: PriceSource) -> None:
        self.config = config
        self.prices: PriceSource = futures.LinearFutures(prices)  # perpetuals priced on their pairs' paths

    def instrument(self, symbol: str, *, where: str) -> Instrument:
        """Return a symbol's instrument or raise InvalidInput for a symbol without prices."""
        instrument = self.prices.instrument(symbol)
        if instrument is None:
            raise InvalidInput("unknown instrument (no paper prices)", where=where, field="symbol", value=symbol)
        return instrument

    def current_price(self, symbol: str, now: dt.datetime) -> Decimal:
        """Return the path price of a symbol at an instant."""
        return self.prices.price_at(symbol, self.config.price_step(now))

    def open_account(
        self, account_id: str, currency: str, cash: Decimal, positions: Mapping[str, Decimal],
        costs: CostSettings | None = None, futures_cash: Decimal = ZERO,
    ) -> AccountState:
        """Build a new account's state after checking its currency, cash (and futures wallet) and positions."""
        where = f"paper account {account_id}"
        code = parse_currency(currency, where=where)
        for name, amount in (("cash", cash), ("futures_cash", futures_cash)):
            if not amount.is_finite() or amount < ZERO:
                raise InvalidInput("must be a finite amount at least 0", where=where, field=name, value=amount)
        if futures_cash and account_market(code) is not Market.CRYPTO:
            raise InvalidInput("only a crypto account has a futures wallet", where=where, field="futures_cash",
                               value=futures_cash)
        for symbol, quantity in positions.items():
            if futures.is_futures(symbol):
                raise InvalidInput("futures positions are opened by trading", where=where, field="positions",
                                   value=symbol)
            instrument = self.instrument(symbol, where=where)
            if instrument.currency != code:
                raise InvalidInput(f"trades in {instrument.currency}, the account in {code}", where=where,
                                   field="positions", value=symbol)
            if not quantity.is_finite() or quantity < ZERO:
                raise InvalidInput("quantity must be at least 0", where=where, field="positions", value=symbol)
        held = {symbol: quantity for symbol, quantity in positions.items() if quantity > ZERO}
        return AccountState(account_id=account_id, currency=code, cash=cash,
                            costs=costs or self.config.costs_for(account_id), positions=held,
                            futures_wallet=futures_cash)

    def account_date(self, state: AccountState, now: dt.datetime) -> dt.date:
        """Return the account's market date: the venue date of its currency's home market."""
        return market_date(account_market(state.currency), now)

    def reserved_cash(self, state: AccountState) -> Decimal:
        """Return the cash held back by open buy orders (remaining value at the reserve price plus costs)."""
        total = ZERO
        for order in state.orders.values():
            if order.side is Side.BUY and order.status.is_open and not futures.is_futures(order.symbol):
                value = order.remaining * order.reserve_price
                unpaid = commission(order.quantity * order.reserve_price, state.costs, state.currency)
                total += value + max(ZERO, unpaid - order.commission)
        return total

    def orderable_cash(self, state: AccountState) -> Decimal:
        """Return the cash a new buy may spend now (a crypto account's spot wallet)."""
        return state.cash - self.reserved_cash(state)

    def orderable_cash_for(self, state: AccountState, symbol: str) -> Decimal:
        """Return what a new buy of `symbol` may spend: the futures available balance for a perpetual."""
        return futures.available(state) if futures.is_futures(symbol) else self.orderable_cash(state)

    def orderable_quantity(self, state: AccountState, symbol: str) -> Decimal:
        """Return the quantity of a symbol a new sell may offer now."""
        reserved = sum((order.remaining for order in state.orders.values()
                        if order.symbol == symbol and order.side is Side.SELL and order.status.is_open), ZERO)
        return state.positions.get(symbol, ZERO) - reserved

    def submit(self, state: AccountState, request: OrderRequest, now: dt.datetime) -> OrderRecord:
        """Record an order as accepted or rejected; an id seen before returns that order (or a reuse reject)."""
        self.settle(state, now)
        existing = state.orders.get(request.client_order_id)
        if existing is not None:
            state.repeated_submissions.append(request.client_order_id)  # idempotent, but worth knowing
            return existing if _same_request(existing, request) else _reuse_rejection(existing, request, now)
        instrument = self.prices.instrument(request.symbol)
        reserve_price = ZERO if instrument is None else self._reserve_price(request, now)
        rejection = self._check(state, request, instrument, reserve_price, now)
        status = OrderStatus.ACCEPTED if rejection is None else OrderStatus.REJECTED
        event = state.next_event()
        order = OrderRecord(
            client_order_id=request.client_order_id, broker_order_id=f"PAPER-{state.account_id}-{event:06d}",
            symbol=request.symbol, side=request.side, quantity=request.quantity, order_type=request.order_type,
            limit_price=request.limit_price, status=status, submitted_at=now, reserve_price=reserve_price,
            reject_code="" if rejection is None else rejection.code.value,
            reject_message="" if rejection is None else rejection.message,
            closed_at=None if rejection is None else now,
        )
        state.orders[order.client_order_id] = order
        return order

    def cancel(self, state: AccountState, client_order_id: str, now: dt.datetime) -> OrderRecord | None:
        """Cancel an order's open remainder (its reservation goes with it); a closed order stays as it is."""
        self.settle(state, now)
        order = state.orders.get(client_order_id)
        if order is None or not order.status.is_open:
            return order
        order.status = transition(order.status, OrderEvent.CANCEL)
        order.closed_at = now
        state.next_event()
        return order

    def settle(self, state: AccountState, now: dt.datetime) -> None:
        """Apply every fill owed up to `now` in time order, and make settled sale proceeds orderable."""
        owed: list[tuple[dt.datetime, int, DueFill]] = []
        for position, order in enumerate(state.orders.values()):
            if order.status.is_open:
                instrument = self.instrument(order.symbol, where=f"paper account {state.account_id}")
                fills = collect_due_fills(state.account_id, order, instrument, now, self.config, self.prices)
                owed.extend((due.at, position, due) for due in fills)
        for _, _, due in sorted(owed, key=lambda item: (item[0], item[1])):
            self._apply_fill(state, due)
        self._release_pending(state, now)

    def base_price(self, symbol: str, now: dt.datetime) -> Decimal:
        """Return the base price (previous close) of a symbol on the day of an instant."""
        return self.prices.base_price(symbol, self.config.price_step(now))

    def _reserve_price(self, request: OrderRequest, now: dt.datetime) -> Decimal:
        if request.order_type is OrderType.LIMIT and request.limit_price is not None:
            return request.limit_price
        return self.prices.price_limits(request.symbol, self.config.price_step(now)).upper

    def _check(
        self, state: AccountState, request: OrderRequest, instrument: Instrument | None, reserve_price: Decimal,
        now: dt.datetime,
    ) -> Rejection | None:
        if instrument is None:
            return Rejection(RejectCode.UNKNOWN_SYMBOL, f"no paper prices for {request.symbol}")
        if instrument.currency != state.currency:
            return Rejection(RejectCode.CURRENCY_MISMATCH,
                             f"{request.symbol} trades in {instrument.currency}, the account in {state.currency}")
        rejection = check_shape(request, instrument, self.base_price(request.symbol, now))
        if rejection is None and self.config.check_calendar:
            rejection = check_market_open(instrument, now)
        if rejection is None:
            required = buy_requirement(request.quantity, reserve_price, state.costs, state.currency)
            rejection = check_funds(request, required, self.orderable_cash_for(state, request.symbol),
                                    self.orderable_quantity(state, request.symbol))
        if rejection is None and self._draws_reject(state, request):
            rejection = Rejection(RejectCode.SIMULATED_REJECT, "rejected by the paper exchange's fault injection")
        return rejection

    def _draws_reject(self, state: AccountState, request: OrderRequest) -> bool:
        rate = self.config.reject_rate
        return rate > ZERO and uniform(self.config.seed, "reject", state.account_id, request.client_order_id) < rate

    def _apply_fill(self, state: AccountState, due: DueFill) -> None:
        order = state.orders[due.client_order_id]
        instrument = self.instrument(order.symbol, where=f"paper account {state.account_id}")
        value = due.quantity * due.price
        filled_value = order.filled_value + value
        fill_commission = commission(filled_value, state.costs, state.currency) - order.commission
        fill_tax = ZERO
        if order.side is Side.SELL:
            rate = sell_tax_rate(instrument, market_date(instrument.market, due.at))
            fill_tax = sell_tax(filled_value, rate, state.currency) - order.tax
        order.filled_quantity += due.quantity
        order.filled_value = filled_value
        order.commission += fill_commission
        order.tax += fill_tax
        order.fill_count += 1
        order.status = transition(order.status, OrderEvent.FILL)
        if order.filled_quantity == order.quantity:
            order.status, order.closed_at = OrderStatus.FILLED, due.at
        self._move_money(state, order, instrument, due, fill_commission + fill_tax)
        state.fills.append(FillRecord(Fill(
            fill_id=f"{order.client_order_id}-{order.fill_count}", client_order_id=order.client_order_id,
            symbol=order.symbol, side=order.side, quantity=due.quantity, price=due.price,
            commission=fill_commission, tax=fill_tax, filled_at=due.at,
        ), event=state.next_event()))

    def _move_money(
        self, state: AccountState, order: OrderRecord, instrument: Instrument, due: DueFill, costs: Decimal,
    ) -> None:
        """Move cash and units for a fill; `costs` is this fill's commission plus tax."""
        if futures.is_futures(order.symbol):
            futures.apply_fill(state, order, due.quantity, due.price, costs)
            return
        held = state.positions.get(order.symbol, ZERO)
        value = due.quantity * due.price
        if order.side is Side.BUY:
            state.cash -= value + costs
            state.positions[order.symbol] = held + due.quantity
            return
        net = value - costs
        left = held - due.quantity
        if left > ZERO:
            state.positions[order.symbol] = left
        else:
            state.positions.pop(order.symbol, None)
        if self.config.proceeds_available_immediately:
            state.cash += net
            return
        trade_date = market_date(instrument.market, due.at)
        available_on = add_sessions(instrument.market, trade_date, self.config.settlement_sessions)
        state.pending_cash.append(PendingCash(net, available_on))

    def _release_pending(self, state: AccountState, now: dt.datetime) -> None:
        if not state.pending_cash:
            return
        today = self.account_date(state, now)
        due = [pending for pending in state.pending_cash if pending.available_on <= today]
        state.pending_cash = [pending for pending in state.pending_cash if pending.available_on > today]
        state.cash += sum((pending.amount for pending in due), ZERO)


def account_market(currency: str) -> Market:
    """Return the market whose dates an account of this currency lives by (crypto: UTC days)."""
    return DEFAULT_MARKET_BY_CURRENCY.get(currency, Market.CRYPTO)


def _same_request(order: OrderRecord, request: OrderRequest) -> bool:
    return (order.symbol, order.side, order.quantity, order.order_type, order.limit_price) == (
        request.symbol, request.side, request.quantity, request.order_type, request.limit_price)


def _reuse_rejection(existing: OrderRecord, request: OrderRequest, now: dt.datetime) -> OrderRecord:
    """Build (without recording) the rejection of a different order sent under an id already used."""
    return OrderRecord(
        client_order_id=request.client_order_id, broker_order_id="", symbol=request.symbol, side=request.side,
        quantity=request.quantity, order_type=request.order_type, limit_price=request.limit_price,
        status=OrderStatus.REJECTED, submitted_at=now, closed_at=now,
        reject_code=RejectCode.CLIENT_ORDER_ID_REUSED.value,
        reject_message=f"client order id {request.client_order_id} already names order {existing.broker_order_id} "
                       f"({existing.side} {existing.quantity} {existing.symbol}); use a new id",
    )

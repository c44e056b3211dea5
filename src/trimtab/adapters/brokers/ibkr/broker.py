"""IbkrBroker: trimtab's BrokerPort on ib_async, for many IBKR accounts behind one TWS or IB Gateway login.

Every order carries trimtab's client order id as its `orderRef`, so IBKR itself remembers which intent an order
serves: before sending, the broker looks for the reference among the orders of this session and, once per
connection, among IBKR's open orders, completed orders and executions (reconciliation after a reconnect or a
resume). A client order id IBKR already has is never sent again. Fills come from executions and their
commission reports. Whole shares only: IBKR refuses fractional equity orders over the socket API (10243), so
a fractional quantity is refused here before anything is sent. Numbers leave ib_async as floats and enter
trimtab as the Decimal of their text (convert.py); prices and quantities are sent only when their float reads
back exactly.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from ib_async import IB, ExecutionFilter, LimitOrder, MarketOrder, Order, Trade

from trimtab.adapters.brokers.ibkr import convert
from trimtab.adapters.brokers.ibkr.instruments import InstrumentBook
from trimtab.adapters.brokers.ibkr.preview import preview_orders
from trimtab.adapters.brokers.ibkr.securities import exchange_rates
from trimtab.adapters.clock import SystemClock
from trimtab.application.order_preview import OrderPreview
from trimtab.application.ports import Clock
from trimtab.domain.errors import BrokerUnavailable, InvalidInput, OrderRejected
from trimtab.domain.execution import Fill, OrderReport, OrderRequest, OrderStatus
from trimtab.domain.fx import FxRate
from trimtab.domain.orders import OrderIntent, OrderType, Side
from trimtab.domain.snapshot import AccountSnapshot, CostSettings, Holding, Quote

logger = logging.getLogger(__name__)
NEW_YORK = ZoneInfo("America/New_York")
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class IbkrBrokerConfig:
    """One IBKR account as a trimtab account."""

    account_id: str  # trimtab's id of the account
    ib_account: str  # IBKR's account code (DU… for paper)
    currency: str = "USD"  # the currency trimtab plans in: its cash balance and its instruments
    costs: CostSettings = field(default_factory=lambda: CostSettings(Decimal("0.0005"), Decimal(1)))
    market_order_type: str = "MKT"  # or MOC: how a market OrderRequest is sent
    ack_timeout_seconds: float = 5.0  # how long submit and cancel wait for IBKR's answer


class IbkrBroker:
    """BrokerPort over one IBKR account of a connected IB; DU… (paper) accounts are not live."""

    def __init__(self, ib: IB, config: IbkrBrokerConfig, clock: Clock | None = None) -> None:
        self.ib = ib
        self.config = config
        self._clock: Clock = clock or SystemClock()
        self._instruments = InstrumentBook(ib, config.currency)
        self._reconciled = False
        self._local: dict[str, OrderReport] = {}  # refused here, never sent

    def __repr__(self) -> str:
        return f"IbkrBroker(account_id={self.config.account_id!r}, ib_account={self.config.ib_account!r})"

    @property
    def is_live(self) -> bool:
        return not convert.is_paper(self.config.ib_account)

    def _check(self, account_id: str) -> None:
        if account_id != self.config.account_id:
            raise InvalidInput(f"this IBKR broker serves {self.config.account_id}", field="account_id",
                               value=account_id)
        if not self.ib.isConnected():
            raise BrokerUnavailable("the connection to TWS / IB Gateway is closed")

    async def _sync(self) -> None:
        """One round trip: whatever IBKR sent before has been handled."""
        try:
            await asyncio.wait_for(self.ib.reqCurrentTimeAsync(), self.config.ack_timeout_seconds)
        except (TimeoutError, ConnectionError) as problem:
            raise BrokerUnavailable(f"IBKR did not answer: {type(problem).__name__}") from problem

    # -- snapshot ---------------------------------------------------------------------------------------------

    async def get_snapshot(self, account_id: str, symbols: Sequence[str]) -> AccountSnapshot:
        """Positions, the cash balance in the account's currency less open buys, and snapshot quotes."""
        self._check(account_id)
        account = self.config.ib_account
        positions = [p for p in await self.ib.reqPositionsAsync() if p.account == account and p.position]
        await self.ib.reqAccountSummaryAsync()
        held = {p.contract.symbol: convert.to_decimal(p.position) or ZERO for p in positions}
        wanted = list(dict.fromkeys([*held, *symbols]))
        quotes = await self._instruments.quotes(wanted)
        trades = [t for t in self._trades() if convert.status_of(t, ZERO).is_open]
        reserved = sum((self._rest(t) * self._reserve_price(t, quotes) for t in trades if t.order.action == "BUY"),
                       ZERO)
        selling: dict[str, Decimal] = {}
        for trade in trades:
            if trade.order.action == "SELL":
                selling[trade.contract.symbol] = selling.get(trade.contract.symbol, ZERO) + self._rest(trade)
        holdings = tuple(Holding(quotes[symbol], quantity, max(quantity - selling.get(symbol, ZERO), ZERO))
                         for symbol, quantity in held.items())
        return AccountSnapshot(account_id=account_id, currency=self.config.currency,
                               cash=self._cash() - reserved, holdings=holdings, quotes=quotes,
                               as_of=self._clock.now().astimezone(NEW_YORK).date(), costs=self.config.costs)

    async def get_cash_balances(self, account_id: str) -> dict[str, Decimal]:
        """The account's CashBalance in every currency it holds (the snapshot's cash is only its own currency)."""
        self._check(account_id)
        await self.ib.reqAccountSummaryAsync()
        balances: dict[str, Decimal] = {}
        for (code, tag, currency), row in self.ib.wrapper.acctSummary.items():
            if code == self.config.ib_account and tag == "CashBalance" and currency and currency != "BASE":
                balances[currency] = convert.to_decimal(row.value) or ZERO
        return balances

    def _cash(self) -> Decimal:
        values = self.ib.wrapper.acctSummary
        row = values.get((self.config.ib_account, "CashBalance", self.config.currency))
        if row is None:
            return ZERO
        return convert.to_decimal(row.value) or ZERO

    @staticmethod
    def _reserve_price(trade: Trade, quotes: dict[str, Quote]) -> Decimal:
        """What one share of an open buy holds back: its limit, else the current price."""
        limit = convert.to_decimal(trade.order.lmtPrice) if trade.order.orderType in {"LMT", "LOC"} else None
        if limit is not None:
            return limit
        quote = quotes.get(trade.contract.symbol)
        return quote.price if quote is not None else ZERO

    def _rest(self, trade: Trade) -> Decimal:
        filled = sum((f.quantity for f in self._fills_of(trade.order.orderRef)), ZERO)
        return max((convert.to_decimal(trade.order.totalQuantity) or ZERO) - filled, ZERO)

    # -- orders -----------------------------------------------------------------------------------------------

    def _trades(self) -> list[Trade]:
        """This account's trimtab orders (those with an orderRef), newest last."""
        found = [t for t in self.ib.trades() if t.order.orderRef and t.order.account == self.config.ib_account]
        return sorted(found, key=lambda t: t.order.permId or 0)

    async def _find(self, client_order_id: str) -> Trade | None:
        trade = self._trade(client_order_id)
        if trade is None and not self._reconciled:
            await self._reconcile()
            trade = self._trade(client_order_id)
        return trade

    def _trade(self, client_order_id: str) -> Trade | None:
        matches = [t for t in self._trades() if t.order.orderRef == client_order_id]
        live = [t for t in matches if t.order.orderId]
        chosen = live or matches
        return chosen[-1] if chosen else None

    async def _reconcile(self) -> None:
        """IBKR's open and completed orders and today's executions of the account, once per connection."""
        timeout = self.config.ack_timeout_seconds * 2
        try:
            await asyncio.wait_for(self.ib.reqAllOpenOrdersAsync(), timeout)
            await asyncio.wait_for(self.ib.reqCompletedOrdersAsync(apiOnly=True), timeout)
            await asyncio.wait_for(self.ib.reqExecutionsAsync(ExecutionFilter(acctCode=self.config.ib_account)),
                                   timeout)
        except TimeoutError as problem:
            raise BrokerUnavailable("IBKR did not list its orders in time") from problem
        self._reconciled = True

    def _fills_of(self, client_order_id: str) -> list[Fill]:
        fills = [fill for fill in self.ib.fills() if fill.execution.orderRef == client_order_id
                 and fill.execution.acctNumber == self.config.ib_account]
        unique = {fill.execution.execId: fill for fill in fills}
        return [convert.fill_of(fill, client_order_id) for fill in unique.values()]

    def _report(self, trade: Trade, client_order_id: str) -> OrderReport:
        return convert.report_of(trade, client_order_id, self._fills_of(client_order_id))

    async def submit(self, request: OrderRequest) -> OrderReport:
        """Send an order once; a client order id IBKR already has returns that order."""
        self._check(request.account_id)
        if request.client_order_id in self._local:
            return self._local[request.client_order_id]
        known = await self._find(request.client_order_id)
        if known is not None:
            await self._sync()
            return self._report(known, request.client_order_id)
        refusal = self._refusal(request)
        if refusal:
            report = OrderReport(request.client_order_id, "", request.symbol, request.side, request.quantity,
                                 request.limit_price, OrderStatus.REJECTED, reject_code=refusal[0],
                                 reject_message=refusal[1])
            self._local[request.client_order_id] = report
            return report
        contract = await self._instruments.contract(request.symbol)
        order = self._order(request)
        logger.info("IBKR order %s: %s %s x %s %s", request.client_order_id, order.action, request.symbol,
                    request.quantity, order.orderType)
        trade = self.ib.placeOrder(contract, order)
        await self._acknowledged(trade)
        return self._report(trade, request.client_order_id)

    def _refusal(self, request: OrderRequest) -> tuple[str, str] | None:
        if request.quantity != request.quantity.to_integral_value() or request.quantity <= 0:
            return "10243", "IBKR takes whole shares only over the API (no fractional equity orders)"
        if request.order_type is OrderType.LIMIT and request.limit_price is None:
            return "LIMIT", "a limit order needs a price"
        return None

    def _order(self, request: OrderRequest) -> Order:
        action = "BUY" if request.side is Side.BUY else "SELL"
        quantity = convert.to_wire(request.quantity, "quantity")
        account, ref = self.config.ib_account, request.client_order_id
        if request.order_type is OrderType.LIMIT:
            assert request.limit_price is not None  # noqa: S101 — checked in _refusal
            price = convert.to_wire(request.limit_price, "limit price")
            return LimitOrder(action, quantity, price, account=account, orderRef=ref, tif="DAY")
        if self.config.market_order_type == "MOC":
            return Order(action=action, totalQuantity=quantity, orderType="MOC", account=account, orderRef=ref,
                         tif="DAY")
        return MarketOrder(action, quantity, account=account, orderRef=ref, tif="DAY")

    async def _acknowledged(self, trade: Trade) -> None:
        """Wait until IBKR acknowledged (an order status or an error) or the timeout passed."""
        await self._sync()
        deadline = asyncio.get_running_loop().time() + self.config.ack_timeout_seconds
        while trade.orderStatus.status in {"PendingSubmit", "ApiPending"} and not trade.order.permId:
            if asyncio.get_running_loop().time() >= deadline:
                logger.warning("IBKR has not acknowledged %s yet", trade.order.orderRef)
                return
            await asyncio.sleep(0.05)

    async def cancel(self, account_id: str, client_order_id: str) -> OrderReport:
        """Cancel what remains; a closed order comes back as it is."""
        self._check(account_id)
        trade = await self._find(client_order_id)
        if trade is None:
            raise OrderRejected(f"IBKR never received {client_order_id}", code="UNKNOWN_ORDER")
        await self._sync()
        report = self._report(trade, client_order_id)
        if not report.status.is_open:
            return report
        if not trade.order.orderId:
            raise OrderRejected(f"{client_order_id} was placed by another session; cancel it in TWS",
                                code="NOT_OWNED")
        errors: list[int] = []

        def on_error(req_id: int, code: int, text: str, contract: object) -> None:
            if req_id == trade.order.orderId:
                errors.append(code)

        self.ib.errorEvent += on_error
        try:
            self.ib.cancelOrder(trade.order)
            await self._acknowledged(trade)
            deadline = asyncio.get_running_loop().time() + self.config.ack_timeout_seconds
            while not trade.isDone() and not {10147, 10148} & set(errors):
                if asyncio.get_running_loop().time() >= deadline:
                    break
                await asyncio.sleep(0.05)
        finally:
            self.ib.errorEvent -= on_error
        report = self._report(trade, client_order_id)
        if report.status.is_open and {10147, 10148} & set(errors):
            raise OrderRejected(f"IBKR refused to cancel {client_order_id}", code=str(max(errors)))
        return report

    async def get_order(self, account_id: str, client_order_id: str) -> OrderReport | None:
        self._check(account_id)
        if client_order_id in self._local:
            return self._local[client_order_id]
        await self._sync()
        trade = await self._find(client_order_id)
        return None if trade is None else self._report(trade, client_order_id)

    async def list_orders(self, account_id: str) -> list[OrderReport]:
        self._check(account_id)
        await self._sync()
        if not self._reconciled:
            await self._reconcile()
        refs = dict.fromkeys(t.order.orderRef for t in self._trades())
        reports = [self._report(trade, ref) for ref in refs if (trade := self._trade(ref)) is not None]
        return reports + list(self._local.values())

    async def get_fills(self, account_id: str, client_order_id: str) -> list[Fill]:
        self._check(account_id)
        await self._sync()
        return sorted(self._fills_of(client_order_id), key=lambda fill: (fill.filled_at, fill.fill_id))

    def now(self) -> dt.datetime:
        return self._clock.now()

    # -- what-if ------------------------------------------------------------------------------------------------

    async def preview_orders(self, account_id: str, orders: Sequence[OrderIntent]) -> list[OrderPreview]:
        """IBKR's what-if of each planned order: margin change, commission (min/max), warning; nothing placed."""
        self._check(account_id)
        return await preview_orders(self.ib, self._instruments, self.config.ib_account, orders,
                                    market_order_type=self.config.market_order_type,
                                    timeout_seconds=self.config.ack_timeout_seconds * 2)

    # -- FX -----------------------------------------------------------------------------------------------------

    async def get_fx_rates(self, base: str, currencies: Sequence[str]) -> list[FxRate]:
        """IBKR's rates between `base` and each currency: the account's ExchangeRate values, source "IBKR"."""
        self._check(self.config.account_id)
        try:
            await asyncio.wait_for(self.ib.reqAccountSummaryAsync(), self.config.ack_timeout_seconds * 2)
        except TimeoutError as problem:
            raise BrokerUnavailable("IBKR sent no account values in time") from problem
        return exchange_rates(self.ib, self.config.ib_account, base, currencies, self._clock.now())


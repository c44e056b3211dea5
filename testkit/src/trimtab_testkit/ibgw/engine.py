"""The gateway's order book: placing, checking, filling and cancelling orders, and the messages they cause."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal

from trimtab_testkit.ibgw import messages as msg
from trimtab_testkit.ibgw.ledger import Ledger, money
from trimtab_testkit.ibgw.messages import Message
from trimtab_testkit.ibgw.model import ZERO, FakeAccount, FakeExecution, FakeInstrument, FakeOrder, GatewayConfig
from trimtab_testkit.ibgw.placing import PlaceOrder
from trimtab_testkit.ibgw.wire import Field

Sink = Callable[[int, Message], None]  # (client id, message): the gateway routes it to that client if connected
ORDER_TYPES = frozenset({"LMT", "MKT", "MOC"})
FRACTIONAL = "Fractional-sized order cannot be placed via API. Please use desktop version to place this order."


class Rejected(Exception):
    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


class OrderEngine:
    """Every order of every client; `advance` fills what is due by the clock."""

    def __init__(self, config: GatewayConfig, sink: Sink) -> None:
        self.config = config
        self.sink = sink
        self.ledger = Ledger(config)
        self.orders: list[FakeOrder] = []
        self.next_order_id = config.first_order_id
        self._perm_ids = 1_000_000_000
        self._exec_count = 0

    # --- placing ----------------------------------------------------------------------------------------------

    def place(self, client_id: int, request: PlaceOrder, accounts: list[str]) -> None:
        """Accept, refuse (error 201, 110, 103, 200, 10243 …) or preview (whatIf) an order."""
        if any(o.order_id == request.order_id and o.client_id == client_id for o in self.orders):
            self.sink(client_id, msg.error(request.order_id, 103, "Duplicate order id"))
            return
        self.next_order_id = max(self.next_order_id, request.order_id + 1)
        try:
            order = self._order(client_id, request, accounts)
        except Rejected as refusal:
            self.sink(client_id, msg.error(request.order_id, refusal.code, refusal.text))
            return
        if request.what_if:
            self.sink(client_id, msg.open_order(order, what_if=True, state=self._what_if_state(order)))
            return
        try:
            self._check_funds(order)
        except Rejected as refusal:
            order.status, order.why, order.completed_at = "Inactive", refusal.text, order.placed_at
            self.orders.append(order)
            self.sink(client_id, msg.error(request.order_id, refusal.code, refusal.text))
            return
        self.orders.append(order)
        self.sink(client_id, msg.open_order(order))
        self.sink(client_id, msg.order_status(order))

    def _order(self, client_id: int, request: PlaceOrder, accounts: list[str]) -> FakeOrder:
        ref = request.contract
        item = self.config.instrument(ref.symbol, ref.con_id, ref.sec_id if ref.sec_id_type == "ISIN" else "")
        if item is None or ref.sec_type not in {"STK", ""}:
            raise Rejected(200, "No security definition has been found for the request")
        account = request.account or (accounts[0] if len(accounts) == 1 else "")
        if not account:
            raise Rejected(436, "You must specify an allocation (either a single account, group, or profile).")
        if account not in accounts:
            raise Rejected(201, f"Order rejected - reason:Invalid account code {account}")
        self._check_shape(request, item)
        now = self.config.clock()
        self._perm_ids += 1
        limit = request.limit if request.order_type == "LMT" else None
        order = FakeOrder(request.order_id, client_id, self._perm_ids, account, item, request.action,
                          request.quantity, request.order_type, limit, request.tif or "DAY", request.order_ref, now)
        order.next_fill_at = self.config.close_at if (request.order_type == "MOC" and self.config.close_at) else (
            now + self.config.fill_interval)
        return order

    def _check_shape(self, request: PlaceOrder, item: FakeInstrument) -> None:
        if request.action not in {"BUY", "SELL"}:
            raise Rejected(201, f"Order rejected - reason:Invalid action {request.action}")
        if request.order_type not in ORDER_TYPES:
            raise Rejected(201, f"Order rejected - reason:Order type {request.order_type} is not supported")
        if request.quantity <= 0:
            raise Rejected(201, "Order rejected - reason:The order size must be positive")
        if request.quantity != request.quantity.to_integral_value() and not self.config.allow_fractional:
            raise Rejected(10243, FRACTIONAL)
        if request.order_type == "LMT":
            if request.limit is None or request.limit <= 0:
                raise Rejected(201, "Order rejected - reason:A limit order needs a positive limit price")
            if request.limit % item.min_tick != 0:
                raise Rejected(110, "The price does not conform to the minimum price variation for this contract.")

    def _check_funds(self, order: FakeOrder) -> None:
        account = self._account(order.account)
        if order.action == "SELL":
            held = account.positions.get(order.instrument.symbol, ZERO)
            selling = sum((o.remaining for o in self._open(order.account, order.instrument.symbol, "SELL")), ZERO)
            if order.quantity > held - selling:
                raise Rejected(201, "Order rejected - reason:Short sale is not allowed in a cash account: "
                                    f"{held - selling} {order.instrument.symbol} available to sell")
            return
        cost = self.config.convert(order.quantity * order.reserve_price(), order.instrument.currency,
                                   account.base_currency)
        available = Decimal(self.ledger.base_values(account, self.orders)["AvailableFunds"])
        if cost > available:
            raise Rejected(201, "Order rejected - reason:YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED "
                                f"POSITION YOUR AVAILABLE FUNDS [{available} {account.base_currency}] MUST EXCEED "
                                f"THE ORDER VALUE [{money(cost)} {account.base_currency}]")

    def _what_if_state(self, order: FakeOrder) -> list[Field]:
        """What the order would do to the account's margin and equity (in its base currency), and its commission.

        The margin requirement changes by the order's value x `initial_margin_rate` (maintenance: x
        `maintenance_margin_rate`), up for a buy, down for a sale; the equity with loan value loses the
        commission. A buy worth more than the available funds comes with IBKR's warning text.
        """
        account = self._account(order.account)
        values = self.ledger.base_values(account, self.orders)
        base, currency = account.base_currency, order.instrument.currency
        value = self.config.convert(order.quantity * order.reserve_price(), currency, base)
        commission = self._commission(order.quantity)
        fee = money(self.config.convert(commission, currency, base))
        sign = 1 if order.action == "BUY" else -1
        initial = money(sign * value * self.config.initial_margin_rate)
        maintenance = money(sign * value * self.config.maintenance_margin_rate)
        before = {tag: Decimal(values[tag]) for tag in ("InitMarginReq", "MaintMarginReq", "EquityWithLoanValue")}
        available = Decimal(values["AvailableFunds"])
        warning = ""
        if order.action == "BUY" and value > available:
            warning = (f"YOUR ORDER WILL EXCEED YOUR AVAILABLE FUNDS [{available} {base}]: ORDER VALUE "
                       f"[{money(value)} {base}]")
        numbers = [before["InitMarginReq"], before["MaintMarginReq"], before["EquityWithLoanValue"], initial,
                   maintenance, -fee, max(before["InitMarginReq"] + initial, ZERO),
                   max(before["MaintMarginReq"] + maintenance, ZERO),
                   before["EquityWithLoanValue"] - fee]
        return ["PreSubmitted", *[format(number, "f") for number in numbers], commission, commission, commission,
                currency, warning]

    # --- cancelling -------------------------------------------------------------------------------------------

    def cancel(self, client_id: int, order_id: int) -> None:
        """Cancel an open order of this client (202), or refuse: 10147 unknown, 10148 no longer cancellable."""
        order = next((o for o in self.orders if o.order_id == order_id and o.client_id == client_id), None)
        if order is None:
            self.sink(client_id, msg.error(order_id, 10147, f"OrderId {order_id} that needs to be cancelled is not "
                                                            "found."))
            return
        if not order.is_open:
            self.sink(client_id, msg.error(order_id, 10148, f"OrderId {order_id} that needs to be cancelled cannot "
                                                            f"be cancelled, state: {order.status}."))
            return
        order.status, order.completed_at, order.why = "Cancelled", self.config.clock(), "Cancelled by the client"
        self.sink(client_id, msg.order_status(order))
        self.sink(client_id, msg.error(order_id, 202, "Order Canceled - reason:"))

    def cancel_all(self) -> None:
        for order in list(self.orders):
            if order.is_open:
                self.cancel(order.client_id, order.order_id)

    # --- filling ----------------------------------------------------------------------------------------------

    def advance(self) -> None:
        """Fill every step that is due by now, in time order."""
        now = self.config.clock()
        while True:
            due = [o for o in self.orders if o.is_open and o.next_fill_at <= now]
            if not due:
                return
            order = min(due, key=lambda o: (o.next_fill_at, o.perm_id))
            self._step(order)

    def _step(self, order: FakeOrder) -> None:
        at = order.next_fill_at
        order.next_fill_at = at + self.config.fill_interval
        item = order.instrument
        if order.order_type == "LMT":
            assert order.limit is not None  # noqa: S101 — a LMT order always has its limit
            marketable = order.limit >= item.price if order.action == "BUY" else order.limit <= item.price
            if not marketable:
                order.next_fill_at = math.inf  # rests until a price change (tests set prices, then call reprice)
                return
        if order.order_type == "MOC":
            shares = order.remaining
        else:
            step = (order.quantity * self.config.fill_fraction).to_integral_value(rounding="ROUND_CEILING")
            shares = min(order.remaining, max(step, Decimal(1)))
        self._fill(order, shares, item.price, at)

    def reprice(self) -> None:
        """After a price change: every resting order is looked at again on the next advance."""
        now = self.config.clock()
        for order in self.orders:
            if order.is_open and order.next_fill_at == math.inf:
                order.next_fill_at = now

    def _fill(self, order: FakeOrder, shares: Decimal, price: Decimal, at: float) -> None:
        account = self._account(order.account)
        commission = self._commission(shares)
        currency = order.instrument.currency
        value = shares * price
        symbol = order.instrument.symbol
        held = account.positions.get(symbol, ZERO)
        if order.action == "BUY":
            account.cash[currency] = account.cash.get(currency, ZERO) - value - commission
            cost = account.average_costs.get(symbol, ZERO) * held + value + commission
            account.positions[symbol] = held + shares
            account.average_costs[symbol] = cost / (held + shares)
        else:
            account.cash[currency] = account.cash.get(currency, ZERO) + value - commission
            account.positions[symbol] = held - shares
        order.filled += shares
        order.value += value
        if order.filled == order.quantity:
            order.status, order.completed_at = "Filled", at
        self._exec_count += 1
        execution = FakeExecution(f"{order.perm_id:08x}.{self._exec_count:08x}.01.01", order, shares, price, at,
                                  order.filled, order.average.quantize(Decimal("0.0001"), ROUND_HALF_EVEN),
                                  commission)
        order.executions.append(execution)
        self.sink(order.client_id, msg.execution(-1, execution))
        self.sink(order.client_id, msg.order_status(order))
        self.sink(order.client_id, msg.commission_report(execution))

    def _commission(self, shares: Decimal) -> Decimal:
        return money(max(shares * self.config.commission_per_share, self.config.commission_minimum))

    # --- reading ----------------------------------------------------------------------------------------------

    def _account(self, account_id: str) -> FakeAccount:
        account = self.config.account(account_id)
        if account is None:
            raise Rejected(201, f"Order rejected - reason:Invalid account code {account_id}")
        return account

    def _open(self, account: str, symbol: str, action: str) -> list[FakeOrder]:
        return [o for o in self.orders if o.is_open and o.account == account and o.instrument.symbol == symbol
                and o.action == action]

    def open_orders(self, client_id: int | None) -> list[FakeOrder]:
        """Open orders of one client (None: of every client)."""
        return [o for o in self.orders if o.is_open and (client_id is None or o.client_id == client_id)]

    def completed_orders(self) -> list[FakeOrder]:
        return [o for o in self.orders if not o.is_open]

    def executions(self, client_id: int, account: str, since: str) -> list[FakeExecution]:
        """Executions matching a reqExecutions filter (client id 0: any; `since` 'YYYYMMDD HH:MM:SS' UTC)."""
        found = [e for o in self.orders for e in o.executions
                 if (not client_id or o.client_id == client_id) and (not account or o.account == account)]
        if since:
            found = [e for e in found if msg.ib_time(e.at)[:17] >= since[:17]]
        return sorted(found, key=lambda e: (e.at, e.exec_id))

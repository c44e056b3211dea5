"""A scripted in-memory broker for run tests: each symbol fills, half-fills, rejects or never fills, and each
symbol's cancels can race with fills the way real brokers' do (`cancels`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from trimtab.domain.costs import commission, sell_tax, sell_tax_rate
from trimtab.domain.errors import BrokerUnavailable, OrderRejected
from trimtab.domain.execution import Fill, OrderReport, OrderRequest, OrderStatus
from trimtab.domain.instruments import Instrument
from trimtab.domain.numbers import ZERO
from trimtab.domain.orders import Side
from trimtab.domain.snapshot import AccountSnapshot, CostSettings, Holding, Quote

AS_OF = dt.date(2026, 11, 20)


CANCEL_RACES = ("fill_first", "partial_first", "pending", "refuse_once", "unavailable_once", "late_fill")


@dataclass
class ScriptedBroker:
    """Behaviour per symbol: "fill" (default), "half" (half fills, then nothing), "reject", "never".

    Cancel races per symbol (`cancels`): "fill_first" (the rest fills between the last poll and the cancel,
    which is refused: nothing left), "partial_first" (half the rest fills, then the cancel goes through),
    "pending" (the cancel is taken but confirmed only at the next look), "refuse_once" (refused while the
    order is open, accepted the next time), "unavailable_once" (the first cancel request is lost), "late_fill"
    (a fill made just before the cancel is reported only after the cancel was confirmed).
    """

    cash: Decimal
    positions: dict[str, Decimal]
    instruments: dict[str, Instrument]
    prices: dict[str, Decimal]
    behaviour: dict[str, str] = field(default_factory=dict)
    drop_next_submit: int = 0
    live: bool = False
    costs: CostSettings = field(default_factory=CostSettings)
    orders: dict[str, OrderReport] = field(default_factory=dict)
    fills: dict[str, list[Fill]] = field(default_factory=dict)
    submitted: list[str] = field(default_factory=list)
    cancels: dict[str, str] = field(default_factory=dict)
    cancel_requests: list[str] = field(default_factory=list)
    hidden_fills: dict[str, list[Fill]] = field(default_factory=dict)
    pending_cancels: set[str] = field(default_factory=set)
    looks_after_close: dict[str, int] = field(default_factory=dict)
    fill_requests: list[str] = field(default_factory=list)
    looks: list[str] = field(default_factory=list)

    @property
    def is_live(self) -> bool:
        return self.live

    async def get_snapshot(self, account_id: str, symbols: Sequence[str]) -> AccountSnapshot:
        quotes = {s: Quote(self.instruments[s], self.prices[s]) for s in {*self.positions, *symbols}}
        holdings = tuple(Holding(quotes[s], q, q) for s, q in sorted(self.positions.items()) if q > 0)
        return AccountSnapshot(account_id, "KRW", self.cash, holdings, quotes, AS_OF, costs=self.costs)

    async def submit(self, request: OrderRequest) -> OrderReport:
        self.submitted.append(request.client_order_id)
        if request.client_order_id in self.orders:
            return self.orders[request.client_order_id]
        report = self._accept(request)
        self.orders[request.client_order_id] = report
        if self.drop_next_submit:
            self.drop_next_submit -= 1
            raise BrokerUnavailable("response lost")
        return report

    def _accept(self, request: OrderRequest) -> OrderReport:
        base = OrderReport(request.client_order_id, f"B{len(self.orders) + 1}", request.symbol, request.side,
                           request.quantity, request.limit_price, OrderStatus.ACCEPTED)
        if self.behaviour.get(request.symbol) == "reject":
            return replace(base, status=OrderStatus.REJECTED, reject_code="R1", reject_message="scripted")
        return base

    async def get_order(self, account_id: str, client_order_id: str) -> OrderReport | None:
        self.looks.append(client_order_id)
        report = self.orders.get(client_order_id)
        if report is not None and client_order_id in self.pending_cancels:
            self.pending_cancels.discard(client_order_id)  # the cancel taken earlier is confirmed now
            self.orders[client_order_id] = replace(report, status=OrderStatus.CANCELLED)
            return self.orders[client_order_id]
        if report is None or not report.status.is_open:
            return report
        behaviour = self.behaviour.get(report.symbol, "fill")
        if behaviour == "never" or (behaviour == "half" and report.filled_quantity > 0):
            return report
        quantity = report.quantity - report.filled_quantity
        if behaviour == "half":
            quantity = (report.quantity / 2).to_integral_value() or report.quantity
        self._fill(report, quantity)
        return self.orders[client_order_id]

    def _fill(self, report: OrderReport, quantity: Decimal, *, hidden: bool = False) -> None:
        price = report.limit_price or self.prices[report.symbol]
        value = quantity * price
        fee = commission(value, self.costs, "KRW")
        tax = ZERO
        if report.side is Side.SELL:
            tax = sell_tax(value, sell_tax_rate(self.instruments[report.symbol], AS_OF), "KRW")
            self.cash += value - fee - tax
            self.positions[report.symbol] -= quantity
        else:
            self.cash -= value + fee
            self.positions[report.symbol] = self.positions.get(report.symbol, ZERO) + quantity
        fills = self.fills.setdefault(report.client_order_id, [])
        hidden_fills = self.hidden_fills.setdefault(report.client_order_id, [])
        fill = Fill(f"{report.client_order_id}/{len(fills) + len(hidden_fills)}", report.client_order_id,
                    report.symbol, report.side, quantity, price, fee, tax, dt.datetime(2026, 11, 20, 1, tzinfo=dt.UTC))
        (hidden_fills if hidden else fills).append(fill)
        filled = report.filled_quantity + quantity
        status = OrderStatus.FILLED if filled == report.quantity else OrderStatus.PARTIALLY_FILLED
        self.orders[report.client_order_id] = replace(report, filled_quantity=filled, status=status,
                                                      average_price=price)

    async def cancel(self, account_id: str, client_order_id: str) -> OrderReport:
        self.cancel_requests.append(client_order_id)
        report = self.orders[client_order_id]
        race = self.cancels.get(report.symbol, "")
        rest = report.quantity - report.filled_quantity
        if report.status.is_open and race == "fill_first":
            self._fill(report, rest)
            raise OrderRejected("nothing left to cancel", code="NOTHING_LEFT")
        if report.status.is_open and race == "refuse_once":
            self.cancels[report.symbol] = ""
            raise OrderRejected("cancel refused, try again", code="TRY_AGAIN")
        if report.status.is_open and race == "unavailable_once":
            self.cancels[report.symbol] = ""
            raise BrokerUnavailable("cancel request lost")
        if report.status.is_open and race == "partial_first":
            self._fill(report, (rest / 2).to_integral_value() or rest)
        if report.status.is_open and race == "late_fill":
            self._fill(report, (rest / 2).to_integral_value() or rest, hidden=True)
        report = self.orders[client_order_id]
        if report.status.is_open and race == "pending":
            self.pending_cancels.add(client_order_id)
            return report
        if report.status.is_open:
            report = replace(report, status=OrderStatus.CANCELLED)
            self.orders[client_order_id] = report
        return report

    async def list_orders(self, account_id: str) -> list[OrderReport]:
        return list(self.orders.values())

    async def get_fills(self, account_id: str, client_order_id: str) -> list[Fill]:
        self.fill_requests.append(client_order_id)
        report = self.orders.get(client_order_id)
        if report is not None and not report.status.is_open and self.hidden_fills.get(client_order_id):
            looks = self.looks_after_close[client_order_id] = self.looks_after_close.get(client_order_id, 0) + 1
            if looks > 1:  # not in the answer to the cancel, only in a later look: a late fill
                self.fills.setdefault(client_order_id, []).extend(self.hidden_fills.pop(client_order_id))
        return list(self.fills.get(client_order_id, []))

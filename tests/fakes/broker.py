"""A scripted in-memory broker for run tests: each symbol fills, half-fills, rejects or never fills."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from trimtab.domain.costs import commission, sell_tax, sell_tax_rate
from trimtab.domain.errors import BrokerUnavailable
from trimtab.domain.execution import Fill, OrderReport, OrderRequest, OrderStatus
from trimtab.domain.instruments import Instrument
from trimtab.domain.numbers import ZERO
from trimtab.domain.orders import Side
from trimtab.domain.snapshot import AccountSnapshot, CostSettings, Holding, Quote

AS_OF = dt.date(2026, 11, 20)


@dataclass
class ScriptedBroker:
    """Behaviour per symbol: "fill" (default), "half" (half fills, then nothing), "reject", "never"."""

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
        report = self.orders.get(client_order_id)
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

    def _fill(self, report: OrderReport, quantity: Decimal) -> None:
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
        fills.append(Fill(f"{report.client_order_id}/{len(fills)}", report.client_order_id, report.symbol,
                          report.side, quantity, price, fee, tax, dt.datetime(2026, 11, 20, 1, tzinfo=dt.UTC)))
        filled = report.filled_quantity + quantity
        status = OrderStatus.FILLED if filled == report.quantity else OrderStatus.PARTIALLY_FILLED
        self.orders[report.client_order_id] = replace(report, filled_quantity=filled, status=status,
                                                      average_price=price)

    async def cancel(self, account_id: str, client_order_id: str) -> OrderReport:
        report = self.orders[client_order_id]
        if report.status.is_open:
            report = replace(report, status=OrderStatus.CANCELLED)
            self.orders[client_order_id] = report
        return report

    async def list_orders(self, account_id: str) -> list[OrderReport]:
        return list(self.orders.values())

    async def get_fills(self, account_id: str, client_order_id: str) -> list[Fill]:
        return list(self.fills.get(client_order_id, []))

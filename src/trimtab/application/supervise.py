"""Send a leg of orders and supervise it: reconcile, wait for fills, re-price the rest, cancel what is left.

Every order is recorded as INTENDED (and the run saved) before it is sent, with a deterministic client
order id: run id, leg, symbol and attempt. A resumed run first asks the broker about each recorded order,
so an order sent just before a crash is adopted, never sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

from trimtab.application.ports import BrokerPort, Clock, RunRecord, RunRepository
from trimtab.domain.errors import BrokerUnavailable
from trimtab.domain.execution import OrderEvent, OrderReport, OrderRequest, OrderStatus, TrackedOrder
from trimtab.domain.numbers import ZERO
from trimtab.domain.orders import OrderIntent, OrderType, Side
from trimtab.domain.ticks import limit_price

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Guard = Callable[[], None]
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ExecutionPolicy:
    """How long to wait for fills, and how to chase what does not fill."""

    fill_timeout_seconds: float = 60.0
    poll_interval_seconds: float = 1.0
    reprice_ticks: int = 1
    max_reprices: int = 2


def client_order_id(run_id: str, leg: str, symbol: str, attempt: int) -> str:
    """The deterministic id of one order of a run: a retry or a resume reuses it."""
    return f"{run_id}-{leg}-{symbol}-{attempt}"


@dataclass
class LegSupervisor:
    """Runs one leg (sells or buys) of a run to its end, saving the run at every change."""

    broker: BrokerPort
    runs: RunRepository
    clock: Clock
    sleep: Sleep
    guard: Guard
    policy: ExecutionPolicy
    progress: Progress
    checkpoint: Callable[[str], None] = lambda _point: None

    async def run_leg(self, run: RunRecord, leg: str, intents: tuple[OrderIntent, ...]) -> None:
        """Record the leg's intents (if not yet), then send, supervise and chase them."""
        if not any(_leg_of(order) == leg for order in run.orders):
            for intent in intents:
                run.orders.append(TrackedOrder(self._request(run, leg, intent.symbol, 0, intent.side,
                                                             intent.quantity, intent.order_type,
                                                             intent.limit_price)))
            self.runs.save(run)
        while True:
            await self._send_and_wait(run, leg)
            if not await self._chase(run, leg):
                return

    def _request(self, run: RunRecord, leg: str, symbol: str, attempt: int, side: Side, quantity: Decimal,
                 order_type: OrderType, price: Decimal | None) -> OrderRequest:
        return OrderRequest(client_order_id(run.run_id, leg, symbol, attempt), run.account_id, symbol, side,
                            quantity, order_type, price)

    async def _send_and_wait(self, run: RunRecord, leg: str) -> None:
        deadline = self.clock.now().timestamp() + self.policy.fill_timeout_seconds
        await self._reconcile(run, leg, send_missing=True)
        while _open(run, leg) and self.clock.now().timestamp() < deadline:
            await self.sleep(self.policy.poll_interval_seconds)
            await self._reconcile(run, leg, send_missing=True)
            filled = sum((o.filled_quantity for o in run.orders if _leg_of(o) == leg), ZERO)
            self.progress(f"{leg}: {len(_open(run, leg))} open, {filled} filled")

    async def _reconcile(self, run: RunRecord, leg: str, *, send_missing: bool) -> None:
        """Bring every open order of the leg up to date with the broker; send those it never got."""
        changed = False
        for index, order in enumerate(run.orders):
            if _leg_of(order) != leg or not order.status.is_open:
                continue
            updated = await self._refresh(run, order, send_missing=send_missing)
            if updated != order:
                run.orders[index] = updated
                changed = True
        if changed:
            self.runs.save(run)

    async def _refresh(self, run: RunRecord, order: TrackedOrder, *, send_missing: bool) -> TrackedOrder:
        request = order.request
        try:
            report = await self.broker.get_order(request.account_id, request.client_order_id)
            if report is None and send_missing and order.status is OrderStatus.INTENDED:
                self.guard()
                logger.info("sending %s %s %s x %s", request.client_order_id, request.side, request.symbol,
                            request.quantity)
                report = await self.broker.submit(request)
                self.checkpoint("submit")
        except BrokerUnavailable as error:
            logger.warning("broker unavailable for %s: %s", request.client_order_id, error)
            return order
        if report is None:
            return order
        return await self._absorb(run, order, report)

    async def _absorb(self, run: RunRecord, order: TrackedOrder, report: OrderReport) -> TrackedOrder:
        """Apply a report and its fills to the tracked order (idempotently)."""
        if report.status is OrderStatus.REJECTED:
            return order.apply(OrderEvent.REJECT, broker_order_id=report.broker_order_id,
                               reason=f"{report.reject_code} {report.reject_message}".strip())
        if order.status is OrderStatus.INTENDED:
            order = order.apply(OrderEvent.ACCEPT, broker_order_id=report.broker_order_id)
        fills = await self.broker.get_fills(order.request.account_id, order.request.client_order_id)
        if any(fill.fill_id not in order.fill_ids for fill in fills):
            self.runs.record_fills(run.run_id, fills)
        for fill in sorted(fills, key=lambda f: f.fill_id):
            order = order.apply_fill(fill)
        if report.status is OrderStatus.CANCELLED and order.status.is_open:
            order = order.apply(OrderEvent.CANCEL)
        return order

    async def _chase(self, run: RunRecord, leg: str) -> bool:
        """Cancel what did not fill; re-price it as a new order while attempts remain. True if re-sent."""
        open_orders = _open(run, leg)
        if not open_orders:
            return False
        resent = False
        for order in open_orders:
            await self._cancel(run, order)
        for order in list(_latest_unfilled(run, leg)):
            attempt = run.attempts.get(f"{leg}-{order.request.symbol}", 0) + 1
            if attempt > self.policy.max_reprices or order.unfilled <= ZERO:
                continue
            price = await self._reprice(run, order.request, attempt)
            run.attempts[f"{leg}-{order.request.symbol}"] = attempt
            request = self._request(run, leg, order.request.symbol, attempt, order.request.side,
                                    order.unfilled, order.request.order_type, price)
            run.orders.append(TrackedOrder(request))
            resent = True
        self.runs.save(run)
        return resent

    async def _cancel(self, run: RunRecord, order: TrackedOrder) -> None:
        try:
            report = await self.broker.cancel(order.request.account_id, order.request.client_order_id)
        except BrokerUnavailable as error:
            logger.warning("cancel of %s failed: %s", order.request.client_order_id, error)
            return
        index = run.orders.index(order)
        updated = await self._absorb(run, order, report)
        if updated.status.is_open:  # the broker confirms the cancel later; stop tracking the remainder
            updated = updated.apply(OrderEvent.CANCEL)
        run.orders[index] = updated
        self.runs.save(run)

    async def _reprice(self, run: RunRecord, request: OrderRequest, attempt: int) -> Decimal | None:
        """A limit further toward the market at each attempt: 1 + attempt x reprice_ticks from the price."""
        if request.order_type is OrderType.MARKET:
            return None
        snapshot = await self.broker.get_snapshot(run.account_id, [request.symbol])
        quote = snapshot.quotes[request.symbol]
        ticks = 1 + self.policy.reprice_ticks * attempt
        signed = ticks if request.side is Side.BUY else -ticks
        return limit_price(quote.instrument, quote.price, signed, None)


def _leg_of(order: TrackedOrder) -> str:
    return _leg_name(order.request)


def _leg_name(request: OrderRequest) -> str:
    """The leg is the second part of the client order id (run ids carry no dash)."""
    return request.client_order_id.split("-")[1]


def _open(run: RunRecord, leg: str) -> list[TrackedOrder]:
    return [o for o in run.orders if _leg_of(o) == leg and o.status.is_open]


def _latest_unfilled(run: RunRecord, leg: str) -> list[TrackedOrder]:
    """The last order of each symbol of the leg, when it was cancelled with quantity left."""
    latest: dict[str, TrackedOrder] = {}
    for order in run.orders:
        if _leg_of(order) == leg:
            latest[order.request.symbol] = order
    return [o for o in latest.values() if o.status is OrderStatus.CANCELLED and o.unfilled > ZERO]


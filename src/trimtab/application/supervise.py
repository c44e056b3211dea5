"""Send a leg of orders and supervise it: wait for fills, cancel what is left until the broker confirms, chase
the true remainder with re-priced orders.

A leg moves through phases saved in the run (`LegProgress`) before each acts, so a run resumed after a crash
continues exactly where it stopped, with the same deadlines:
- WAITING: send what the broker does not have yet, poll until every order is closed or the round's deadline;
- CANCELLING: ask the broker to cancel every open order and wait until it confirms (fills still count);
- REPRICING: re-read the fills of the closed orders, then send each unfilled remainder again one step further
  toward the market (a new round with a new deadline) while attempts remain, else DONE.

Every order is recorded as INTENDED (and the run saved) before it is sent, with a deterministic client order
id: run id, leg, symbol and attempt. A resumed run first asks the broker about each recorded order, so an order
sent just before a crash is adopted, never sent again. A cancel is only a request: the order stays open
(PENDING_CANCEL) until the broker reports it closed; a refused cancel is answered by re-reading the order and
its fills and carrying on with what is true (filled: nothing to chase; partly filled: chase the rest).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from trimtab.application.ports import BrokerPort, Clock, LegPhase, LegProgress, RunRecord
from trimtab.domain.errors import BrokerUnavailable, OrderRejected, TrimtabError
from trimtab.domain.execution import OrderEvent, OrderReport, OrderRequest, OrderStatus, TrackedOrder
from trimtab.domain.money_format import format_quantity
from trimtab.domain.numbers import ZERO
from trimtab.domain.order_ids import format_order_id
from trimtab.domain.orders import OrderIntent, OrderType, Side
from trimtab.domain.ticks import limit_price

if TYPE_CHECKING:
    from trimtab.application.progress import Progress
    from trimtab.application.run_journal import RunJournal

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Guard = Callable[[RunRecord], None]


class LegUnsettled(TrimtabError):
    """A leg cannot finish on its own (the broker never confirmed a cancel): a person must look."""


@dataclass(frozen=True, slots=True)
class ExecutionPolicy:
    """How long to wait for fills, how to chase what does not fill, how long a cancel may take."""

    fill_timeout_seconds: float = 60.0
    poll_interval_seconds: float = 1.0
    reprice_ticks: int = 1
    max_reprices: int = 2
    cancel_timeout_seconds: float = 60.0


def client_order_id(run_id: str, leg: str, symbol: str, attempt: int) -> str:
    """The deterministic id of one order of a run: a retry or a resume reuses it."""
    return format_order_id(run_id, leg, symbol, attempt)


@dataclass
class LegSupervisor:
    """Runs one leg (sells or a round of buys) of a run to its end, saving the run at every change."""

    broker: BrokerPort
    journal: RunJournal
    clock: Clock
    sleep: Sleep
    guard: Guard  # safety settings and the run's lease, checked before every order is sent
    policy: ExecutionPolicy
    progress: Progress
    checkpoint: Callable[[str], None] = lambda _point: None

    async def run_leg(self, run: RunRecord, leg: str, intents: tuple[OrderIntent, ...]) -> None:
        """Record the leg's intents (if not yet), then take the leg through its phases to DONE."""
        if leg not in run.legs:
            if not any(_leg_of(order) == leg for order in run.orders):
                for intent in intents:
                    run.orders.append(TrackedOrder(self._request(run, leg, intent.symbol, 0, intent.side,
                                                                 intent.quantity, intent.order_type,
                                                                 intent.limit_price)))
            run.legs[leg] = LegProgress(LegPhase.WAITING, self._after(self.policy.fill_timeout_seconds))
            self.journal.save(run)
        phases = {LegPhase.WAITING: self._wait, LegPhase.CANCELLING: self._cancel_open,
                  LegPhase.REPRICING: self._reprice}
        while (phase := run.legs[leg].phase) is not LegPhase.DONE:
            await phases[phase](run, leg)

    async def refresh_closed(self, run: RunRecord) -> None:
        """Read the fills of every order the run believes cancelled or expired: late fills are applied."""
        for leg in dict.fromkeys(_leg_of(order) for order in run.orders):
            await self._refresh_closed(run, leg)

    def _after(self, seconds: float) -> dt.datetime:
        return self.clock.now() + dt.timedelta(seconds=seconds)

    def _left(self, deadline: dt.datetime) -> str:
        return f"{max(0, int((deadline - self.clock.now()).total_seconds()))} s"

    def _enter(self, run: RunRecord, leg: str, phase: LegPhase, deadline: dt.datetime | None = None) -> None:
        run.legs[leg] = LegProgress(phase, deadline)
        self.journal.save(run)
        self.checkpoint(f"leg:{phase.value}")

    def _request(self, run: RunRecord, leg: str, symbol: str, attempt: int, side: Side, quantity: Decimal,
                 order_type: OrderType, price: Decimal | None) -> OrderRequest:
        strategy = None if run.strategies is None else run.strategies.lead(leg, symbol)  # RUN.STRATEGY-...
        return OrderRequest(format_order_id(run.run_id, leg, symbol, attempt, strategy), run.account_id, symbol,
                            side, quantity, order_type, price)

    # -- WAITING ------------------------------------------------------------------------------------------------

    async def _wait(self, run: RunRecord, leg: str) -> None:
        deadline = run.legs[leg].deadline or self.clock.now()
        await self._reconcile(run, leg, send_missing=True)
        while _open(run, leg) and self.clock.now() < deadline:
            filled = sum((o.filled_quantity for o in run.orders if _leg_of(o) == leg), ZERO)
            self.progress(f"waiting for fills of the {_LEGS.get(leg[:1], 'orders')} ({leg}): "
                          f"{len(_open(run, leg))} open, {format_quantity(filled)} filled, {self._left(deadline)} left")
            await self.sleep(self.policy.poll_interval_seconds)
            await self._reconcile(run, leg, send_missing=True)
            self.journal.heartbeat(run)
            self.checkpoint("poll")
        if _open(run, leg):
            self._enter(run, leg, LegPhase.CANCELLING, self._after(self.policy.cancel_timeout_seconds))
        else:
            self._enter(run, leg, LegPhase.REPRICING)

    async def _reconcile(self, run: RunRecord, leg: str, *, send_missing: bool) -> None:
        """Bring every open order of the leg up to date with the broker, send those it never got, then save."""
        changed, accepted = False, 0
        for order in [o for o in run.orders if _leg_of(o) == leg and o.status.is_open]:
            updated = await self._refresh(run, order, send_missing=send_missing)
            if updated != order:
                run.orders[run.orders.index(order)] = updated
                changed = True
                accepted += order.status is OrderStatus.INTENDED and updated.status is not OrderStatus.INTENDED
        if changed:
            self.journal.save(run)
        for _ in range(accepted):
            self.checkpoint("accepted")  # one pass per order the broker took, after it was saved

    async def _refresh(self, run: RunRecord, order: TrackedOrder, *, send_missing: bool) -> TrackedOrder:
        request = order.request
        try:
            report = await self.broker.get_order(request.account_id, request.client_order_id)
            self.checkpoint("refreshed")  # the broker may have moved on (fills applied) before the run is saved
            if report is None and send_missing and order.status is OrderStatus.INTENDED:
                self.guard(run)
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
            if order.status in (OrderStatus.INTENDED, OrderStatus.ACCEPTED):
                return order.apply(OrderEvent.REJECT, broker_order_id=report.broker_order_id,
                                   reason=f"{report.reject_code} {report.reject_message}".strip())
            return order
        if order.status is OrderStatus.INTENDED:
            order = order.apply(OrderEvent.ACCEPT, broker_order_id=report.broker_order_id)
        if report.filled_quantity != order.filled_quantity or not report.status.is_open:
            # Fills are asked for only when the broker's order shows more (or less) than the run has applied, or
            # the order closed: a wait of many polls on an untouched order costs one request per poll, not two.
            fills = await self.broker.get_fills(order.request.account_id, order.request.client_order_id)
            if any(fill.fill_id not in order.fill_ids for fill in fills):
                self.journal.record_fills(run, fills)
            for fill in sorted(fills, key=lambda f: f.fill_id):
                order = order.apply_fill(fill)
        if report.status is OrderStatus.CANCELLED and order.status.is_open:
            order = order.apply(OrderEvent.CANCEL)
        elif report.status is OrderStatus.EXPIRED and order.status.is_open:
            order = order.apply(OrderEvent.EXPIRE)
        return order

    def _replace(self, run: RunRecord, order: TrackedOrder, updated: TrackedOrder) -> None:
        """Put the updated order in the run and save it when it changed."""
        if updated != order:
            run.orders[run.orders.index(order)] = updated
            self.journal.save(run)

    # -- CANCELLING ---------------------------------------------------------------------------------------------

    async def _cancel_open(self, run: RunRecord, leg: str) -> None:
        """Cancel every open order (again, after a crash: a cancel is idempotent) until the broker confirms."""
        deadline = run.legs[leg].deadline
        if deadline is None or deadline <= self.clock.now():  # resumed late: the broker still gets its time
            deadline = self._after(self.policy.cancel_timeout_seconds)
            self._enter(run, leg, LegPhase.CANCELLING, deadline)
        for order in _open(run, leg):
            await self._request_cancel(run, order)
        while _open(run, leg) and self.clock.now() < deadline:
            self.progress(f"waiting for the broker to confirm {len(_open(run, leg))} cancel(s) ({leg}), "
                          f"{self._left(deadline)} left")
            await self.sleep(self.policy.poll_interval_seconds)
            for order in _open(run, leg):
                if order.status is OrderStatus.PENDING_CANCEL:
                    self._replace(run, order, await self._refresh(run, order, send_missing=False))
                else:  # the broker refused the last request or never answered it: ask again
                    await self._request_cancel(run, order)
            self.journal.heartbeat(run)
        still_open = _open(run, leg)
        if still_open:
            names = ", ".join(o.request.client_order_id for o in still_open)
            raise LegUnsettled(f"the broker has not confirmed the cancel of {names}")
        self._enter(run, leg, LegPhase.REPRICING)

    async def _request_cancel(self, run: RunRecord, order: TrackedOrder) -> None:
        """Record the cancel request, send it, and apply what the broker says the order now is."""
        account, client_id = order.request.account_id, order.request.client_order_id
        if order.status is OrderStatus.INTENDED:  # never confirmed as sent: ask before cancelling
            report = await self.broker.get_order(account, client_id)
            if report is None:  # the broker never had it: nothing to cancel, nothing was sent
                self._replace(run, order, order.apply(OrderEvent.CANCEL))
                return
            updated = await self._absorb(run, order, report)
            self._replace(run, order, updated)
            order = updated
            if not order.status.is_open:
                return
        if order.status is not OrderStatus.PENDING_CANCEL:
            requested = order.apply(OrderEvent.CANCEL_REQUEST)
            self._replace(run, order, requested)  # saved before the request leaves
            order = requested
            self.checkpoint("cancel_requested")
        try:
            report = await self.broker.cancel(account, client_id)
        except OrderRejected as refused:
            logger.info("cancel of %s refused [%s]; reading the order again", client_id, refused.code)
            await self._after_refusal(run, order)
            return
        except BrokerUnavailable as error:
            logger.warning("cancel of %s not confirmed sent: %s", client_id, error)
            self._replace(run, order, order.apply(OrderEvent.CANCEL_REJECT))
            return
        self._replace(run, order, await self._absorb(run, order, report))
        self.checkpoint("cancel_answered")

    async def _after_refusal(self, run: RunRecord, order: TrackedOrder) -> None:
        """A refused cancel: the order filled, closed, or is still open; carry on with what is true."""
        try:
            report = await self.broker.get_order(order.request.account_id, order.request.client_order_id)
        except BrokerUnavailable as error:
            logger.warning("order %s unreadable after a refused cancel: %s", order.request.client_order_id, error)
            report = None
        if report is None:
            self._replace(run, order, order.apply(OrderEvent.CANCEL_REJECT))
            return
        updated = await self._absorb(run, order, report)
        if updated.status.is_open:
            updated = updated.apply(OrderEvent.CANCEL_REJECT)
        self._replace(run, order, updated)

    # -- REPRICING ----------------------------------------------------------------------------------------------

    async def _reprice(self, run: RunRecord, leg: str) -> None:
        """Chase each unfilled remainder with a new order while attempts remain; otherwise the leg is done."""
        await self._refresh_closed(run, leg)
        appended = False
        for order in _latest_unfilled(run, leg):
            key = f"{leg}-{order.request.symbol}"
            attempt = run.attempts.get(key, 0) + 1
            if attempt > self.policy.max_reprices:
                continue
            price = await self._reprice_price(run, order.request, attempt)
            run.attempts[key] = attempt
            run.orders.append(TrackedOrder(self._request(run, leg, order.request.symbol, attempt,
                                                         order.request.side, order.unfilled,
                                                         order.request.order_type, price)))
            appended = True
        if appended:
            self._enter(run, leg, LegPhase.WAITING, self._after(self.policy.fill_timeout_seconds))
        else:
            self._enter(run, leg, LegPhase.DONE)

    async def _refresh_closed(self, run: RunRecord, leg: str) -> None:
        """Apply fills reported after an order of the leg was cancelled or expired."""
        for order in [o for o in run.orders if _leg_of(o) == leg and o.status.is_closed_unfilled]:
            try:
                fills = await self.broker.get_fills(order.request.account_id, order.request.client_order_id)
            except BrokerUnavailable as error:
                logger.warning("fills of %s unreadable: %s", order.request.client_order_id, error)
                continue
            late = [fill for fill in fills if fill.fill_id not in order.fill_ids]
            if not late:
                continue
            logger.warning("late fills of %s after it closed: %s", order.request.client_order_id,
                           ", ".join(fill.fill_id for fill in late))
            self.journal.record_fills(run, fills)
            updated = order
            for fill in sorted(late, key=lambda f: f.fill_id):
                updated = updated.apply_fill(fill)
            self._replace(run, order, updated)

    async def _reprice_price(self, run: RunRecord, request: OrderRequest, attempt: int) -> Decimal | None:
        """A limit further toward the market at each attempt: 1 + attempt x reprice_ticks from the price."""
        if request.order_type is OrderType.MARKET:
            return None
        snapshot = await self.broker.get_snapshot(run.account_id, [request.symbol])
        quote = snapshot.quotes[request.symbol]
        ticks = 1 + self.policy.reprice_ticks * attempt
        signed = ticks if request.side is Side.BUY else -ticks
        return limit_price(quote.instrument, quote.price, signed, None)


_LEGS = {"S": "sells", "B": "buys"}


def _leg_of(order: TrackedOrder) -> str:
    """The leg is the second part of the client order id (run ids carry no dash)."""
    return order.request.client_order_id.split("-")[1]


def _open(run: RunRecord, leg: str) -> list[TrackedOrder]:
    return [o for o in run.orders if _leg_of(o) == leg and o.status.is_open]


def _latest_unfilled(run: RunRecord, leg: str) -> list[TrackedOrder]:
    """The last order of each symbol of the leg, when the broker closed it with quantity left."""
    latest: dict[str, TrackedOrder] = {}
    for order in run.orders:
        if _leg_of(order) == leg:
            latest[order.request.symbol] = order
    return [o for o in latest.values() if o.status.is_closed_unfilled and o.unfilled > ZERO]

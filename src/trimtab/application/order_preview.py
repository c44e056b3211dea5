"""A broker's preview of a plan's orders (IBKR's what-if): margin and commission, nothing placed.

A broker that can preview orders implements `OrderPreviewer` next to its BrokerPort; `Trimtab.dry_run` plans
an account as `rebalance` without `--execute` does and, on such a broker, previews every planned order over
the same connection. Brokers without the capability give no previews (None), never an error. Numbers are
Decimals; a figure the broker left unset is None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from trimtab.application.brokers import BrokerChoice
    from trimtab.application.ports import RunRecord
    from trimtab.application.progress import Progress
    from trimtab.domain.cash_flows import CashFlow
    from trimtab.domain.orders import OrderIntent, OrderType, Side


@dataclass(frozen=True, slots=True)
class OrderPreview:
    """What the broker says one order would do, were it placed now."""

    symbol: str
    side: Side
    quantity: Decimal
    order_type: OrderType
    limit_price: Decimal | None
    margin_currency: str = ""  # the currency of the margin and equity figures (IBKR: the account's base)
    initial_margin_change: Decimal | None = None
    maintenance_margin_change: Decimal | None = None
    equity_with_loan_change: Decimal | None = None
    initial_margin_after: Decimal | None = None
    commission: Decimal | None = None
    min_commission: Decimal | None = None
    max_commission: Decimal | None = None
    commission_currency: str = ""
    warning: str = ""  # the broker's warning text, as it gave it
    error: str = ""  # the broker refused the preview: its code and text

    @property
    def ok(self) -> bool:
        return not self.error


@runtime_checkable
class OrderPreviewer(Protocol):
    """A broker that previews orders without placing them (IBKR: whatIfOrder)."""

    async def preview_orders(self, account_id: str, orders: Sequence[OrderIntent]) -> list[OrderPreview]:
        """One preview per order, in order; a refused preview carries the broker's error, it does not raise."""
        ...


@dataclass(frozen=True, slots=True)
class DryRun:
    """A run planned and checked without sending anything, with the broker's previews of its orders.

    `previews` is None when the broker cannot preview orders, empty when the plan has no order.
    """

    record: RunRecord
    previews: tuple[OrderPreview, ...] | None


async def preview_plan(broker: object, record: RunRecord) -> tuple[OrderPreview, ...] | None:
    """The broker's previews of the run's planned orders; None when the broker has no such capability."""
    if not isinstance(broker, OrderPreviewer):
        return None
    orders = record.plan.orders if record.plan is not None else ()
    if not orders:
        return ()
    return tuple(await broker.preview_orders(record.account_id, orders))


class PreviewOperations:
    """`dry_run` (mixed into the facade)."""

    if TYPE_CHECKING:

        async def _start(self, account_id: str, *, execute: bool, force: bool, progress: Progress,
                         choice: BrokerChoice | None, cash_flow: CashFlow | None,
                         preview: bool) -> DryRun: ...

    async def dry_run(self, account_id: str, *, force: bool, progress: Progress, choice: BrokerChoice | None = None,
                      cash_flow: CashFlow | None = None) -> DryRun:
        """`rebalance` without sending: the run planned and checked, and the broker's previews of its orders."""
        return await self._start(account_id, execute=False, force=force, progress=progress, choice=choice,
                                 cash_flow=cash_flow, preview=True)


def previews_document(previews: Sequence[OrderPreview] | None) -> list[dict[str, object]] | None:
    """The previews as JSON-ready data (Decimals as text, unset figures as null)."""
    if previews is None:
        return None

    def text(value: Decimal | None) -> str | None:
        return None if value is None else format(value, "f")

    return [{"symbol": p.symbol, "action": p.side.value, "quantity": text(p.quantity),
             "order_type": p.order_type.value, "limit_price": text(p.limit_price),
             "margin_currency": p.margin_currency, "initial_margin_change": text(p.initial_margin_change),
             "maintenance_margin_change": text(p.maintenance_margin_change),
             "equity_with_loan_change": text(p.equity_with_loan_change),
             "initial_margin_after": text(p.initial_margin_after), "commission": text(p.commission),
             "min_commission": text(p.min_commission), "max_commission": text(p.max_commission),
             "commission_currency": p.commission_currency, "warning": p.warning, "error": p.error}
            for p in previews]

"""A run of strategies' slices as JSON-ready values: the slices, the transfers, the shares and the split."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trimtab.domain.strategy_netting import StrategyRun


def strategy_run_document(state: StrategyRun) -> dict[str, Any]:
    """The strategies of a run: capital, reservation, why not traded; transfers; each leg's shares; the split."""

    def text(value: object) -> str | None:
        return None if value is None else str(value)

    def slices(records: tuple[Any, ...]) -> list[dict[str, Any]]:
        return [{"strategy": r.strategy_id, "model": r.model_name, "model_version": r.model_version,
                 "capital": text(r.capital), "holdings_value": str(r.holdings_value),
                 "reservation": text(r.reservation), "trades": r.trades, "reason": r.reason} for r in records]

    return {
        "strategies": slices(state.strategies),
        "buy_slices": slices(state.buy_slices),
        "transfers": [{"symbol": t.symbol, "seller": t.seller, "buyer": t.buyer, "quantity": str(t.quantity),
                       "price": str(t.price)} for t in state.transfers],
        "shares": [{"leg": s.leg, "symbol": s.symbol, "strategy": s.strategy_id, "side": s.side.value,
                    "quantity": str(s.quantity)} for s in state.shares],
        "split": [{"strategy": line.strategy_id, "symbol": line.symbol, "quantity": str(line.quantity),
                   "price": str(line.price), "source": line.source, "fees": str(line.fees),
                   "counterpart": line.counterpart} for line in state.split],
    }

"""Documents and text of performance snapshots and metrics (CLI output)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from trimtab.entrypoints.cli.strategies_view import say

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.console import Console

    from trimtab.application.performance import PerformanceReport
    from trimtab.domain.performance import EquitySnapshot, PerformanceMetrics


def snapshot_document(row: EquitySnapshot) -> dict[str, Any]:
    return {"scope": row.scope, "market_date": row.market_date.isoformat(), "equity": str(row.equity),
            "cash": str(row.cash), "source": row.source.value, "taken_at": row.taken_at.isoformat(),
            "funding": None if row.funding is None else str(row.funding)}


def metrics_document(metrics: PerformanceMetrics | None) -> dict[str, Any] | None:
    if metrics is None:
        return None
    return {"periods": metrics.periods, **{name: None if value is None else str(value) for name, value in (
        ("roi", metrics.roi), ("max_drawdown", metrics.max_drawdown), ("volatility", metrics.volatility),
        ("sharpe", metrics.sharpe))}}


def performance_document(report: PerformanceReport) -> dict[str, Any]:
    return {"account": report.account_id, "scopes": [
        {"scope": scope.scope, "metrics": metrics_document(scope.metrics),
         "snapshots": [snapshot_document(row) for row in scope.snapshots]} for scope in report.scopes]}


def render_snapshot(rows: Sequence[EquitySnapshot], out: Console) -> None:
    for row in rows:
        say(out, f"{row.scope:<16} {row.market_date} equity {row.equity:>18} cash {row.cash:>18} {row.source.value}")


def render_performance(report: PerformanceReport, out: Console) -> None:
    if not report.scopes:
        say(out, f"no snapshots of {report.account_id} yet (trimtab performance snapshot {report.account_id})")
    for scope in report.scopes:
        first, last = scope.snapshots[0], scope.snapshots[-1]
        stale = sum(1 for row in scope.snapshots if row.source.value == "cached")
        say(out, f"{scope.scope:<16} {first.market_date} .. {last.market_date}: {len(scope.snapshots)} snapshots"
                  f"{f' ({stale} cached)' if stale else ''}, equity {first.equity} -> {last.equity}")
        metrics = scope.metrics
        if metrics is not None:
            say(out, f"{'':<16} ROI {_percent(metrics.roi)}  max drawdown {_percent(metrics.max_drawdown)}  "
                      f"volatility {_percent(metrics.volatility)}  Sharpe {_number(metrics.sharpe)}  "
                      f"({metrics.periods} periods)")


def _percent(value: Decimal | None) -> str:
    return "-" if value is None else f"{(value * 100).quantize(Decimal('0.01'))}%"


def _number(value: Decimal | None) -> str:
    return "-" if value is None else str(value.quantize(Decimal("0.01")))

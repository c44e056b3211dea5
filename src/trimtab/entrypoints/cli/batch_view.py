"""Render many accounts for people: one summary row per account of a batch plan, one row per run."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from rich.table import Table

from trimtab.application.batch import BatchPlan, RunLine, largest_drift
from trimtab.domain.money_format import format_money
from trimtab.domain.numbers import HUNDRED

if TYPE_CHECKING:
    from rich.console import Console

STYLE = {"rebalance": "yellow", "in band": "green", "unsafe": "red", "error": "red"}


def _pct(fraction: Decimal) -> str:
    return f"{(fraction * HUNDRED).quantize(Decimal('0.01'))}%"


def render_batch_plan(result: BatchPlan, console: Console) -> None:
    """Print the summary of a batch plan as a plain aligned table (fast for thousands of rows) and the counts."""
    header = ("account", "model", "equity", "orders", "turnover", "drift before", "after", "status", "reason")
    rows = [header]
    for line in result.lines:
        plan = line.plan
        if plan is None:
            rows.append((line.account_id, line.model or "-", "-", "-", "-", "-", "-", line.status, line.reason))
            continue
        rows.append((line.account_id, line.model or "-", f"{format_money(plan.equity, plan.currency)} {plan.currency}",
                     str(len(plan.orders)), _pct(line.turnover), _pct(largest_drift(plan)),
                     _pct(largest_drift(plan, after=True)), line.status, line.reason))
    widths = [max(len(row[column]) for row in rows) for column in range(len(header) - 1)]
    left = {0, 1, 7}
    text = [f"Plans of {len(result.lines)} accounts (nothing sent)"]
    for row in rows:
        cells = [cell.ljust(width) if column in left else cell.rjust(width)
                 for column, (cell, width) in enumerate(zip(row, widths, strict=False))]
        text.append("  ".join([*cells, row[-1]]).rstrip())
    console.print("\n".join(text), markup=False, highlight=False, soft_wrap=True)
    counts = {status: sum(1 for line in result.lines if line.status == status) for status in STYLE}
    console.print(", ".join(f"{count} {status}" for status, count in counts.items() if count) or "no accounts")
    if result.basket is not None:
        console.print(f"basket: day {result.basket.day}, {len(result.basket.lines)} lines written")


def render_run_lines(lines: list[RunLine], console: Console) -> None:
    """Print one row per account of a rebalance of many accounts."""
    table = Table(title=f"Runs of {len(lines)} accounts", title_justify="left")
    for column in ("account", "run", "status", "orders", "reason"):
        table.add_column(column)
    for line in lines:
        record = line.record
        if record is None:
            table.add_row(line.account_id, "-", "[red]error[/]", "-", line.error or "")
            continue
        style = "red" if line.needs_attention else "green"
        table.add_row(line.account_id, record.run_id, f"[{style}]{record.status.value}[/]", str(len(record.orders)),
                      record.reason)
    console.print(table)
    attention = [line.account_id for line in lines if line.needs_attention]
    if attention:
        console.print(f"{len(attention)} of {len(lines)} accounts need attention: {', '.join(attention)}")
    else:
        console.print(f"all {len(lines)} accounts done")

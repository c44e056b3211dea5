"""Command: basket (a TWS basket CSV from the accounts' plans: Day 1 MOC whole shares, Day 2 LMT the rest)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trimtab.entrypoints.cli.common import console, facade
from trimtab.entrypoints.cli.guard import guarded
from trimtab.entrypoints.cli.report import account_list


def basket(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="The basket CSV to write (TWS: File > Basket).")],
    day: Annotated[int, typer.Option("--day", metavar="1|2", help=(
        "1: MOC, whole shares of the larger positions; 2: LMT for the rest, priced on the tick."))],
    accounts: Annotated[str | None, typer.Option("--accounts", metavar="A,B", help=(
        "Accounts to plan, comma-separated (default: every account with a model)."))] = None,
    force: Annotated[bool, typer.Option("--force", help="Plan trades even when no band is breached.")] = False,
) -> None:
    """Write a TWS basket CSV from the accounts' plans: Day 1 MOC whole shares, Day 2 LMT for the rest."""

    def run() -> None:
        import asyncio

        from trimtab.domain.money_format import format_money
        from trimtab.entrypoints.cli.progress import progress_line

        trimtab = facade()
        out = console()
        with progress_line(out, "planning the accounts") as progress:
            result = asyncio.run(trimtab.basket(account_list(accounts), day=day, path=path, force=force,
                                                progress=progress))
        for planned in result.plans:
            plan = planned.plan
            count = sum(1 for line in result.lines if line.account == plan.account_id)
            state = "rebalance needed" if plan.rebalance_needed else "inside its bands (nothing to trade)"
            out.print(f"{plan.account_id}: {plan.model_name}, equity {format_money(plan.equity, plan.currency)} "
                      f"{plan.currency}, {state}; {_count(len(plan.orders), 'order')} in the plan, "
                      f"{_count(count, 'line')} on day {day}")
        out.print(f"written: {path} ({_count(len(result.lines), 'line')})")

    guarded(run)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")

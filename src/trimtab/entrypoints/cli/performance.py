"""Commands: performance (snapshot, show): daily equity per strategy and account, and its metrics."""

from __future__ import annotations

from typing import Annotated

import typer

from trimtab.entrypoints.cli.common import (
    AccountArgument,
    BaseUrlOption,
    BrokerOption,
    Command,
    EnvOption,
    JsonOption,
    broker_choice,
    console,
    facade,
    print_json,
)
from trimtab.entrypoints.cli.guard import guarded

performance_app = typer.Typer(help="Performance per strategy and account: daily equity snapshots, ROI, drawdown, "
                                   "volatility, Sharpe.",
                              no_args_is_help=True, rich_markup_mode=None)


@performance_app.command("snapshot", cls=Command)
def snapshot(
    account: AccountArgument,
    as_json: JsonOption = False,
    broker: BrokerOption = None,
    env: EnvOption = None,
    base_url: BaseUrlOption = None,
) -> None:
    """Take today's snapshot of the account's and each strategy's equity (again the same day: rewritten)."""

    def run() -> None:
        import asyncio

        from trimtab.entrypoints.cli.performance_view import render_snapshot, snapshot_document

        rows = asyncio.run(facade().take_performance_snapshot(account, choice=broker_choice(broker, env, base_url)))
        print_json([snapshot_document(row) for row in rows]) if as_json else render_snapshot(rows, console())

    guarded(run)


@performance_app.command("show", cls=Command)
def show(
    account: AccountArgument,
    strategy: Annotated[str | None, typer.Option("--strategy", metavar="S", help=(
        "Only this strategy."))] = None,
    as_json: JsonOption = False,
) -> None:
    """Show the snapshots' ROI, max drawdown, annualised volatility and Sharpe per strategy and account."""

    def run() -> None:
        from trimtab.entrypoints.cli.performance_view import performance_document, render_performance

        report = facade().performance(account, strategy)
        print_json(performance_document(report)) if as_json else render_performance(report, console())

    guarded(run)

"""Commands: strategies (add, list, remove, capital, signal) and ledger (show, reconcile, import-state)."""

from __future__ import annotations

from pathlib import Path
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
from trimtab.entrypoints.cli.guard import COMMAND_LINE, guarded
from trimtab.entrypoints.cli.strategies_view import say

strategies_app = typer.Typer(help="Strategies (sleeves) sharing an account: add, list, remove, their capital.",
                             no_args_is_help=True, rich_markup_mode=None)
ledger_app = typer.Typer(help="The per-strategy ledger: positions, reconciliation with the broker, imports.",
                         no_args_is_help=True, rich_markup_mode=None)

StrategyArgument = Annotated[str, typer.Argument(metavar="STRATEGY", help=(
    "The strategy's id: a letter, then letters, digits or '_' (at most 16)."))]


@strategies_app.command("add", cls=Command)
def add_strategy(
    account: AccountArgument,
    strategy: StrategyArgument,
    weight: Annotated[str, typer.Option(metavar="W", help=(
        "Its weight among the active strategies of its market type (60 and 40, or 0.6 and 0.4)."))],
    market_type: Annotated[str, typer.Option("--market-type", metavar="TYPE", help=(
        "securities (stocks and ETFs: KIS, IBKR, paper), spot or futures."))] = "securities",
    leverage: Annotated[str, typer.Option(metavar="X", help="Leverage, 1 or more.")] = "1",
    model: Annotated[str | None, typer.Option("--model", metavar="MODEL", help=(
        "The model portfolio the strategy follows (its target source)."))] = None,
    inactive: Annotated[bool, typer.Option("--inactive", help="Add it inactive: it gets no capital.")] = False,
) -> None:
    """Add a strategy to an account."""

    def run() -> None:
        from trimtab.application.strategy_operations import NewStrategy
        from trimtab.domain.numbers import parse_decimal

        new = NewStrategy(strategy, parse_decimal(weight, where=COMMAND_LINE, field="weight"), market_type,
                          parse_decimal(leverage, where=COMMAND_LINE, field="leverage"), model, not inactive)
        added = facade().add_strategy(account, new)
        say(console(), f"strategy {added.strategy_id} added to {account} ({added.market_type}, weight "
                        f"{added.weight}{'' if added.active else ', inactive'})")

    guarded(run)


@strategies_app.command("list", cls=Command)
def list_strategies(account: AccountArgument, as_json: JsonOption = False) -> None:
    """List an account's strategies."""

    def run() -> None:
        from trimtab.entrypoints.cli.strategies_view import print_rows, strategy_document

        print_rows([strategy_document(s) for s in facade().strategies(account)], as_json=as_json,
                   line=lambda d: (f"{d['strategy']:<16} {d['market_type']:<10} weight {d['weight']:<8} leverage "
                                   f"{d['leverage']:<4} {'active' if d['active'] else 'inactive':<8} model "
                                   f"{d['model'] or '-'}"),
                   empty=f"account {account} has no strategies (trimtab strategies add)")

    guarded(run)


@strategies_app.command("signal", cls=Command)
def trade_signal(
    account: AccountArgument,
    strategy: StrategyArgument,
    symbol: Annotated[str, typer.Argument(metavar="SYMBOL", help="The symbol the signal trades.")],
    qty_per: Annotated[str | None, typer.Option("--qty-per", metavar="P", help=(
        "Open with P % of the strategy's capital x its leverage; a negative P closes that % of its position."))] = None,
    qty: Annotated[str | None, typer.Option("--qty", metavar="Q", help=(
        "An absolute quantity (negative: sell)."))] = None,
    side: Annotated[str | None, typer.Option("--side", metavar="buy|sell", help="The side, when it is not implied.")
                    ] = None,
    execute: Annotated[bool, typer.Option("--execute", help="Send the order (default: size and check only).")] = False,
    broker: BrokerOption = None,
    env: EnvOption = None,
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Trade a strategy's signal: sized from its capital, position and cash reservation, as a durable run."""

    def run() -> None:
        import asyncio

        from trimtab.domain.signal_sizing import read_signal_quantity
        from trimtab.entrypoints.cli.common import exit_if_unfinished, run_facade
        from trimtab.entrypoints.cli.progress import progress_line
        from trimtab.entrypoints.cli.run_view import render_run, run_document

        fields = {key: value for key, value in (("qty_per", qty_per), ("qty", qty), ("side", side)) if value}
        wanted = read_signal_quantity(fields, where=COMMAND_LINE)
        out, trimtab = console(), run_facade()
        with progress_line(out, "sizing") as progress:
            record = asyncio.run(trimtab.trade_signal(account, strategy, symbol, wanted, execute=execute,
                                                      choice=broker_choice(broker, env, base_url), progress=progress))
        if as_json:
            print_json(run_document(record, trimtab.fills(record.run_id)))
        else:
            render_run(record, trimtab.fills(record.run_id), out)
        exit_if_unfinished(record.status.value)

    guarded(run)


@strategies_app.command("remove", cls=Command)
def remove_strategy(account: AccountArgument, strategy: StrategyArgument) -> None:
    """Remove a strategy from an account (refused while the ledger gives it positions)."""

    def run() -> None:
        facade().remove_strategy(account, strategy)
        say(console(), f"strategy {strategy} removed from {account}")

    guarded(run)


@strategies_app.command("capital", cls=Command)
def capital(
    account: AccountArgument,
    max_age_days: Annotated[int | None, typer.Option("--max-age-days", metavar="N", help=(
        "How many trading days old a cached daily summary may be to stand in for the live balance "
        "(default: TRIMTAB_CACHED_SUMMARY_MAX_AGE_DAYS, 1)."))] = None,
    as_json: JsonOption = False,
    broker: BrokerOption = None,
    env: EnvOption = None,
    base_url: BaseUrlOption = None,
) -> None:
    """Show each strategy's capital: live balance, else a recent cached summary (STALE), else none and why."""

    def run() -> None:
        import asyncio

        from trimtab.entrypoints.cli.strategies_view import capital_document, render_capital

        report = asyncio.run(facade().capital(account, max_age_days=max_age_days,
                                              choice=broker_choice(broker, env, base_url)))
        print_json(capital_document(report)) if as_json else render_capital(report, console())

    guarded(run)


@ledger_app.command("show", cls=Command)
def show_ledger(account: AccountArgument, as_json: JsonOption = False) -> None:
    """Show each strategy's positions and cost basis from the ledger (runs' fills are booked by reconcile)."""

    def run() -> None:
        from trimtab.entrypoints.cli.strategies_view import position_document, print_rows, shorten_number

        held = facade().ledger_positions(account)
        print_rows([position_document(p) for _, p in sorted(held.items())], as_json=as_json,
                   line=lambda d: (f"{d['strategy']:<16} {d['symbol']:<12} {d['quantity']:>12} cost "
                                   f"{d['cost']:>16} average {shorten_number(d['average_price'])}"),
                   empty=f"the ledger of {account} holds nothing")

    guarded(run)


@ledger_app.command("reconcile", cls=Command)
def reconcile_ledger(
    account: AccountArgument,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report only; book nothing.")] = False,
    as_json: JsonOption = False,
    broker: BrokerOption = None,
    env: EnvOption = None,
    base_url: BaseUrlOption = None,
) -> None:
    """Compare the ledger with the broker's holdings and book each difference, explained line by line."""

    def run() -> None:
        import asyncio

        from trimtab.entrypoints.cli.strategies_view import reconciliation_document, render_reconciliation

        done = asyncio.run(facade().reconcile_ledger(account, apply=not dry_run,
                                                     choice=broker_choice(broker, env, base_url)))
        print_json(reconciliation_document(done)) if as_json else render_reconciliation(done, console())

    guarded(run)


@ledger_app.command("import-state", cls=Command)
def import_state(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A rolling-K state.json (schema v2, or v1 lots).")],
    account: Annotated[str, typer.Option("--account", metavar="ACCOUNT", help="The account whose ledger gets it.")],
    as_json: JsonOption = False,
) -> None:
    """Book a rolling-K bot's state.json into an account's ledger (placeholder buckets become MANUAL)."""

    def run() -> None:
        from trimtab.domain.errors import InvalidInput

        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidInput(f"cannot be read ({error.__class__.__name__})", where=str(file)) from None
        imported, added = facade().import_state(account, text, file.name)
        if as_json:
            print_json({"schema": imported.schema, "entries": len(imported.entries), "added": added,
                        "notes": list(imported.notes)})
            return
        out = console()
        for note in imported.notes:
            say(out, f"note: {note}")
        say(out, f"schema v{imported.schema}: {len(imported.entries)} entries read, {added} booked "
                  f"({len(imported.entries) - added} were there already)")

    guarded(run)

"""Command: plan (nothing sent): one account from files (no database, no broker), or the database's accounts
(--all, --accounts A,B, --model MODEL) read from their brokers and planned in one batch."""

# No `from __future__ import annotations` in this module: typer reads the options from the signature through
# typing.get_type_hints, which compiles every string annotation (twenty here) on each of its calls, 2 ms of a plan
# from files; annotations evaluated once, as the module runs, cost next to nothing.

import contextlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from trimtab.domain.allocation_method import AllocationMethod
from trimtab.entrypoints.cli.common import console, facade, file_plans
from trimtab.entrypoints.cli.guard import (
    COMMAND_LINE,
    EXIT_RUN_UNFINISHED,
    guarded,
    in_option_terms,
    minimum_trade,
    percent,
)
from trimtab.entrypoints.cli.launch import paused

MAX_EXACT_SECONDS = 3_600.0


def plan(
    model: Annotated[str | None, typer.Option("--model", metavar="FILE|MODEL", help=(
        "With --snapshot: the model portfolio file (trimtab YAML, model_portfolios.yaml, MP_Master.csv). "
        "Without: a stored model's name, planning every account that follows it."))] = None,
    snapshot: Annotated[Path | None, typer.Option("--snapshot", metavar="FILE", help=(
        "Account snapshot file (JSON or YAML): plan one account from files."))] = None,
    every: Annotated[bool, typer.Option("--all", help=(
        "Plan every account of the database that follows a model, in one batch."))] = False,
    accounts: Annotated[str | None, typer.Option("--accounts", metavar="A,B", help=(
        "Plan these accounts of the database, comma-separated, in one batch."))] = None,
    basket: Annotated[Path | None, typer.Option("--basket", metavar="FILE", help=(
        "With --all/--accounts/--model MODEL and --day: write one TWS basket CSV of every account."))] = None,
    day: Annotated[int | None, typer.Option("--day", metavar="1|2", help=(
        "The basket's day: 1 MOC whole shares of the larger positions, 2 LMT for the rest."))] = None,
    model_name: Annotated[str | None, typer.Option("--model-name", metavar="MODEL", help=(
        "Which model of the file."))] = None,
    force: Annotated[bool, typer.Option("--force", help="Plan trades even when no band is breached.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a machine-readable plan.")] = False,
    method: Annotated[AllocationMethod, typer.Option(help="Allocation method.")] = AllocationMethod.GREEDY,
    ticks: Annotated[int, typer.Option(metavar="N", help=(
        "Limit price = current price +/- this many ticks (0 to 50)."))] = 1,
    market: Annotated[bool, typer.Option("--market", help="Send market orders instead of limits.")] = False,
    cash_buffer: Annotated[str, typer.Option(metavar="PERCENT", help=(
        "Cash kept back, percent of equity (1 or 1%)."))] = "1",
    min_trade: Annotated[str, typer.Option(metavar="AMOUNT", help="Skip trades worth less than this.")] = "0",
    class_band: Annotated[str, typer.Option(metavar="PP", help=(
        "Asset-class band, percentage points: 3, 3% or 3 pp."))] = "3",
    ticker_band: Annotated[str, typer.Option(metavar="PP", help=(
        "Ticker band, percentage points: 5, 5% or 5 pp."))] = "5",
    relative_band: Annotated[str | None, typer.Option(metavar="PERCENT", help=(
        "Optional relative band, percent of the target weight (25 or 25%)."))] = None,
    exact_time_limit: Annotated[float, typer.Option(metavar="SECONDS", help=(
        "Seconds per account for --method exact."))] = 10.0,
    deposit: Annotated[str | None, typer.Option(metavar="AMOUNT", help=(
        "Invest this much new cash toward the targets, buying only (as if it were in the cash)."))] = None,
    withdraw: Annotated[str | None, typer.Option(metavar="AMOUNT", help=(
        "Raise this much cash (net of costs) with the least drift, selling only what is needed."))] = None,
) -> None:
    """Plan rebalances (nothing is sent): one account from files, or many accounts in one batch.

    From files: --model FILE --snapshot FILE, with the bands and settings given here. From the database:
    --all, --accounts A,B or --model MODEL; each account is read from its broker and planned on its own
    model, bands and settings (trimtab bands), all in one batch; --force and --json apply too.
    """

    def run() -> None:
        if snapshot is None:
            if deposit is not None or withdraw is not None:
                from trimtab.domain.errors import InvalidInput

                raise InvalidInput("--deposit and --withdraw plan one account from files (or rebalance one "
                                   "account): not with --all, --accounts or --model", where=COMMAND_LINE,
                                   field="deposit" if deposit is not None else "withdraw")
            _plan_accounts(every, accounts, model, force=force, as_json=as_json, basket=basket, day=day)
            return
        if model is None or every or accounts or basket or day is not None:
            from trimtab.domain.errors import InvalidInput

            raise InvalidInput("--snapshot plans one account from files: give --model FILE, and neither --all, "
                               "--accounts, --basket nor --day", where=COMMAND_LINE, field="snapshot")
        from trimtab.application.cash_flow_options import cash_flow_option
        from trimtab.application.rebalancing_config import RebalancingConfig
        from trimtab.application.settings_rules import validate_config
        from trimtab.domain.drift import Bands
        from trimtab.domain.errors import InvalidInput
        from trimtab.domain.orders import OrderType
        from trimtab.domain.planning import PlanSettings

        if not 0 < exact_time_limit <= MAX_EXACT_SECONDS:  # NaN fails too
            raise InvalidInput(f"must be above 0 and at most {MAX_EXACT_SECONDS:g} seconds", where=COMMAND_LINE,
                               field="exact-time-limit", value=f"{exact_time_limit:g}")
        config = RebalancingConfig(
            class_band=percent(class_band, "class-band"), ticker_band=percent(ticker_band, "ticker-band"),
            relative_band=None if relative_band is None else percent(relative_band, "relative-band"),
            cash_buffer=percent(cash_buffer, "cash-buffer"), minimum_trade_value=minimum_trade(min_trade),
            price_ticks=ticks)
        typed = {"--class-band": class_band, "--ticker-band": ticker_band, "--relative-band": relative_band,
                 "--cash-buffer": cash_buffer, "--min-trade": min_trade, "--ticks": ticks}
        with in_option_terms(typed):  # the rules `bands set` keeps, in the options' terms
            validate_config(config, where="plan settings")
        settings = PlanSettings(
            bands=Bands(config.class_band, config.ticker_band, config.relative_band), cash_buffer=config.cash_buffer,
            minimum_trade_value=config.minimum_trade_value, price_ticks=config.price_ticks,
            order_type=OrderType.MARKET if market else OrderType.LIMIT, method=method, force=force,
            cash_flow=cash_flow_option(deposit, withdraw),
        )
        result = file_plans().plan(Path(model), model_name, snapshot, settings, exact_time_limit)
        if as_json:
            import json

            from trimtab.application.plan_document import plan_to_document

            sys.stdout.write(json.dumps(plan_to_document(result), ensure_ascii=False, indent=2) + "\n")
        else:
            from trimtab.entrypoints.cli.plan_view import print_plan

            print_plan(result)

    # One plan from files: short, and what it imports and makes lives until the process ends (launch.py).
    with paused() if snapshot is not None else contextlib.nullcontext():
        guarded(run)


def _plan_accounts(every: bool, accounts: str | None, model: str | None, *, force: bool, as_json: bool,
                   basket: Path | None, day: int | None) -> None:
    """The database's accounts, read from their brokers and planned in one batch; one summary table."""
    import asyncio

    from trimtab.application.batch import Selection
    from trimtab.entrypoints.cli.progress import progress_line
    from trimtab.entrypoints.cli.report import account_list

    selection = Selection(every=every, accounts=tuple(account_list(accounts)), model=model)
    out = console()
    trimtab = facade()
    with progress_line(out, "reading the accounts") as progress:
        result = asyncio.run(trimtab.plan_batch(selection, force=force, basket_day=day, basket_path=basket,
                                                progress=progress))
    if as_json:
        import json

        from trimtab.application.batch import batch_document

        sys.stdout.write(json.dumps(batch_document(result, full=True), ensure_ascii=False, indent=2) + "\n")
    else:
        from trimtab.entrypoints.cli.batch_view import render_batch_plan

        render_batch_plan(result, out)
        if basket is not None:
            out.print(f"written: {basket}")
    if any(line.plan is None for line in result.lines):  # an account could not be planned: scripts must notice
        raise typer.Exit(EXIT_RUN_UNFINISHED)

"""Commands: rebalance, runs (list, show, resume, enqueue)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from trimtab.entrypoints.cli.common import (
    BaseUrlOption,
    BrokerOption,
    Command,
    EnvOption,
    JsonOption,
    broker_choice,
    console,
    exit_if_unfinished,
    facade,
    print_json,
    run_facade,
)
from trimtab.entrypoints.cli.guard import EXIT_RUN_UNFINISHED, guarded

if TYPE_CHECKING:
    from trimtab.application.brokers import BrokerChoice

runs_app = typer.Typer(
    help="Rebalance runs: history, details, resume, enqueue.", no_args_is_help=True, rich_markup_mode=None)


def rebalance(
    account: Annotated[str | None, typer.Argument(metavar="[ACCOUNT]", help=(
        "trimtab's id of the account (or choose several with --accounts / --model)."))] = None,
    accounts: Annotated[str | None, typer.Option("--accounts", metavar="A,B", help=(
        "Rebalance these accounts one after another, each its own run."))] = None,
    model: Annotated[str | None, typer.Option("--model", metavar="MODEL", help=(
        "Rebalance every account following this model, one after another."))] = None,
    execute: Annotated[bool, typer.Option("--execute", help="Send orders (default: plan and check only).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Trade even when no band is breached.")] = False,
    broker: BrokerOption = None,
    env: EnvOption = None,
    base_url: BaseUrlOption = None,
    deposit: Annotated[str | None, typer.Option(metavar="AMOUNT", help=(
        "Invest a deposit already in the account's cash, buying only."))] = None,
    withdraw: Annotated[str | None, typer.Option(metavar="AMOUNT", help=(
        "Raise this much cash (net of costs) with the least drift, selling only what is needed."))] = None,
    strategy: Annotated[list[str] | None, typer.Option("--strategy", metavar="ID", help=(
        "Rebalance this strategy's slice of the account (its ledger holdings and cash reservation); repeat "
        "for several in one run."))] = None,
    strategies: Annotated[str | None, typer.Option("--strategies", metavar="A,B|all", help=(
        "Rebalance these strategies' slices in one run, their orders netted per symbol; 'all': every active "
        "strategy with a model."))] = None,
    as_json: JsonOption = False,
) -> None:
    """Rebalance an account on its broker: plan, sell, wait for fills, re-plan and send the buys.

    Without --execute (a dry run), a broker that previews orders (IBKR's what-if) shows each planned order's
    margin change and commission. --json prints the run (and the previews) as JSON, one account only.

    With --accounts A,B or --model MODEL, each account runs in turn as its own durable run; one that fails
    does not stop the others, a table sums them up, and the exit code is 1 if any needs attention.

    With --strategy ID (or --strategies A,B / all), the run trades strategies' slices (docs/strategies.md).
    """
    if strategy or strategies:
        named = [*(strategy or []), *([strategies] if strategies else [])]
        guarded(lambda: _rebalance_strategies(account, named, execute=execute, force=force, as_json=as_json,
                                              choice=broker_choice(broker, env, base_url),
                                              others=(accounts, model, deposit, withdraw)))
        return

    def run() -> None:
        import asyncio

        from trimtab.application.cash_flow_options import cash_flow_option
        from trimtab.entrypoints.cli.progress import progress_line

        flow = cash_flow_option(deposit, withdraw, in_cash=True)
        out = console()
        choice = broker_choice(broker, env, base_url)
        trimtab = run_facade()
        if account is None:
            if as_json:
                from trimtab.domain.errors import InvalidInput

                raise InvalidInput("--json prints one account's run: give one ACCOUNT", where="command line",
                                   field="json")
            from trimtab.application.batch import Selection
            from trimtab.entrypoints.cli.batch_view import render_run_lines
            from trimtab.entrypoints.cli.report import account_list

            selection = Selection(accounts=tuple(account_list(accounts)), model=model)
            with progress_line(out, "starting") as progress:
                lines = asyncio.run(trimtab.rebalance_many(selection, execute=execute, force=force, choice=choice,
                                                           progress=progress))
            render_run_lines(lines, out)
            if any(line.needs_attention for line in lines):
                raise typer.Exit(EXIT_RUN_UNFINISHED)
            return
        if accounts is not None or model is not None:
            from trimtab.domain.errors import InvalidInput

            raise InvalidInput("give one ACCOUNT, or --accounts / --model, not both", where="command line",
                               field="accounts")
        from trimtab.entrypoints.cli.run_view import render_run

        previews = None
        with progress_line(out, "planning") as progress:
            if execute:
                record = asyncio.run(trimtab.rebalance(account, execute=True, force=force, choice=choice,
                                                       progress=progress, cash_flow=flow))
            else:
                dry = asyncio.run(trimtab.dry_run(account, force=force, choice=choice, progress=progress,
                                                  cash_flow=flow))
                record, previews = dry.record, dry.previews
        if as_json:
            from trimtab.application.order_preview import previews_document
            from trimtab.entrypoints.cli.run_view import run_document

            print_json(run_document(record, trimtab.fills(record.run_id)) | {
                "previews": previews_document(previews)})
        else:
            render_run(record, trimtab.fills(record.run_id), out)
            if previews is not None:
                from trimtab.entrypoints.cli.preview_view import render_previews

                render_previews(previews, out)
        exit_if_unfinished(record.status.value)

    guarded(run)


def _rebalance_strategies(account: str | None, named: list[str], *, execute: bool, force: bool, as_json: bool,
                          choice: BrokerChoice, others: tuple[str | None, ...]) -> None:
    """One run of strategies' slices of one account."""
    import asyncio

    from trimtab.domain.errors import InvalidInput
    from trimtab.entrypoints.cli.progress import progress_line
    from trimtab.entrypoints.cli.run_view import render_run, run_document

    if account is None or any(value is not None for value in others):
        raise InvalidInput("--strategy / --strategies rebalance one ACCOUNT's slices; give one ACCOUNT and no "
                           "--accounts, --model, --deposit or --withdraw", where="command line", field="strategy")
    out = console()
    trimtab = run_facade()
    with progress_line(out, "planning") as progress:
        record = asyncio.run(trimtab.rebalance_strategies(account, named, execute=execute, force=force,
                                                          choice=choice, progress=progress))
    if as_json:
        print_json(run_document(record, trimtab.fills(record.run_id)))
    else:
        render_run(record, trimtab.fills(record.run_id), out)
    exit_if_unfinished(record.status.value)


@runs_app.command("list", cls=Command)
def list_runs(account: Annotated[str | None, typer.Option(metavar="ACCOUNT", help="Only this account.")] = None,
              limit: Annotated[int, typer.Option(metavar="N", help="How many.", min=1,
                                                 max=10_000)] = 20,
              as_json: JsonOption = False) -> None:
    """List recent runs, newest first."""
    def run() -> None:
        runs = facade().runs(account, limit)
        if as_json:
            from trimtab.application.listings import runs_document

            print_json(runs_document(runs))
        else:
            from trimtab.entrypoints.cli.run_view import render_runs

            render_runs(runs, console())

    guarded(run)


RunArgument = Annotated[str, typer.Argument(metavar="RUN", help="A run id, or a unique prefix of it (4+).")]


@runs_app.command("show", cls=Command)
def show_run(run_id: RunArgument,
             as_json: Annotated[bool, typer.Option("--json", help="Print the run as JSON.")] = False) -> None:
    """Show a run: plan, orders, fills, costs, weights before and after."""

    def run() -> None:
        from trimtab.entrypoints.cli.run_view import render_run, run_document

        trimtab = facade()
        record = trimtab.run(run_id)
        fills = trimtab.fills(record.run_id)
        if as_json:
            import json
            import sys

            sys.stdout.write(json.dumps(run_document(record, fills), ensure_ascii=False, indent=2) + "\n")
        else:
            render_run(record, fills, console())

    guarded(run)


@runs_app.command("resume", cls=Command)
def resume_run(run_id: RunArgument, broker: BrokerOption = None, env: EnvOption = None,
               base_url: BaseUrlOption = None) -> None:
    """Resume a run that was interrupted or needs attention."""

    def run() -> None:
        import asyncio

        from trimtab.entrypoints.cli.progress import progress_line
        from trimtab.entrypoints.cli.run_view import render_run

        out = console()
        choice = broker_choice(broker, env, base_url)
        trimtab = run_facade()
        with progress_line(out, "resuming") as progress:
            record = asyncio.run(trimtab.resume(run_id, choice=choice, progress=progress))
        render_run(record, trimtab.fills(record.run_id), out)
        exit_if_unfinished(record.status.value)

    guarded(run)


@runs_app.command("enqueue", cls=Command)
def enqueue_runs(
    accounts: Annotated[list[str], typer.Argument(metavar="ACCOUNT...", help="trimtab's ids of the accounts.")],
    execute: Annotated[bool, typer.Option("--execute", help="Send orders (default: plan and check only).")] = False,
    as_json: JsonOption = False,
) -> None:
    """Put one run per account on the task queue, for `trimtab worker` processes to drive.

    Each run's id is chosen and stored now, before its task is sent: a task delivered twice drives the same
    run, resumed where it stopped. Needs TRIMTAB_QUEUE_URL (docs/scale.md).
    """

    def run() -> None:
        queued = facade().enqueue_runs(accounts, execute)
        if as_json:
            print_json([{"run_id": item.run_id, "account_id": item.account_id, "execute": item.execute}
                        for item in queued])
            return
        out = console()
        for item in queued:
            out.print(f"{item.run_id}  {item.account_id}", markup=False, highlight=False)
        out.print(f"{len(queued)} run(s) enqueued{' (orders will be sent)' if execute else ' (dry runs)'}",
                  markup=False, highlight=False)

    guarded(run)

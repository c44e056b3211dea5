"""Commands over the database and the paper broker: init, accounts, models, assign, bands, rebalance, runs."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from trimtab.entrypoints.cli.guard import EXIT_RUN_UNFINISHED, guarded, minimum_trade, percent, print_notices
from trimtab.entrypoints.cli.run_view import render_run, render_runs

if TYPE_CHECKING:
    from trimtab.services import BrokerChoice, Services

BrokerOption = Annotated[str | None, typer.Option("--broker", help="paper or kis (default: the account's broker).")]
EnvOption = Annotated[str | None, typer.Option("--env", help="KIS environment: virtual or real "
                                                              "(default TRIMTAB_KIS_ENV, else virtual).")]
BaseUrlOption = Annotated[str | None, typer.Option("--base-url", help="A KIS-compatible REST base URL "
                                                                      "(default: KIS's own host).")]


def exit_if_unfinished(status: str) -> None:
    """Exit 1 after showing a run that failed or needs attention (0 for completed, skipped, dry run)."""
    if status in ("failed", "needs_attention"):
        raise typer.Exit(EXIT_RUN_UNFINISHED)


def broker_choice(broker: str | None, env: str | None, base_url: str | None) -> BrokerChoice:
    """The broker named on the command line, checked."""
    from trimtab.domain.errors import InvalidInput
    from trimtab.services import BrokerChoice

    if env is not None and env not in ("virtual", "real"):
        raise InvalidInput("choose virtual or real", where="command line", field="env", value=env)
    if env == "real":
        return BrokerChoice(broker=broker, environment="real", base_url=base_url)
    if env == "virtual":
        return BrokerChoice(broker=broker, environment="virtual", base_url=base_url)
    return BrokerChoice(broker=broker, environment=None, base_url=base_url)


def open_services() -> Services:
    """Open the database and build the services (imported here: `trimtab plan` needs none of it)."""
    from trimtab.services import open_services as open_them

    services = open_them()
    print_notices(services.settings.notices)
    return services


models_app = typer.Typer(help="Model portfolios in the database.", no_args_is_help=True)
bands_app = typer.Typer(help="Drift bands and planning settings per account.", no_args_is_help=True)
runs_app = typer.Typer(help="Rebalance runs: history, details, resume.", no_args_is_help=True)


def _console() -> Console:
    return Console(highlight=False) if sys.stdout.isatty() else Console(highlight=False, width=160)


def init() -> None:
    """Create the database and the demo: models, paper accounts and their prices."""

    def run(services: Services) -> None:
        created = services.init_demo()
        console = _console()
        console.print(f"database ready: {services.engine.url.render_as_string(hide_password=True)}")
        console.print(f"demo accounts created: {', '.join(created) or 'none (already there)'}")
        _print_accounts(services, console)

    guarded(lambda: run(open_services()))


accounts_app = typer.Typer(help="Broker accounts: list them, add one.", invoke_without_command=True)


@accounts_app.callback()
def accounts(context: typer.Context) -> None:
    """List accounts with their model and any active run."""
    if context.invoked_subcommand is None:
        guarded(lambda: _print_accounts(open_services(), _console()))


@accounts_app.command("add")
def add_account(
    account: Annotated[str, typer.Argument(help="trimtab's id of the account (not the broker's account number).")],
    currency: Annotated[str, typer.Option(help="Base currency, e.g. KRW.")] = "KRW",
    broker: Annotated[str, typer.Option(help="paper or kis.")] = "paper",
    name: Annotated[str, typer.Option(help="A display name.")] = "",
) -> None:
    """Register an account. KIS credentials stay in settings or their 0600 file, never in the database."""

    def run() -> None:
        from trimtab.domain.errors import InvalidInput
        from trimtab.services import BROKERS

        if broker not in BROKERS:
            raise InvalidInput(f"choose one of {', '.join(BROKERS)}", where="command line", field="broker",
                               value=broker)
        services = open_services()
        services.accounts.add(account, name=name or account, currency=currency, broker=broker)
        _console().print(f"account {account} added ({currency}, broker {broker})")

    guarded(run)


def _print_accounts(services: Services, console: Console) -> None:
    for account in services.accounts.list():
        assignment = services.accounts.assignment(account.account_id)
        model = assignment.model_name if assignment else "-"
        active = services.runs.active_run(account.account_id) or "-"
        console.print(f"{account.account_id:<12} {account.currency:<4} {account.broker:<6} model {model:<14} "
                      f"active run {active}")


@models_app.command("import")
def import_models(path: Annotated[Path, typer.Argument(help="Model file (YAML or MP_Master CSV).")]) -> None:
    """Import every model of a file; changed models get a new version."""

    def run() -> None:
        for name, version in open_services().import_models(path):
            _console().print(f"{name}: version {version}")

    guarded(run)


@models_app.command("list")
def list_models() -> None:
    """List stored models and their versions."""

    def run() -> None:
        for info in open_services().models.list():
            _console().print(f"{info.name:<16} v{info.version:<4} {info.description}")

    guarded(run)


def assign(account: str, model: str,
           version: Annotated[str | None, typer.Option(help="Pin a version (default: latest).")] = None) -> None:
    """Assign a model portfolio to an account."""

    def run() -> None:
        services = open_services()
        services.models.get(model, version)  # refuse unknown models and versions
        services.accounts.assign_model(account, model, version=version)
        _console().print(f"{account} follows {model}" + (f" v{version}" if version else " (latest version)"))

    guarded(run)


@bands_app.command("set")
def set_bands(
    account: str,
    class_band: Annotated[str | None, typer.Option(help="Percentage points.")] = None,
    ticker_band: Annotated[str | None, typer.Option(help="Percentage points.")] = None,
    relative_band: Annotated[str | None, typer.Option(help="Percent of target; 'none' to clear.")] = None,
    cash_buffer: Annotated[str | None, typer.Option(help="Percent of equity.")] = None,
    min_trade: Annotated[str | None, typer.Option(help="Account currency.")] = None,
    ticks: Annotated[int | None, typer.Option(help="Limit offset in ticks.")] = None,
) -> None:
    """Change an account's bands and planning settings (unnamed ones keep their value)."""

    def run() -> None:
        services = open_services()
        config = services.config.get(account)
        changes: dict[str, object] = {}
        for field, text in (("class_band", class_band), ("ticker_band", ticker_band), ("cash_buffer", cash_buffer)):
            if text is not None:
                changes[field] = percent(text, field.replace("_", "-"))
        if relative_band is not None:
            changes["relative_band"] = None if relative_band == "none" else percent(relative_band, "relative-band")
        if min_trade is not None:
            changes["minimum_trade_value"] = minimum_trade(min_trade)
        if ticks is not None:
            changes["price_ticks"] = ticks
        services.config.set(account, replace(config, **changes))  # type: ignore[arg-type]
        _show_bands(services, account)

    guarded(run)


@bands_app.command("show")
def show_bands(account: str) -> None:
    """Show an account's bands and planning settings."""
    guarded(lambda: _show_bands(open_services(), account))


def _show_bands(services: Services, account: str) -> None:
    config = services.config.get(account)
    relative = "none" if config.relative_band is None else f"{config.relative_band * 100}%"
    _console().print(f"{account}: class band {config.class_band * 100} pp, ticker band {config.ticker_band * 100} pp, "
                     f"relative band {relative}, cash buffer {config.cash_buffer * 100}%, "
                     f"minimum trade {config.minimum_trade_value}, limit offset {config.price_ticks} tick(s)")


def rebalance(
    account: str,
    execute: Annotated[bool, typer.Option("--execute", help="Send orders (default: plan and check only).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Trade even when no band is breached.")] = False,
    broker: BrokerOption = None,
    env: EnvOption = None,
    base_url: BaseUrlOption = None,
) -> None:
    """Rebalance an account on its broker: plan, sell, wait for fills, re-plan and send the buys."""

    def run() -> None:
        console = _console()
        choice = broker_choice(broker, env, base_url)
        services = open_services()
        with console.status("planning") as status:
            record = asyncio.run(services.rebalance(account, execute=execute, force=force, choice=choice,
                                                    progress=lambda message: status.update(message)))
        render_run(record, services.runs.list_fills(record.run_id), console)
        exit_if_unfinished(record.status.value)

    guarded(run)


@runs_app.command("list")
def list_runs(account: Annotated[str | None, typer.Option(help="Only this account.")] = None,
              limit: Annotated[int, typer.Option(help="How many.", min=1, max=10_000)] = 20) -> None:
    """List recent runs."""
    guarded(lambda: render_runs(open_services().runs.list(account, limit), _console()))


@runs_app.command("show")
def show_run(run_id: str) -> None:
    """Show a run: plan, orders, fills, costs, weights before and after."""

    def run() -> None:
        services = open_services()
        render_run(services.runs.get(run_id), services.runs.list_fills(run_id), _console())

    guarded(run)


@runs_app.command("resume")
def resume_run(run_id: str, broker: BrokerOption = None, env: EnvOption = None,
               base_url: BaseUrlOption = None) -> None:
    """Resume a run that was interrupted or needs attention."""

    def run() -> None:
        console = _console()
        choice = broker_choice(broker, env, base_url)
        services = open_services()
        with console.status("resuming") as status:
            record = asyncio.run(services.resume(run_id, choice=choice,
                                                 progress=lambda message: status.update(message)))
        render_run(record, services.runs.list_fills(run_id), console)
        exit_if_unfinished(record.status.value)

    guarded(run)

"""Commands: init, accounts (list, add, remove)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from trimtab.entrypoints.cli.common import console, facade
from trimtab.entrypoints.cli.guard import guarded

if TYPE_CHECKING:
    from rich.console import Console

    from trimtab.application.facade import Trimtab

accounts_app = typer.Typer(
    help="Broker accounts: list them, add or remove one.", invoke_without_command=True, rich_markup_mode=None)


def init(demo: Annotated[bool, typer.Option("--demo", help="Also add the demo models and paper accounts.")] = False,
         ) -> None:
    """Create the database (migrated to the latest schema); with --demo, the demo models and paper accounts."""

    def run() -> None:
        trimtab = facade()
        created = trimtab.init(demo=demo)
        out = console()
        out.print(f"database ready: {trimtab.storage.location}")
        if demo:
            out.print(f"demo accounts created: {', '.join(created) or 'none (already there)'}")
        print_accounts(trimtab, out)

    guarded(run)


@accounts_app.callback()
def accounts(context: typer.Context) -> None:
    """List accounts with their model and any active run."""
    if context.invoked_subcommand is None:
        guarded(lambda: print_accounts(facade(), console()))


@accounts_app.command("add")
def add_account(
    account: Annotated[str, typer.Argument(help="trimtab's id of the account (not the broker's account number).")],
    currency: Annotated[str, typer.Option(help="Base currency, e.g. KRW.")] = "KRW",
    broker: Annotated[str, typer.Option(help="paper or kis.")] = "paper",
    name: Annotated[str, typer.Option(help="A display name.")] = "",
) -> None:
    """Register an account. KIS credentials stay in settings or their 0600 file, never in the database."""

    def run() -> None:
        facade().add_account(account, name=name, currency=currency, broker=broker)
        console().print(f"account {account} added ({currency}, broker {broker})")

    guarded(run)


@accounts_app.command("remove")
def remove_account(account: Annotated[str, typer.Argument(help="The account to forget.")]) -> None:
    """Forget an account, its model assignment and settings (a paper account's holdings too); runs stay."""

    def run() -> None:
        facade().remove_account(account)
        console().print(f"account {account} removed")

    guarded(run)


def print_accounts(trimtab: Trimtab, out: Console) -> None:
    """One line per account: currency, broker, model (and pinned version), active run."""
    for overview in trimtab.accounts():
        account, assignment = overview.account, overview.assignment
        model = "-" if assignment is None else assignment.model_name
        if assignment is not None and assignment.pinned_version is not None:
            model += f" v{assignment.pinned_version}"
        out.print(f"{account.account_id:<12} {account.currency:<4} {account.broker:<6} model {model:<14} "
                  f"active run {overview.active_run or '-'}")

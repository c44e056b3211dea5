"""Commands: init, accounts (list, add, remove)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from trimtab.entrypoints.cli.common import (
    AccountArgument,
    Command,
    JsonOption,
    account_queries,
    console,
    facade,
    print_json,
)
from trimtab.entrypoints.cli.guard import COMMAND_LINE, guarded

if TYPE_CHECKING:
    from decimal import Decimal

    from rich.console import Console

    from trimtab.application.facade import Trimtab
    from trimtab.application.records import AccountOverview

accounts_app = typer.Typer(
    help="Broker accounts: list them, add or remove one.", invoke_without_command=True, rich_markup_mode=None)


def init(demo: Annotated[bool, typer.Option("--demo", help="Also add the demo models and paper accounts.")] = False,
         crypto: Annotated[bool, typer.Option("--crypto", help=(
             "With --demo, also the paper crypto account DEMO-CRYPTO (spot and futures wallets, USDT)."))] = False,
         ) -> None:
    """Create the database (migrated to the latest schema); with --demo, the demo models and paper accounts."""

    def run() -> None:
        trimtab = facade()
        created = trimtab.init(demo=demo, crypto=crypto)
        out = console()
        out.print(f"database ready: {trimtab.storage.location}")
        if demo:
            out.print(f"demo accounts created: {', '.join(created) or 'none (already there)'}")
        print_accounts(trimtab.accounts(), out)

    guarded(run)


@accounts_app.callback()
def accounts(context: typer.Context, as_json: JsonOption = False) -> None:
    """List accounts with their model and any active run (what `accounts list` does)."""
    if context.invoked_subcommand is None:
        list_accounts(as_json)


@accounts_app.command("list", cls=Command)
def list_accounts(as_json: JsonOption = False) -> None:
    """List accounts with their model and any active run."""

    def run() -> None:
        overviews = account_queries().account_overviews()
        if as_json:
            from trimtab.application.listings import accounts_document

            print_json(accounts_document(overviews))
        else:
            print_accounts(overviews, console())

    guarded(run)


CashOption = Annotated[str | None, typer.Option("--cash", metavar="AMOUNT", help="Cash, in the account's currency.")]
FuturesCashOption = Annotated[str | None, typer.Option("--futures-cash", metavar="AMOUNT", help=(
    "A paper crypto account's futures wallet (USDT-margined perpetuals such as BTC/USDT:USDT)."))]
HoldingsOption = Annotated[Path | None, typer.Option("--holdings", metavar="FILE", help=(
    "A snapshot file (JSON or YAML) whose holdings, and cash unless --cash is given, fund the account."))]


@accounts_app.command("add", cls=Command)
def add_account(
    account: Annotated[str, typer.Argument(metavar="ACCOUNT", help=(
        "trimtab's id of the account (not the broker's account number)."))],
    currency: Annotated[str, typer.Option(metavar="CODE", help="Base currency, e.g. KRW.")] = "KRW",
    broker: Annotated[str, typer.Option(metavar="NAME", help="paper, kis, ibkr or crypto.")] = "paper",
    name: Annotated[str, typer.Option(metavar="TEXT", help="A display name.")] = "",
    cash: CashOption = None,
    holdings: HoldingsOption = None,
    futures_cash: FuturesCashOption = None,
) -> None:
    """Register an account; a paper account is opened too (with --cash/--holdings, funded).

    KIS credentials stay in settings or their 0600 file, never in the database.
    """

    def run() -> None:
        trimtab = facade()
        if broker.strip().lower() != "paper" and (cash, holdings, futures_cash) != (None, None, None):
            from trimtab.domain.errors import InvalidInput

            raise InvalidInput("--cash, --holdings and --futures-cash fund a paper account only",
                               where=COMMAND_LINE, field="broker", value=broker)
        added = trimtab.add_account(account, name=name, currency=currency, broker=broker)
        message = f"account {account} added ({currency}, broker {broker})"
        if broker.strip().lower() == "paper":
            amount, positions = _funding(trimtab, cash, holdings)
            futures = _futures_cash(futures_cash)
            trimtab.open_paper(account, amount, positions, futures_cash=futures)
            message += f", cash {_money(amount, added.currency)}"
            message += f", futures wallet {_money(futures, added.currency)}" if futures else ""
            message += f", {len(positions)} holdings" if positions else ""
        console().print(message)

    guarded(run)


@accounts_app.command("fund", cls=Command)
def fund_account(account: AccountArgument, cash: CashOption = None, holdings: HoldingsOption = None,
                 futures_cash: FuturesCashOption = None) -> None:
    """Set a paper account's cash and holdings (replacing what it holds), e.g. from a snapshot file."""

    def run() -> None:
        trimtab = facade()
        amount, positions = _funding(trimtab, cash, holdings)
        trimtab.open_paper(account, amount, positions, reset=True, futures_cash=_futures_cash(futures_cash))
        currency = trimtab.account(account).account.currency
        console().print(f"paper account {account}: cash {_money(amount, currency)}, {len(positions)} holdings")

    guarded(run)


@accounts_app.command("deposit", cls=Command)
def deposit(account: AccountArgument,
            amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="Cash to add (negative: withdraw).")],
            ) -> None:
    """Add cash to a paper account (a negative amount withdraws it)."""

    def run() -> None:
        from trimtab.domain.numbers import parse_decimal

        value = parse_decimal(amount, where=COMMAND_LINE, field="AMOUNT")
        trimtab = facade()
        cash = trimtab.deposit(account, value)
        console().print(f"paper account {account}: cash {_money(cash, trimtab.account(account).account.currency)}")

    guarded(run)


def _money(amount: Decimal, currency: str) -> str:
    """An amount as every view shows it, with its currency (``1,842,000 KRW``)."""
    from trimtab.domain.money_format import format_money

    return f"{format_money(amount, currency)} {currency}"


def _funding(trimtab: Trimtab, cash: str | None, holdings: Path | None) -> tuple[Decimal, dict[str, Decimal]]:
    from decimal import Decimal

    from trimtab.domain.numbers import parse_decimal

    amount, positions = Decimal(0), dict[str, Decimal]()
    if holdings is not None:
        amount, positions = trimtab.paper_funding(holdings)
    if cash is not None:
        amount = parse_decimal(cash, where=COMMAND_LINE, field="cash")
    return amount, positions


def _futures_cash(text: str | None) -> Decimal:
    from decimal import Decimal

    from trimtab.domain.numbers import parse_decimal

    return Decimal(0) if text is None else parse_decimal(text, where=COMMAND_LINE, field="futures-cash")


@accounts_app.command("remove", cls=Command)
def remove_account(account: Annotated[str, typer.Argument(metavar="ACCOUNT", help="The account to forget.")],
                   ) -> None:
    """Forget an account, its model assignment and settings (a paper account's holdings too); runs stay."""

    def run() -> None:
        facade().remove_account(account)
        console().print(f"account {account} removed")

    guarded(run)


def print_accounts(overviews: list[AccountOverview], out: Console) -> None:
    """One line per account: currency, broker, model (and pinned version), active run."""
    for overview in overviews:
        account, assignment = overview.account, overview.assignment
        model = "-" if assignment is None else assignment.model_name
        if assignment is not None and assignment.pinned_version is not None:
            model += f" v{assignment.pinned_version}"
        out.print(f"{account.account_id:<12} {account.currency:<4} {account.broker:<6} model {model:<14} "
                  f"active run {overview.active_run or '-'}")

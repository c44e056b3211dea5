"""Commands: ibkr test-connection (is TWS / IB Gateway there, and which accounts does its login trade)."""

from __future__ import annotations

from typing import Annotated

import typer

from trimtab.entrypoints.cli.common import Command, JsonOption, console, facade, print_json
from trimtab.entrypoints.cli.guard import guarded

ibkr_app = typer.Typer(help="Interactive Brokers: check the TWS / IB Gateway connection.", no_args_is_help=True,
                       rich_markup_mode=None, add_completion=False)

AddressOption = Annotated[str | None, typer.Option(
    "--base-url", metavar="ADDRESS",
    help="PORT or HOST:PORT of TWS / IB Gateway (default TRIMTAB_IBKR_HOST/PORT, else ports 4001, 4002, 7497, "
         "7496 in turn).")]


@ibkr_app.command("test-connection", cls=Command)
def connection_check(base_url: AddressOption = None, as_json: JsonOption = False) -> None:
    """Connect (read-only), show the address that answered, the API server version and the accounts."""

    def run() -> None:
        import asyncio

        from trimtab.application.brokers import BrokerChoice

        check = asyncio.run(facade().check_connection("ibkr", BrokerChoice(broker="ibkr", base_url=base_url)))
        if as_json:
            print_json({"broker": check.broker, "address": check.address, "server_version": check.server_version,
                        "accounts": [{"code": a.code, "paper": a.paper} for a in check.accounts]})
            return
        out = console()
        out.print(f"IBKR answered at {check.address} (API server version {check.server_version})")
        for account in check.accounts:
            out.print(f"  {account.code}  {'paper' if account.paper else 'LIVE'}")
        if not check.accounts:
            out.print("  this login manages no account")

    guarded(run)

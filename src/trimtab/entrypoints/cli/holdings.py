"""Command: holdings (what the broker reports for an account now)."""

from __future__ import annotations

from typing import Annotated

import typer

from trimtab.entrypoints.cli.common import (
    AccountArgument,
    BaseUrlOption,
    BrokerOption,
    EnvOption,
    broker_choice,
    console,
    facade,
)
from trimtab.entrypoints.cli.guard import guarded


def holdings(
    account: AccountArgument,
    as_json: Annotated[bool, typer.Option("--json", help="Print a machine-readable snapshot.")] = False,
    broker: BrokerOption = None,
    env: EnvOption = None,
    base_url: BaseUrlOption = None,
) -> None:
    """Show what the broker reports for an account now: holdings, orderable quantities, prices and cash."""

    def run() -> None:
        import asyncio

        from trimtab.entrypoints.cli.holdings_view import render_holdings, snapshot_document
        from trimtab.entrypoints.cli.progress import progress_line

        trimtab = facade()
        with progress_line(console(), "reading the account") as progress:
            snapshot = asyncio.run(trimtab.holdings(account, broker_choice(broker, env, base_url), progress))
        if as_json:
            import json
            import sys

            sys.stdout.write(json.dumps(snapshot_document(snapshot), ensure_ascii=False, indent=2) + "\n")
        else:
            from trimtab.application.brokers import SIMULATED_CLOCK_BROKERS

            simulated = trimtab.account(account).account.broker in SIMULATED_CLOCK_BROKERS
            render_holdings(snapshot, console(), simulated=simulated)

    guarded(run)

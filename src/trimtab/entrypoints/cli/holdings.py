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
    cached: Annotated[bool, typer.Option("--cached", help=(
        "Show the account's last snapshot kept in the market-data cache; the broker is not contacted."))] = False,
) -> None:
    """Show what the broker reports for an account now: holdings, orderable quantities, prices and cash."""

    def run() -> None:
        import asyncio

        from trimtab.entrypoints.cli.holdings_view import render_holdings, snapshot_document
        from trimtab.entrypoints.cli.progress import progress_line

        trimtab = facade()
        with progress_line(console(), "reading the account") as progress:
            reading = asyncio.run(trimtab.holdings_reading(account, cached=cached, progress=progress,
                                                           choice=broker_choice(broker, env, base_url)))
        snapshot = reading.snapshot
        age = trimtab.describe_age(reading)
        if as_json:
            import json
            import sys

            document = {**snapshot_document(snapshot), "read_at": reading.read_at.isoformat(),
                        "cached": reading.cached, "prices_age": age}
            sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        else:
            from trimtab.application.brokers import SIMULATED_CLOCK_BROKERS

            simulated = trimtab.account(account).account.broker in SIMULATED_CLOCK_BROKERS
            render_holdings(snapshot, console(), simulated=simulated)
            console().print(age.capitalize())

    guarded(run)

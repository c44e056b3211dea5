"""Commands: securities (import, list, lookup): the security master that resolves ISIN-only model lines."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from trimtab.entrypoints.cli.common import Command, JsonOption, console, facade, print_json
from trimtab.entrypoints.cli.guard import guarded

if TYPE_CHECKING:
    from trimtab.domain.securities import Security

securities_app = typer.Typer(help="The security master: ISIN to symbol, contract id, exchange, currency, tick.",
                             no_args_is_help=True, rich_markup_mode=None, add_completion=False)


@securities_app.command("import", cls=Command)
def import_securities(path: Annotated[Path, typer.Argument(metavar="FILE", help=(
        "CSV (header isin,symbol,currency[,exchange,con_id,min_tick,name]) or YAML (a list under "
        "securities)."))]) -> None:
    """Store every security of a file; a known ISIN is replaced."""

    def run() -> None:
        securities = facade().import_securities(path)
        out = console()
        for security in securities:
            out.print(_line(security))
        out.print(f"{len(securities)} securit{'y' if len(securities) == 1 else 'ies'} stored")

    guarded(run)


@securities_app.command("list", cls=Command)
def list_securities(as_json: JsonOption = False) -> None:
    """List the security master, and the stored models' ISINs it does not know yet."""

    def run() -> None:
        trimtab = facade()
        securities = trimtab.securities()
        unresolved = trimtab.unresolved_isins()
        if as_json:
            print_json({"securities": [_document(security) for security in securities], "unresolved": unresolved})
            return
        out = console()
        for security in securities:
            out.print(_line(security))
        if not securities:
            out.print("the security master is empty")
        if unresolved:
            out.print(f"not resolved yet (used by models): {', '.join(unresolved)}")

    guarded(run)


@securities_app.command("lookup", cls=Command)
def look_up(isins: Annotated[list[str] | None, typer.Argument(metavar="ISIN...", help=(
        "ISINs to look up (default: every ISIN of the stored models not resolved yet)."))] = None,
            broker: Annotated[str, typer.Option("--broker", metavar="NAME", help="The broker to ask.")] = "ibkr",
            base_url: Annotated[str | None, typer.Option("--base-url", metavar="ADDRESS", help=(
                "PORT or HOST:PORT of TWS / IB Gateway (default: the settings, else port discovery)."))] = None,
            ) -> None:
    """Ask the broker (IBKR contract details) to describe ISINs and store what it knows."""

    def run() -> None:
        import asyncio

        from trimtab.application.brokers import BrokerChoice

        choice = BrokerChoice(broker=broker, base_url=base_url)
        result = asyncio.run(facade().look_up_securities(isins or [], broker=broker, choice=choice))
        out = console()
        for security in result.found:
            out.print(_line(security))
        if not result.found and not result.missing:
            out.print("every ISIN of the stored models is resolved")
        if result.missing:
            them = "it" if len(result.missing) == 1 else "them"
            out.print(f"{broker} does not know {', '.join(result.missing)}; add {them} with "
                      "`trimtab securities import FILE`")
            raise typer.Exit(2)

    guarded(run)


def _line(security: Security) -> str:
    con_id = f"conid {security.con_id}" if security.con_id else "no conid"
    tick = f"tick {security.min_tick}" if security.min_tick is not None else "no tick"
    return (f"{security.isin}  {security.symbol:<8} {security.currency} {security.exchange:<6} {con_id:<16} "
            f"{tick:<12} {security.source}")


def _document(security: Security) -> dict[str, object]:
    return {"isin": security.isin, "symbol": security.symbol, "currency": security.currency,
            "exchange": security.exchange, "con_id": security.con_id,
            "min_tick": None if security.min_tick is None else str(security.min_tick), "name": security.name,
            "source": security.source,
            "updated_at": None if security.updated_at is None else security.updated_at.isoformat()}

"""Commands: report positions (every account's positions in one base currency: Excel, CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from trimtab.entrypoints.cli.common import Command, console, facade
from trimtab.entrypoints.cli.guard import COMMAND_LINE, guarded

if TYPE_CHECKING:
    from rich.console import Console

    from trimtab.domain.positions_report import PositionsReport

report_app = typer.Typer(help="Reports over many accounts: positions in a base currency (Excel, CSV).",
                         no_args_is_help=True, rich_markup_mode=None)

AccountsOption = Annotated[str | None, typer.Option("--accounts", metavar="A,B", help=(
    "Accounts to include, comma-separated (default: every account)."))]


def account_list(text: str | None) -> list[str]:
    """The accounts of an --accounts option: comma-separated ids, blanks dropped."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


@report_app.command("positions", cls=Command)
def positions(
    accounts: AccountsOption = None,
    base: Annotated[str | None, typer.Option("--base", metavar="CCY", help=(
        "The report's currency, e.g. SGD (default: the accounts' currency when they share one)."))] = None,
    rates: Annotated[Path | None, typer.Option("--rates", metavar="FILE", help=(
        "FX rates with source and time (YAML or CSV; docs/reports.md)."))] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", metavar="FILE", help=(
        "Write the Excel workbook: Summary, Matrix (shares), Amt_Matrix (base currency), Notes."))] = None,
    csv: Annotated[Path | None, typer.Option("--csv", metavar="FILE", help=(
        "Write one CSV row per position and per account's cash, with base-currency values."))] = None,
    cached: Annotated[bool, typer.Option("--cached", help=(
        "Use each account's last snapshot kept in the market-data cache; no broker is contacted."))] = False,
) -> None:
    """Report every account's positions in one base currency: Excel (--xlsx) and/or CSV (--csv)."""

    def run() -> None:
        import asyncio

        from trimtab.domain.errors import InvalidInput
        from trimtab.domain.positions_report import price_age_lines
        from trimtab.entrypoints.cli.progress import progress_line

        if xlsx is None and csv is None:
            raise InvalidInput("give --xlsx FILE or --csv FILE (or both)", where=COMMAND_LINE, field="output")
        trimtab = facade()
        out = console()
        with progress_line(out, "reading the accounts") as progress:
            report = asyncio.run(trimtab.positions_report(account_list(accounts), base=base, rates=rates, xlsx=xlsx,
                                                          csv=csv, progress=progress, cached=cached))
        render_summary(report, out)
        for line in price_age_lines(report, trimtab.price_policy.zone):
            out.print(line)
        for path in (xlsx, csv):
            if path is not None:
                out.print(f"written: {path}")

    guarded(run)


def render_summary(report: PositionsReport, out: Console) -> None:
    """The Summary sheet as a table, then what the figures rest on."""
    from rich.table import Table

    from trimtab.domain.money_format import format_money
    from trimtab.domain.numbers import format_percent
    from trimtab.domain.positions_report import freshness_lines

    base = report.base_currency
    table = Table(title=f"Positions in {base}")
    for title in ("account", "currency", f"total {base}", f"invested {base}", f"cash {base}", "invested", "cash"):
        table.add_column(title, justify="left" if title in ("account", "currency") else "right")
    for account in report.accounts:
        table.add_row(account.account_id, account.currency, format_money(account.total, base),
                      format_money(account.invested, base), format_money(account.cash, base),
                      format_percent(account.invested_fraction), format_percent(account.cash_fraction))
    table.add_row("Total", "", format_money(report.total, base), format_money(report.invested, base),
                  format_money(report.cash, base), format_percent(report.invested_fraction),
                  format_percent(report.cash_fraction), style="bold")
    out.print(table)
    for line in freshness_lines(report):
        out.print(line)

"""The trimtab command line: a thin shell over the application facade (trimtab.bootstrap.build).

Every module a command needs beyond typer is imported inside the command, so `trimtab --help` loads typer
and nothing else of weight, and each command pays only for what it uses (benchmarks/cli_bench.py).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from trimtab.entrypoints.cli import accounts, bands, holdings, models, plan, runs
from trimtab.entrypoints.cli.common import Command
from trimtab.entrypoints.cli.guard import report

app = typer.Typer(
    rich_markup_mode=None, name="trimtab", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Keep investment accounts on their model portfolios.",
)


def _print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import version

        typer.echo(f"trimtab {version('trimtab')}")
        raise typer.Exit


@app.callback()
def main(
    _version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                           help="Print trimtab's version and exit.")] = False,
) -> None:
    """Keep investment accounts on their model portfolios."""


app.command(cls=Command)(plan.plan)
app.command(cls=Command)(accounts.init)
app.command(cls=Command)(models.assign)
app.command(cls=Command)(models.unassign)
app.command(cls=Command)(runs.rebalance)
app.command(cls=Command)(holdings.holdings)
app.add_typer(accounts.accounts_app, name="accounts")
app.add_typer(models.models_app, name="models")
app.add_typer(bands.bands_app, name="bands")
app.add_typer(runs.runs_app, name="runs")


def run() -> None:
    """Console-script entry point: whatever escapes a command still ends as one line and an exit code."""
    try:
        app()
    except (Exception, KeyboardInterrupt) as error:
        sys.exit(report(error))

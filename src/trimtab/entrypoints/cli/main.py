"""The trimtab command line: a thin shell over the application facade (trimtab.bootstrap.build).

A command's module is imported, and its typer command built, only when that command runs (or its own help is
asked for): `trimtab --help` lists the commands from the table below and loads typer and nothing else, and each
command pays only for what it uses (benchmarks/cli_bench.py). tests/unit/test_cli_commands.py keeps the table's
one-line helps equal to the commands' own.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING, Annotated, NamedTuple

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from typer._click import Command, Context, HelpFormatter

from trimtab.entrypoints.cli.guard import report
from trimtab.entrypoints.cli.launch import started

# One command plans one account: element-wise numpy, no matrix products. OpenBLAS would start a thread per core when
# numpy loads (half of numpy's import CPU here); a user's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


class CommandEntry(NamedTuple):
    """Where a command lives (module of trimtab.entrypoints.cli, attribute) and its one-line help."""

    module: str
    attribute: str
    summary: str


COMMANDS: dict[str, CommandEntry] = {
    "plan": CommandEntry("plan", "plan", "Plan rebalances (nothing is sent): one account from files, or many "
                                         "accounts in one batch."),
    "init": CommandEntry("accounts", "init", "Create the database (migrated to the latest schema); with --demo, the "
                                             "demo models and paper accounts."),
    "assign": CommandEntry("models", "assign", "Assign a model portfolio to an account."),
    "unassign": CommandEntry("models", "unassign", "Let an account follow no model."),
    "rebalance": CommandEntry("runs", "rebalance", "Rebalance an account on its broker: plan, sell, wait for fills, "
                                                   "re-plan and send the buys."),
    "holdings": CommandEntry("holdings", "holdings", "Show what the broker reports for an account now: holdings, "
                                                     "orderable quantities, prices and cash."),
    "accounts": CommandEntry("accounts", "accounts_app", "Broker accounts: list them, add or remove one."),
    "models": CommandEntry("models", "models_app", "Model portfolios in the database."),
    "bands": CommandEntry("bands", "bands_app", "Drift bands and planning settings per account."),
    "runs": CommandEntry("runs", "runs_app", "Rebalance runs: history, details, resume, enqueue."),
    "worker": CommandEntry("worker", "worker", "Start a worker: drive the runs put on the task queue "
                                               "(TRIMTAB_QUEUE_URL) until stopped."),
    "securities": CommandEntry("securities", "securities_app", "The security master: ISIN to symbol, contract id, "
                                                               "exchange, currency, tick."),
    "ibkr": CommandEntry("ibkr", "ibkr_app", "Interactive Brokers: check the TWS / IB Gateway connection."),
    "report": CommandEntry("report", "report_app", "Reports over many accounts: positions in a base currency "
                                                   "(Excel, CSV)."),
    "schedules": CommandEntry("schedules", "schedules_app", "Jobs in market time: drift checks, rebalances, "
                                                            "reports on a cron schedule."),
    "notify": CommandEntry("notify", "notify_app", "Notifications: email, Slack-compatible webhooks, Telegram."),
    "basket": CommandEntry("basket", "basket", "Write a TWS basket CSV from the accounts' plans: Day 1 MOC whole "
                                               "shares, Day 2 LMT for the rest."),
    "serve": CommandEntry("serve", "serve", "Serve the HTTP API (OpenAPI at /openapi.json) and the scheduler, on "
                                            "the same operations as the command line."),
    "tokens": CommandEntry("serve", "tokens_app", "Tokens of the HTTP API: create one (shown once), list them, "
                                                  "revoke one."),
    "strategies": CommandEntry("strategies", "strategies_app", "Strategies (sleeves) sharing an account: add, list, "
                                                               "remove, their capital."),
    "ledger": CommandEntry("strategies", "ledger_app", "The per-strategy ledger: positions, reconciliation with the "
                                                       "broker, imports."),
    "performance": CommandEntry("performance", "performance_app", "Performance per strategy and account: "
                                                                  "daily equity snapshots, ROI, drawdown, "
                                                                  "volatility, Sharpe."),
    "sweep": CommandEntry("sweep", "sweep", "Sweep every account's drift from the database in chunks; with --plan, "
                                            "plan the breached ones."),
    "engines": CommandEntry("engines", "engines_app", "Engines as target sources: a model portfolio computed from "
                                                      "market data."),
}


def load_command(name: str) -> Command:
    """The click command of one table entry, built from its module (imported now)."""
    entry = COMMANDS[name]
    target = getattr(importlib.import_module(f"trimtab.entrypoints.cli.{entry.module}"), entry.attribute)
    if isinstance(target, typer.Typer):
        command: Command = typer.main.get_group(target)
    else:
        from trimtab.entrypoints.cli.common import Command as ShownByMetavar

        single = typer.Typer(rich_markup_mode=None, add_completion=False)
        single.command(name=name, cls=ShownByMetavar)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyCommands(TyperGroup):
    """The root group: commands listed from the table, each built on first use."""

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in COMMANDS:
            return None
        command = load_command(cmd_name)
        started()  # the program's start is over: the cycle collector resumes (launch.py)
        return command

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry.summary) for name, entry in COMMANDS.items()])


app = typer.Typer(
    cls=LazyCommands, rich_markup_mode=None, name="trimtab", no_args_is_help=True, add_completion=False,
    pretty_exceptions_enable=False, help="Keep investment accounts on their model portfolios.",
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


def run() -> None:
    """Console-script entry point: whatever escapes a command still ends as one line and an exit code."""
    try:
        app()
    except (Exception, KeyboardInterrupt) as error:
        sys.exit(report(error))

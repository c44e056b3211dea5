"""What the command groups share: the console, the facade, the broker options, the run exit rule."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from trimtab.entrypoints.cli.guard import COMMAND_LINE, EXIT_RUN_UNFINISHED, print_notices

if TYPE_CHECKING:
    from rich.console import Console

    from trimtab.application.brokers import BrokerChoice
    from trimtab.application.facade import Trimtab

BrokerOption = Annotated[str | None, typer.Option("--broker", help="paper or kis (default: the account's broker).")]
EnvOption = Annotated[str | None, typer.Option("--env", help="KIS environment: virtual or real "
                                                              "(default TRIMTAB_KIS_ENV, else virtual).")]
BaseUrlOption = Annotated[str | None, typer.Option("--base-url", help="A KIS-compatible REST base URL "
                                                                      "(default: KIS's own host).")]

AccountArgument = Annotated[str, typer.Argument(metavar="ACCOUNT", help="trimtab's id of the account.")]
ModelArgument = Annotated[str, typer.Argument(metavar="MODEL", help="A model's name (trimtab models list).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def print_json(document: object) -> None:
    """Print a JSON-ready document, and nothing else, on stdout."""
    import json

    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def console() -> Console:
    """A console as wide as the terminal; 160 columns when the output is a file or a pipe."""
    from rich.console import Console

    return Console(highlight=False) if sys.stdout.isatty() else Console(highlight=False, width=160)


def facade() -> Trimtab:
    """The application facade (imported here: `trimtab --help` needs none of it)."""
    from trimtab import bootstrap

    return bootstrap.build()


def run_facade() -> Trimtab:
    """The facade for a command that runs a rebalance: its settings read (and their notices shown) first."""
    trimtab = facade()
    print_notices(trimtab.run_settings.notices)
    return trimtab


def broker_choice(broker: str | None, env: str | None, base_url: str | None) -> BrokerChoice:
    """The broker named on the command line, checked."""
    from trimtab.application.brokers import BrokerChoice
    from trimtab.domain.errors import InvalidInput

    if env is not None and env not in ("virtual", "real"):
        raise InvalidInput("choose virtual or real", where=COMMAND_LINE, field="env", value=env)
    return BrokerChoice(broker=broker, environment=env, base_url=base_url)


def exit_if_unfinished(status: str) -> None:
    """Exit 1 after showing a run that failed or needs attention (0 for completed, skipped, dry run)."""
    if status in ("failed", "needs_attention"):
        raise typer.Exit(EXIT_RUN_UNFINISHED)

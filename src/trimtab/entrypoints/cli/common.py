"""What the command groups share: the console, the facade, the broker options, the run exit rule."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand

from trimtab.entrypoints.cli.guard import COMMAND_LINE, EXIT_RUN_UNFINISHED, print_notices

if TYPE_CHECKING:
    from rich.console import Console

    from trimtab.application.brokers import BrokerChoice
    from trimtab.application.facade import Trimtab
    from trimtab.application.file_plans import FilePlans
    from trimtab.application.repositories import AccountQueries
    from trimtab.entrypoints.cli.plain_text import Block

BrokerOption = Annotated[str | None, typer.Option("--broker", metavar="NAME", help=(
    "paper, kis, ibkr or crypto (default: the account's broker)."))]
EnvOption = Annotated[str | None, typer.Option("--env", metavar="ENV", help=(
    "KIS: virtual or real (default TRIMTAB_KIS_ENV, else virtual); crypto: testnet or live (TRIMTAB_CRYPTO_ENV)."))]
BaseUrlOption = Annotated[str | None, typer.Option("--base-url", metavar="URL", help=(
    "A KIS-compatible REST base URL, or a crypto exchange's (default: the broker's own host)."))]



class Command(TyperCommand):
    """A command whose arguments show as their metavar: ``ACCOUNT`` in the usage line and the argument list,
    not typer's ``{ACCOUNT}`` and ``ACCOUNT <str>`` (every command is registered with ``cls=Command``)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = _metavar(param)
                pieces.append(name if param.required else f"[{name}]")
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if isinstance(param, TyperArgument):
                arguments.append((_metavar(param), record[1]))
            else:
                options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def _metavar(argument: TyperArgument) -> str:
    return argument.metavar or (argument.name or "value").upper()


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

    from trimtab.entrypoints.cli.plain_text import PIPE_WIDTH

    return Console(highlight=False) if sys.stdout.isatty() else Console(highlight=False, width=PIPE_WIDTH)


def print_blocks(blocks: list[Block]) -> None:
    """Print lines and tables on standard output: as plain text where rich would print them without styles (a
    file or a pipe: rich is not even imported), else through rich."""
    from trimtab.entrypoints.cli.plain_text import Unsupported, plain_width, render

    width = plain_width()
    if width is not None:
        try:
            text = render(blocks, width)
        except Unsupported:
            pass
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
            return
    print_rich(blocks, console())


def print_rich(blocks: list[Block], out: Console) -> None:
    """Print lines and tables through rich (a table as rich.table.Table with a left-justified title)."""
    from rich.table import Table

    for block in blocks:
        if isinstance(block, str):
            out.print(block)
            continue
        table = Table(title=block.title, title_justify="left")
        for header, justify in block.columns:
            table.add_column(header, justify=justify)
        for row in block.rows:
            table.add_row(*row)
        out.print(table)


def facade() -> Trimtab:
    """The application facade (imported here: `trimtab --help` needs none of it)."""
    from trimtab import bootstrap

    return bootstrap.build()


def account_queries() -> AccountQueries:
    """The facade's account listing on its own: `trimtab accounts` loads none of its other operations."""
    from trimtab import bootstrap

    return bootstrap.build_account_queries()


def file_plans() -> FilePlans:
    """The facade's plans from files on their own: `trimtab plan --snapshot` loads none of its other operations."""
    from trimtab import bootstrap

    return bootstrap.build_file_plans()


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

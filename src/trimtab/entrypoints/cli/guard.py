"""The CLI's one place that maps errors to exit codes, and its shared option parsing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

import typer
from rich.console import Console

from trimtab.domain.errors import BrokerError, Busy, StorageUnavailable, TrimtabError
from trimtab.domain.numbers import HUNDRED, parse_decimal

T = TypeVar("T")
EXIT_BAD_INPUT = 2
EXIT_RUN_UNFINISHED = 1  # a run ended failed or needs attention: schedulers and scripts must notice
EXIT_ENVIRONMENT = 3  # database or broker unavailable, account or run busy with another process: try later


def exit_code_for(error: TrimtabError) -> int:
    """The documented exit code of an error: 3 for the environment, 2 for bad input."""
    if isinstance(error, StorageUnavailable | BrokerError | Busy):
        return EXIT_ENVIRONMENT
    return EXIT_BAD_INPUT


def guarded(action: Callable[[], T]) -> T:
    """Run an action; trimtab's errors become one readable line and their exit code."""
    try:
        return action()
    except TrimtabError as error:
        Console(stderr=True).print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(exit_code_for(error)) from None


def percent(text: str, field: str) -> Decimal:
    """Read a percentage option ("3", "2.5") as a fraction."""
    return parse_decimal(text, where="command line", field=field) / HUNDRED

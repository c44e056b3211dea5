"""The CLI's one place that maps errors to exit codes, and its shared option parsing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

import typer
from rich.console import Console

from trimtab.domain.errors import TrimtabError
from trimtab.domain.numbers import HUNDRED, parse_decimal

T = TypeVar("T")
EXIT_BAD_INPUT = 2
EXIT_RUN_UNFINISHED = 1  # a run ended failed or needs attention: schedulers and scripts must notice


def guarded(action: Callable[[], T]) -> T:
    """Run an action; trimtab's errors become exit code 2 and one readable line."""
    try:
        return action()
    except TrimtabError as error:
        Console(stderr=True).print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def percent(text: str, field: str) -> Decimal:
    """Read a percentage option ("3", "2.5") as a fraction."""
    return parse_decimal(text, where="command line", field=field) / HUNDRED

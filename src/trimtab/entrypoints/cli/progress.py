"""The CLI's side of the progress port: a live status line on a terminal, nothing when output is a file or pipe."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from trimtab.application.progress import Progress, no_progress

if TYPE_CHECKING:
    from rich.console import Console


@contextlib.contextmanager
def progress_line(out: Console, first: str) -> Iterator[Progress]:
    """Show `first` on a spinner line that each progress message replaces, cleared at the end.

    Not a terminal (a log file, a pipe, a scheduler): a progress that tells nobody, so output stays the report.
    """
    if not out.is_terminal:
        yield no_progress
        return
    with out.status(first) as status:
        yield lambda message: status.update(message)

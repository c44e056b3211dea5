"""The `trimtab` program (its console script, and `python -m trimtab.entrypoints.cli`): the command line, started
without the cycle collector.

Starting, trimtab imports typer and the command's module, and a plan from files imports the planner too: about
100,000 objects that all live until the process ends. The cycle collector would traverse them again and again
and find nothing (4 ms of a plan from files, 0.7x `python -c pass`; benchmarks/cli_bench.py). So it waits while
the program starts, until the command is built (main.LazyCommands), and while a short command makes objects that
live on (:func:`paused`); what was made meanwhile then goes to the oldest generation unexamined, where a full
collection still frees any cycle in it, and the collector resumes. A long command (a run, the server) runs with
the collector as usual. As the process ends, the interpreter's last collection is skipped (:func:`run`).

Standard library only, and nothing of trimtab: this module runs before anything is imported.
"""

from __future__ import annotations

import contextlib
import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

_starting = False  # True while the program's start has the collector paused


def run() -> None:
    """Run the command line, its start without the cycle collector."""
    global _starting
    if gc.isenabled():
        gc.disable()
        _starting = True
    try:
        from trimtab.entrypoints.cli.main import run as command_line

        command_line()
    finally:
        # The process ends now. The interpreter's shutdown would run the collector over every object the
        # command made and every module it imported (10 ms of a plan from files before it ended here); frozen
        # objects are left to the operating system. Objects are still released as their modules are cleared.
        gc.freeze()


def started() -> None:
    """The command is built: the collector resumes if the program's start paused it."""
    global _starting
    if _starting:
        _starting = False
        _resume()


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Run a short piece of work whose objects live on (modules imported, one plan) without the collector."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            _resume()


def _resume() -> None:
    gc.freeze()  # every tracked object to the permanent generation, the counts to 0 (no traversal) ...
    gc.unfreeze()  # ... and from there into the oldest generation, which only a full collection examines
    gc.enable()

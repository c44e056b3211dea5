"""The progress port: one line about what a long wait is waiting for, for whoever watches.

Every wait that may last over a second reports through it: a run waiting for fills or for the broker to confirm
cancels (supervise.py), a broker reading quotes one call at a time, a KIS client waiting for its token, for
another process's token, or out a busy answer. The CLI shows each message on a live status line (and nothing
when its output is not a terminal); other callers pass `no_progress`. A message is a short present-tense
phrase ("waiting for fills: 3 open, 20 filled, 45 s left"); progress never changes what a run does.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Told what a long operation is doing now; must return at once and never raise."""

    def __call__(self, message: str, /) -> None: ...


def no_progress(_message: str, /) -> None:
    """Tell nobody."""

"""Fault injection for crash tests (TRIMTAB_CRASH_AT): the process kills itself at a named point of a run."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable


def crash_checkpoint(crash_at: str | None) -> Callable[[str], None]:
    """SIGKILL this process at the n-th pass of a point: "submit:3" is the third order sent, "poll:5" the fifth
    poll, "step:selling" the first save of that step."""
    if not crash_at:
        return lambda _point: None
    point, _, nth = crash_at.rpartition(":")
    if not nth.isdigit():
        point, nth = crash_at, "1"
    wanted, seen = int(nth), [0]

    def checkpoint(passed: str) -> None:
        if passed == point:
            seen[0] += 1
            if seen[0] == wanted:
                os.kill(os.getpid(), signal.SIGKILL)

    return checkpoint

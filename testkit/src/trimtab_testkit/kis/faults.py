"""Faults the local KIS answers on demand: transient codes (EGW00201 at HTTP 200, EGW00215, SYDB0050, EGW00316,
90020000), on one path or any, on any call or only on a next page (tr_cont N) of a paged query.

A fault answers before the endpoint acts: nothing is placed, cancelled or changed (KIS refused the call).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class FakeFault:
    """An answer the fake gives instead of serving the next `count` matching calls."""

    code: str
    message: str
    status: int = 500
    rt_cd: str = "1"
    path: str | None = None  # None: any API path
    next_page_only: bool = False  # only a call with tr_cont "N" (a next page)
    count: int = 1

    def matches(self, path: str, tr_cont: str) -> bool:
        """Tell whether this fault answers a call to `path` with this tr_cont header."""
        return (self.count > 0 and (self.path is None or self.path == path)
                and (not self.next_page_only or tr_cont == "N"))


def take_fault(faults: list[FakeFault], path: str, tr_cont: str) -> FakeFault | None:
    """Consume one use of the first fault matching the call, if any."""
    for fault in faults:
        if fault.matches(path, tr_cont):
            fault.count -= 1
            return fault
    return None

"""Client order ids: which run, leg, symbol and attempt an order is, and which strategy it trades for.

An account-level run's ids are `RUN-LEG-SYMBOL-ATTEMPT` (run ids carry no dash). A strategy's orders add its id
to the run's with a dot: `RUN.STRATEGY-LEG-SYMBOL-ATTEMPT`. Existing ids keep parsing as they are (no strategy).
Parsing is exact: the whole id must match, and the strategy is the text between the dot and the first dash,
never a digit fished out of it (the origin read `REB_20251224` as strategy "2").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from trimtab.domain.strategies import StrategyId

_ORDER_ID = re.compile(
    r"(?P<run>[A-Za-z0-9_]+)(?:\.(?P<strategy>[A-Za-z][A-Za-z0-9_]{0,15}))?"
    r"-(?P<leg>S|B[1-9]?[0-9]{0,2})-(?P<symbol>.+)-(?P<attempt>0|[1-9][0-9]{0,5})",
)


@dataclass(frozen=True, slots=True)
class OrderId:
    """The parts of a trimtab client order id."""

    run_id: str
    strategy_id: StrategyId | None  # None: an account-level run's order
    leg: str  # "S" sells, "B1", "B2", ... the rounds of buys
    symbol: str
    attempt: int

    def __str__(self) -> str:
        run = self.run_id if self.strategy_id is None else f"{self.run_id}.{self.strategy_id}"
        return f"{run}-{self.leg}-{self.symbol}-{self.attempt}"


def format_order_id(run_id: str, leg: str, symbol: str, attempt: int, strategy_id: StrategyId | None = None) -> str:
    """The deterministic id of one order of a run (of a strategy's slice when `strategy_id` is given)."""
    return str(OrderId(run_id, strategy_id, leg, symbol, attempt))


def parse_order_id(text: str) -> OrderId | None:
    """The parts of a client order id trimtab made; None for any other text (a manual order, another tool)."""
    match = _ORDER_ID.fullmatch(text)
    if match is None:
        return None
    strategy = match.group("strategy")
    return OrderId(match.group("run"), None if strategy is None else StrategyId(strategy), match.group("leg"),
                   match.group("symbol"), int(match.group("attempt")))

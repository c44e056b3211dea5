"""A run's fills as ledger entries: by the strategy its client order ids name, or by its split (strategy runs).

An account-level run's fill belongs to the owner its id names (`owner_of_fill`), entry `fill:FILL_ID`. A run
of strategies books its split instead: each line of a fill `fill:FILL_ID:STRATEGY`, each side of a transfer
`transfer:RUN:SYMBOL:SELLER:BUYER:STRATEGY` (booked once the run got past planning with --execute; a dry run
transfers nothing). The lines are a pure function of the stored run and its fills, so booking them again, after
a crash or by reconciliation, adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from trimtab.domain.ledger import EntryKind, LedgerEntry, owner_of_fill
from trimtab.domain.numbers import ONE
from trimtab.domain.orders import Side
from trimtab.domain.strategy_netting import TRANSFER, FillPart, SplitLine, StrategyRun

if TYPE_CHECKING:
    from trimtab.application.ports import RunRecord
    from trimtab.domain.execution import Fill


def fill_parts(fills: Sequence[Fill]) -> list[FillPart]:
    """Fills as the split needs them."""
    return [FillPart(f.fill_id, f.symbol, f.side, f.quantity, f.price, f.commission + f.tax, f.filled_at,
                     f.client_order_id) for f in fills]


def transfers_took_effect(run: RunRecord) -> bool:
    """Whether a run's transfers are real: it was executed and got past planning."""
    from trimtab.application.ports import RunStep

    return run.execute and run.step is not RunStep.CREATED


def split_of(run: RunRecord, fills: Sequence[Fill]) -> tuple[SplitLine, ...]:
    """A strategy run's split lines (transfers and fills); empty for an account-level run."""
    if run.strategies is None:
        return ()
    return run.strategies.settle(fill_parts(fills), run.created_at, transfers=transfers_took_effect(run))


def with_split(run: RunRecord, fills: Sequence[Fill]) -> StrategyRun:
    """A strategy run's record with its split as of these fills (what `runs show` prints, whatever was saved)."""
    if run.strategies is None:
        raise ValueError("not a run of strategies")
    return replace(run.strategies, split=split_of(run, fills))


def run_entries(run: RunRecord, fills: Sequence[Fill]) -> list[LedgerEntry]:
    """The ledger entries of one run's fills (see the module)."""
    if run.strategies is None:
        entries = []
        for fill in fills:
            sign = ONE if fill.side is Side.BUY else -ONE
            owner = owner_of_fill(fill.client_order_id, fill.filled_at.date())
            entries.append(LedgerEntry(f"fill:{fill.fill_id}", run.account_id, owner, fill.symbol,
                                       sign * fill.quantity, fill.price, EntryKind.FILL, fill.filled_at,
                                       fees=fill.commission + fill.tax, note=fill.client_order_id))
        return entries
    return [_entry(run, line) for line in split_of(run, fills)]


def _entry(run: RunRecord, line: SplitLine) -> LedgerEntry:
    at = line.occurred_at or run.created_at
    if line.source == TRANSFER:
        seller, buyer = (line.strategy_id, line.counterpart) if line.quantity < 0 else (line.counterpart,
                                                                                       line.strategy_id)
        return LedgerEntry(f"transfer:{run.run_id}:{line.symbol}:{seller}:{buyer}:{line.strategy_id}",
                           run.account_id, line.strategy_id, line.symbol, line.quantity, line.price,
                           EntryKind.TRANSFER, at, note=f"run {run.run_id}: {seller} -> {buyer}")
    return LedgerEntry(f"fill:{line.source}:{line.strategy_id}", run.account_id, line.strategy_id, line.symbol,
                       line.quantity, line.price, EntryKind.FILL, at, fees=line.fees, note=line.note)

"""The rolling-K state.json importer on the bot's REAL dirty files (tests/fixtures/rolling_k/README.md).

Outcome, written down:
- trader_state_v2.json (schema v2): 26 positions, every one with position-level `qty` 0 while its buckets hold
  the shares. The importer takes the buckets (the position `qty` is a stale total the bot stopped updating) and
  says so in one note per position. The 28 buckets are all the bot's placeholders (21 ORPHAN, 7 UNKNOWN: shares
  its own reconciliation could not attribute), so all 3,800 shares of the 26 symbols land in MANUAL, at the
  buckets' avg_price as written (no float). Nothing is invented for strategies the file cannot name.
- bot_state_v1.json (version 1, lots): 33 lots, 4 with nothing left; the other 29 give the same 3,800 shares of
  the same 26 symbols, also all MANUAL. The two files agree symbol by symbol.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from trimtab.application.state_import import import_state
from trimtab.domain.errors import InvalidInput
from trimtab.domain.ledger import positions, totals
from trimtab.domain.reconciliation import BrokerHolding, reconcile
from trimtab.domain.strategies import MANUAL

FIXTURES = Path(__file__).parent.parent / "fixtures" / "rolling_k"
V2 = (FIXTURES / "trader_state_v2.json").read_text(encoding="utf-8")
V1 = (FIXTURES / "bot_state_v1.json").read_text(encoding="utf-8")


def quantities_by_symbol(text: str) -> dict[str, Decimal]:
    return totals(positions(import_state(text, "A", "state.json").entries))


def test_import_v2_real_file_buckets_are_taken_and_all_land_in_manual() -> None:
    imported = import_state(V2, "A", "state.json")
    assert imported.schema == 2
    assert len(imported.entries) == 28
    assert {entry.strategy_id for entry in imported.entries} == {MANUAL}
    held = totals(positions(imported.entries))
    assert len(held) == 26
    assert sum(held.values()) == 3800
    assert held["015760"] == 527  # UNKNOWN 301 + ORPHAN 226
    assert held["005290"] == 523
    stale_totals = [note for note in imported.notes if "position quantity 0 but its buckets hold" in note]
    assert len(stale_totals) == 26  # every position's own qty is 0
    assert sum("placeholder bucket; imported as MANUAL" in note for note in imported.notes) == 28


def test_import_v2_real_file_prices_are_as_written() -> None:
    imported = import_state(V2, "A", "state.json")
    first = next(e for e in imported.entries if e.symbol == "000660")
    assert (first.quantity, first.price) == (Decimal(1), Decimal("591517.857"))
    assert first.occurred_at == dt.datetime(2025, 12, 30, 2, 28, 40, 876288, tzinfo=dt.UTC)


def test_import_v1_real_lots_file_agrees_with_v2_symbol_by_symbol() -> None:
    imported = import_state(V1, "A", "state.json")
    assert imported.schema == 1
    assert len(imported.entries) == 29
    assert sum("has nothing left" in note for note in imported.notes) == 4
    assert quantities_by_symbol(V1) == quantities_by_symbol(V2)


def test_import_same_file_twice_gives_the_same_entry_ids() -> None:
    first = import_state(V2, "A", "a.json")
    again = import_state(V2, "A", "b.json")
    assert [e.entry_id for e in first.entries] == [e.entry_id for e in again.entries]


def test_import_refuses_unknown_shapes() -> None:
    with pytest.raises(InvalidInput, match="neither schema v2"):
        import_state('{"positions": {}}', "A", "x.json")
    with pytest.raises(InvalidInput, match="not JSON"):
        import_state("{", "A", "x.json")


def test_import_maps_numbered_and_kept_strategy_ids() -> None:
    text = ('{"schema_version": 2, "positions": {"005930": {"qty": 3, "strategies": {'
            '"1": {"qty": 1, "avg_price": 10.5}, "REB_20251224": {"qty": 1, "avg_price": 11},'
            '"core": {"qty": 1, "avg_price": 12}, "bad-id": {"qty": 0}}}}}')
    imported = import_state(text, "A", "x.json")
    assert sorted(e.strategy_id for e in imported.entries) == ["REB_20251224", "S1", "core"]
    assert not any("position quantity" in note for note in imported.notes)


def test_reconcile_real_state_with_a_broker_after_a_manual_buy_and_sell() -> None:
    held = positions(import_state(V2, "A", "state.json").entries)
    at_broker = {symbol: BrokerHolding(quantity, Decimal(1000)) for symbol, quantity in totals(held).items()}
    at_broker["015760"] = BrokerHolding(Decimal(500), Decimal(1000))  # 27 sold by hand
    at_broker["005930"] = BrokerHolding(Decimal(10), Decimal(1000))  # bought by hand
    report = reconcile("A", held, at_broker, [], frozenset(), dt.date(2026, 1, 5))
    changed = {line.symbol: (line.status.value, [(str(a.strategy_id), int(a.quantity)) for a in line.adjustments])
               for line in report.differences}
    assert changed == {"005930": ("assigned", [("MANUAL", 10)]), "015760": ("removed", [("MANUAL", -27)])}
    assert len(report.lines) == 27

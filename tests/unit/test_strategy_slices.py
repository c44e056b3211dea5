"""A strategy's slice: its ledger holdings and its cash reservation, which never add up to more than the cash."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import Instrument, InstrumentType, Market
from trimtab.domain.snapshot import AccountSnapshot, Holding, Quote
from trimtab.domain.strategies import StrategyId
from trimtab.domain.strategy_slices import claim, holdings_value, oversold, reserve_cash, slice_snapshot

CORE, ALPHA = StrategyId("core"), StrategyId("alpha")
WON = Decimal(1)


def quote(symbol: str, price: int) -> Quote:
    return Quote(Instrument(symbol, Market.KRX, InstrumentType.STOCK, "KRW"), Decimal(price))


def account(cash: int = 1000, **held: tuple[int, int]) -> AccountSnapshot:
    holdings = tuple(Holding(quote(s, price), Decimal(q), Decimal(q)) for s, (q, price) in held.items())
    return AccountSnapshot("A", "KRW", Decimal(cash), holdings, {"Y": quote("Y", 50)}, dt.date(2026, 11, 23))


def test_claim_is_capital_less_holdings_never_negative_and_none_without_capital() -> None:
    assert claim(Decimal(600), Decimal(250)) == 350
    assert claim(Decimal(600), Decimal(700)) == 0
    assert claim(None, Decimal(0)) == 0


def test_reservations_are_the_claims_when_the_cash_covers_them() -> None:
    assert reserve_cash({CORE: Decimal(600), ALPHA: Decimal(300)}, Decimal(1000), WON) == {CORE: 600, ALPHA: 300}


def test_reservations_are_cut_in_proportion_rounded_down_when_the_claims_exceed_the_cash() -> None:
    reserved = reserve_cash({CORE: Decimal(600), ALPHA: Decimal(400)}, Decimal(333), WON)
    assert reserved == {CORE: Decimal(199), ALPHA: Decimal(133)}


def test_a_negative_claim_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput, match="claim"):
        reserve_cash({CORE: Decimal(-1)}, Decimal(10), WON)


@given(st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.integers(min_value=0, max_value=10**9)),
       st.integers(min_value=-100, max_value=10**9))
def test_reservations_never_add_up_to_more_than_the_cash_nor_exceed_a_claim(claims: dict[str, int],
                                                                            cash: int) -> None:
    typed = {StrategyId(k): Decimal(v) for k, v in claims.items()}
    reserved = reserve_cash(typed, Decimal(cash), WON)
    assert sum(reserved.values(), Decimal(0)) <= max(Decimal(cash), Decimal(0))
    assert all(Decimal(0) <= reserved[k] <= typed[k] for k in typed)


def test_slice_holds_the_ledger_quantities_sellable_up_to_the_broker_and_the_reserved_cash() -> None:
    snapshot = account(cash=5000, X=(10, 100))
    mine = slice_snapshot(snapshot, {"X": Decimal(4), "Y": Decimal(0)}, Decimal(700))
    assert mine.cash == 700
    assert [(h.symbol, int(h.quantity), int(h.orderable_quantity)) for h in mine.holdings] == [("X", 4, 4)]
    assert holdings_value({"X": Decimal(4), "Y": Decimal(2)}, snapshot) == 500
    assert mine.quotes == snapshot.quotes


def test_oversold_names_symbols_the_ledger_gives_beyond_the_broker() -> None:
    snapshot = account(X=(10, 100))
    assert oversold({"X": Decimal(10), "Y": Decimal(1)}, snapshot) == {"Y": (Decimal(1), Decimal(0))}
    assert oversold({"X": Decimal(11)}, snapshot) == {"X": (Decimal(11), Decimal(10))}

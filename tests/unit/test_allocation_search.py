"""The greedy search: blocks of accounts, ejection moves, and what they never do."""

from __future__ import annotations

import numpy as np
import pytest

from trimtab.domain.allocation import allocate_greedy, chunk_rows, is_feasible, objective, rows_of
from trimtab.domain.allocation_moves import eject, fund
from trimtab.domain.allocation_search import Search, floor_lots, repair, top_up
from trimtab_testkit.synthetic import make_batch


def test_blocks_shrink_as_accounts_widen() -> None:
    assert chunk_rows(5) == 8192
    assert chunk_rows(20) == 4096
    assert chunk_rows(100) == 1024
    assert chunk_rows(10_000) == 256


def test_each_account_is_planned_alike_whatever_its_block() -> None:
    batch = make_batch(5_000, 40, 401)
    whole = allocate_greedy(batch)
    parts = [allocate_greedy(rows_of(batch, np.arange(start, min(start + 1_700, 5_000))))
             for start in range(0, 5_000, 1_700)]
    np.testing.assert_array_equal(whole, np.concatenate(parts))
    single = [allocate_greedy(rows_of(batch, np.array([row])))[0] for row in range(0, 5_000, 499)]
    np.testing.assert_array_equal(whole[::499], np.array(single))


@pytest.mark.parametrize(("tickers", "profile"), [(3, "krx"), (5, "us"), (20, "krx"), (20, "us")])
def test_ejection_only_improves_and_keeps_the_cash_rule(tickers: int, profile: str) -> None:
    batch = make_batch(400, tickers, 402, profile=profile)
    search = Search.of(batch)
    before = top_up(search, repair(search, floor_lots(search)))
    after = eject(search, before)
    assert (objective(batch, after) <= objective(batch, before)).all()
    assert (objective(batch, after) < objective(batch, before)).sum() > 0
    assert is_feasible(batch, after).all()
    assert (after >= batch.lower).all()
    assert (after <= batch.upper).all()


def test_funding_keeps_the_cash_rule_from_a_deficit_and_respects_bounds() -> None:
    batch = make_batch(300, 8, 403)
    search = Search.of(batch)
    start = np.minimum(floor_lots(search) + 3, search.upper)  # over-bought: the cash rule breaks
    assert (search.slack(start) < 0).sum() > 100
    funded = fund(search, start)
    assert (search.slack(funded) >= 0).all()
    assert (funded >= batch.lower).all()
    assert (funded <= start).all()  # only drops

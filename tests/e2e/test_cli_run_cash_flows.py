"""`rebalance --withdraw` and `rebalance --deposit` on the paper broker, as a user runs them."""

from __future__ import annotations

import re

from tests.e2e.test_cli_runs import _trimtab


def test_rebalance_withdraw_sells_only_and_deposit_buys_only(database_url: str) -> None:
    assert _trimtab(database_url, "init", "--demo").returncode == 0
    withdrawn = _trimtab(database_url, "rebalance", "DEMO-KR", "--withdraw", "5000000", "--execute")
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert "completed" in withdrawn.stdout
    assert re.search(r"\bSELL\b", withdrawn.stdout)
    assert not re.search(r"\bBUY\b", withdrawn.stdout)
    deposit = _trimtab(database_url, "rebalance", "DEMO-KR", "--deposit", "5000000",
                       TRIMTAB_PAPER_START="2026-11-23T01:30:00+00:00")
    assert deposit.returncode == 0, deposit.stderr
    assert "dry_run" in deposit.stdout
    assert not re.search(r"\bSELL\b", deposit.stdout)
    too_much = _trimtab(database_url, "rebalance", "DEMO-KR", "--withdraw", "999999999999",
                        TRIMTAB_PAPER_START="2026-11-23T02:30:00+00:00")
    assert too_much.returncode == 2
    assert "cannot raise 999,999,999,999" in too_much.stderr
    assert "the most this account can raise is" in too_much.stderr

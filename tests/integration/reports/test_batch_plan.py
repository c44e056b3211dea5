"""Many accounts at once through the facade on the paper broker: account_mappings assign on import, one batch
plan equals each account's own plan, --model selects its followers, one basket holds every account, and a
rebalance of several accounts runs each (one failing does not stop the others)."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from trimtab import bootstrap
from trimtab.application.batch import Selection, largest_drift
from trimtab.application.facade import Trimtab
from trimtab.config import Settings
from trimtab.domain.errors import InvalidInput

START = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
MAPPINGS = """\
model_portfolios:
  GTAA:
    holdings:
      - {symbol: "SPMO", target_weight: 0.3334, security_type: "STK", exchange: "SMART", currency: "USD"}
      - {symbol: "SMH", target_weight: 0.3333, security_type: "STK", exchange: "SMART", currency: "USD"}
      - {symbol: "IAU", target_weight: 0.3333, security_type: "STK", exchange: "SMART", currency: "USD"}
account_mappings:
  "DU111": "GTAA"
  "DU222": "GTAA"
  "DU333": "GTAA"
  "DU999": "GTAA"
"""


@pytest.fixture
def desk(tmp_path: Path) -> Trimtab:
    trimtab = bootstrap.build(Settings(database_url=f"sqlite:///{tmp_path / 't.db'}", paper_start=START))
    trimtab.init(demo=True)
    funding = {"DU111": (Decimal(50_000), {}), "DU222": (Decimal(1_000), {"SPMO": Decimal(300)}),
               "DU333": (Decimal("20000.55"), {"IAU": Decimal(100), "SMH": Decimal(10)}),
               "DU444": (Decimal(5_000), {})}
    for account_id, (cash, positions) in funding.items():
        trimtab.add_account(account_id, name=account_id, currency="USD", broker="paper")
        trimtab.open_paper(account_id, cash, positions)
    models = tmp_path / "model_portfolios.yaml"
    models.write_text(MAPPINGS, encoding="utf-8")
    result = trimtab.import_models(models)
    assert [(line.account_id, line.outcome.value) for line in result.mappings] == [
        ("DU111", "assigned"), ("DU222", "assigned"), ("DU333", "assigned"), ("DU999", "unknown account")]
    return trimtab


def test_one_batch_plan_equals_each_accounts_own_plan_and_one_basket_holds_them(desk: Trimtab,
                                                                                tmp_path: Path) -> None:
    basket = tmp_path / "day1.csv"
    result = asyncio.run(desk.plan_batch(Selection(every=True), basket_day=1, basket_path=basket))
    lines = {line.account_id: line for line in result.lines}
    assert set(lines) == {"DEMO-KR", "DEMO-US", "DU111", "DU222", "DU333"}  # DU444 follows no model
    for account_id, line in lines.items():
        alone = asyncio.run(desk.plan_account(account_id))
        assert line.plan == alone.plan
        assert line.error is None
    assert lines["DU111"].status == "rebalance"
    assert lines["DU111"].turnover > Decimal("0.9")  # all cash: invests nearly everything
    assert lines["DU111"].reason == "class CASH overweight +99.00 pp (+3 more)"
    plan = lines["DU222"].plan
    assert plan is not None
    assert largest_drift(plan, after=True) < largest_drift(plan)
    assert result.basket is not None
    with basket.open(encoding="utf-8", newline="") as stream:
        accounts = {row["Account"] for row in csv.DictReader(stream)}
    assert accounts == {line.account for line in result.basket.lines}
    assert {"DU111", "DU222", "DU333"} <= accounts
    # short, whatever the batch holds: asyncio.run formats the result of its task on the way out
    assert repr(result) == f"BatchPlan(5 lines, basket: day 1, {len(result.basket.lines)} lines)"


def test_model_selects_its_followers_and_accounts_name_them(desk: Trimtab) -> None:
    chosen = [account.account_id for account in desk.select(Selection(model="GTAA"))]
    assert chosen == sorted(chosen)
    assert set(chosen) == {"DEMO-US", "DU111", "DU222", "DU333"}
    assert [a.account_id for a in desk.select(Selection(accounts=("DU333", "DU111", "DU333")))] == ["DU333", "DU111"]
    with pytest.raises(InvalidInput, match=r"no such model|unknown model"):
        desk.select(Selection(model="NOPE"))
    with pytest.raises(InvalidInput, match="one of --all"):
        desk.select(Selection(every=True, model="GTAA"))


def test_an_account_that_cannot_be_planned_is_a_line_and_the_others_are_planned(desk: Trimtab) -> None:
    result = asyncio.run(desk.plan_batch(Selection(accounts=("DU111", "DU444", "DU222"))))
    assert [(line.account_id, line.status) for line in result.lines] == [
        ("DU111", "rebalance"), ("DU444", "error"), ("DU222", "rebalance")]
    assert "no model is assigned" in (result.lines[1].error or "")


def test_rebalance_of_several_accounts_runs_each_and_one_failure_does_not_stop_the_rest(desk: Trimtab) -> None:
    runs = asyncio.run(desk.rebalance_many(Selection(accounts=("DU111", "DU444", "DU222")), execute=True,
                                           force=False))
    assert [line.account_id for line in runs] == ["DU111", "DU444", "DU222"]
    assert runs[1].record is None
    assert runs[1].needs_attention
    assert "no model is assigned" in (runs[1].error or "")
    for line in (runs[0], runs[2]):
        assert line.record is not None
        assert line.record.status.value == "completed", line.record.reason
        assert not line.needs_attention
        assert desk.run(line.record.run_id).status.value == "completed"  # durable: stored


def test_the_batch_reads_its_paper_accounts_in_one_go(desk: Trimtab, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not one state load per account (as a rebalance reads its account) but one load_many for the batch; an
    account the paper broker does not know is its own line, naming it."""
    from trimtab.adapters.persistence.paper_state import SqlPaperStateStore

    desk.add_account("DU555", name="DU555", currency="USD", broker="paper")  # never opened at the paper broker
    desk.assign("DU555", "GTAA")

    loads: list[tuple[str, ...]] = []
    load_many = SqlPaperStateStore.load_many

    def refused(self: SqlPaperStateStore, account_id: str) -> None:
        raise AssertionError(f"{account_id} read alone")

    def counted(self: SqlPaperStateStore, account_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        loads.append(tuple(account_ids))
        return load_many(self, account_ids)

    monkeypatch.setattr(SqlPaperStateStore, "load", refused)
    monkeypatch.setattr(SqlPaperStateStore, "load_many", counted)

    result = asyncio.run(desk.plan_batch(Selection(every=True)))

    assert [(line.account_id, line.status) for line in result.lines][-2:] == [("DU333", "rebalance"),
                                                                                 ("DU555", "error")]
    assert [line.error for line in result.lines[:-1]] == [None] * 5
    assert "unknown paper account" in (result.lines[-1].error or "")
    assert "DU555" in (result.lines[-1].error or "")
    assert loads == [("DEMO-KR", "DEMO-US", "DU111", "DU222", "DU333", "DU555")]

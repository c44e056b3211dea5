"""Strategies rebalancing their own slices through the real CLI on the paper broker: netting, the split of fills,
the ledger equal to the broker's holdings afterwards, a crash and resume, and two processes at once."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import postgres_schema_url
from tests.e2e.cli_process import query_database, run_cli, run_ok, spawn_cli

START = "2026-11-23T00:30:00+00:00"  # 09:30 in Seoul, a KRX session
ACCOUNT = "DEMO-KR"
CASH = Decimal(50_000_000)
ALPHA_V1 = ('models:\n  KR-ALPHA:\n    holdings:\n      "005930": {weight: 50, instrument_type: stock}\n'
            '      "000660": {weight: 50, instrument_type: stock}\n')
ALPHA_V2 = 'models:\n  KR-ALPHA:\n    holdings:\n      "000660": {weight: 100, instrument_type: stock}\n'

pytestmark = pytest.mark.slow


def _sleeves(database: str, tmp_path: Path) -> None:
    """DEMO-KR with cash only, core (60, KR-ALLWEATHER) and alpha (40, KR-ALPHA: half 005930, half 000660)."""
    run_ok(database, START, "init", "--demo")
    funding = tmp_path / "cash.yaml"
    funding.write_text(f"account_id: {ACCOUNT}\ncurrency: KRW\ncash: {CASH}\nholdings: []\n", encoding="utf-8")
    run_ok(database, START, "accounts", "fund", ACCOUNT, "--holdings", str(funding))
    (tmp_path / "alpha.yaml").write_text(ALPHA_V1, encoding="utf-8")
    run_ok(database, START, "models", "import", str(tmp_path / "alpha.yaml"))
    run_ok(database, START, "strategies", "add", ACCOUNT, "core", "--weight", "60", "--model", "KR-ALLWEATHER")
    run_ok(database, START, "strategies", "add", ACCOUNT, "alpha", "--weight", "40", "--model", "KR-ALPHA")


def _paper_state(database: str) -> dict[str, Any]:
    ((state,),) = query_database(database, "select state from paper_accounts where account_id = 'DEMO-KR'")
    return state if isinstance(state, dict) else dict(json.loads(state))


def _ledger_matches_the_broker(database: str) -> None:
    report = json.loads(run_ok(database, START, "ledger", "reconcile", ACCOUNT, "--dry-run", "--json"))
    assert report["lines"], "the broker holds something"
    assert {line["status"] for line in report["lines"]} == {"matched"}, report["lines"]


def _spent(run: dict[str, Any], strategy: str) -> Decimal:
    """What a strategy's fills and transfers cost it (buys and fees less sale proceeds)."""
    return sum((Decimal(line["quantity"]) * Decimal(line["price"]) + Decimal(line["fees"])
                for line in run["strategies"]["split"] if line["strategy"] == strategy), Decimal(0))


def test_strategies_net_their_orders_split_the_fills_and_the_ledger_equals_the_broker(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    _sleeves(database, tmp_path)
    dry = json.loads(run_ok(database, START, "rebalance", ACCOUNT, "--strategies", "all", "--json"))
    assert (dry["status"], dry["orders"]) == ("dry_run", [])
    first = json.loads(run_ok(database, START, "rebalance", ACCOUNT, "--strategies", "all", "--execute", "--json"))
    assert first["status"] == "completed", first["reason"]
    reserved = {s["strategy"]: Decimal(s["reservation"]) for s in first["strategies"]["strategies"]}
    assert reserved == {"alpha": CASH * 4 / 10, "core": CASH * 6 / 10}
    for strategy, cash in reserved.items():
        assert 0 < _spent(first, strategy) <= cash
    ids = [order["client_order_id"] for order in first["orders"]]
    assert all(f"{first['run_id']}.alpha-B1-" in i or f"{first['run_id']}.core-B1-" in i for i in ids)
    by_symbol = {order["symbol"] for order in first["orders"]}
    assert len(by_symbol) == len(ids), "one order per symbol: core's and alpha's 005930 and 000660 are netted"
    _ledger_matches_the_broker(database)

    # alpha now wants 000660 only: it sells its 005930, part of it to core (a transfer), the rest to the market
    (tmp_path / "alpha.yaml").write_text(ALPHA_V2, encoding="utf-8")
    run_ok(database, START, "models", "import", str(tmp_path / "alpha.yaml"))
    run_ok(database, START, "accounts", "deposit", ACCOUNT, "20000000")
    second = json.loads(run_ok(database, START, "rebalance", ACCOUNT, "--strategies", "alpha,core", "--execute",
                               "--json"))
    assert second["status"] == "completed", second["reason"]
    transfers = second["strategies"]["transfers"]
    assert [(t["symbol"], t["seller"], t["buyer"]) for t in transfers] == [("005930", "alpha", "core")]
    sells = [o for o in second["orders"] if o["side"] == "SELL"]
    assert [(o["symbol"], o["client_order_id"].split("-")[0]) for o in sells] == [
        ("005930", f"{second['run_id']}.alpha")]
    alpha_005930 = sum(Decimal(line["quantity"]) for line in second["strategies"]["split"]
                       if (line["strategy"], line["symbol"]) == ("alpha", "005930"))
    held = {s: Decimal(q) for s, q in _paper_state(database)["positions"].items()}
    assert alpha_005930 == -Decimal(sells[0]["quantity"]) - Decimal(transfers[0]["quantity"])
    _ledger_matches_the_broker(database)
    shown = json.loads(run_ok(database, START, "ledger", "show", ACCOUNT, "--json"))
    assert not [p for p in shown if (p["strategy"], p["symbol"]) == ("alpha", "005930")]
    assert sum(Decimal(p["quantity"]) for p in shown if p["symbol"] == "005930") == held["005930"]
    text = run_ok(database, START, "runs", "show", second["run_id"])
    assert "Split by strategy" in text
    assert "transfer with core" in text
    assert f"account {ACCOUNT} strategies alpha (" in text  # the strategies' models, not the first one's alone
    assert "Weights of the account" in text  # no account-level target: each strategy has its own


def test_a_strategy_without_capital_does_not_trade_and_bad_names_are_refused(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    _sleeves(database, tmp_path)
    run_ok(database, START, "strategies", "add", ACCOUNT, "perp", "--weight", "1", "--market-type", "futures",
           "--model", "KR-ALPHA")
    run = json.loads(run_ok(database, START, "rebalance", ACCOUNT, "--strategy", "perp", "--execute", "--json"))
    assert run["status"] == "skipped"
    (perp,) = run["strategies"]["strategies"]
    assert (perp["capital"], perp["trades"]) == (None, False)
    assert "no capital" in run["reason"]
    assert run["orders"] == []
    unknown = run_cli(database, START, "rebalance", ACCOUNT, "--strategy", "nope")
    assert unknown.returncode != 0
    assert "nope" in unknown.stderr
    mixed = run_cli(database, START, "rebalance", ACCOUNT, "--strategy", "core", "--deposit", "1000")
    assert mixed.returncode == 2
    assert "--strategy" in mixed.stderr


def _settings(database: str, crash_at: str | None = None, latency: str = "0") -> dict[str, str]:
    settings = {"TRIMTAB_DATABASE_URL": database, "TRIMTAB_PAPER_START": START, "TRIMTAB_POLL_INTERVAL_SECONDS": "2",
                "TRIMTAB_FILL_TIMEOUT_SECONDS": "20", "TRIMTAB_PAPER_LATENCY_SECONDS": latency}
    return settings | ({"TRIMTAB_CRASH_AT": crash_at} if crash_at else {})


def _run(settings: dict[str, str], *args: str) -> tuple[int, str]:
    process = spawn_cli(settings, *args)
    output, _ = process.communicate(timeout=300)
    return process.returncode, output


@pytest.mark.parametrize("crash_at", ["step:created", "submit:2", "step:plan_buys"])
def test_a_strategy_run_killed_mid_run_resumes_without_a_duplicate_order(tmp_path: Path, crash_at: str) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    _sleeves(database, tmp_path)
    code, output = _run(_settings(database, crash_at), "rebalance", ACCOUNT, "--strategies", "all", "--execute")
    assert code == -signal.SIGKILL, output
    ((run_id, status),) = query_database(database, "select run_id, status from rebalancing_runs")
    assert status == "running"
    code, output = _run(_settings(database), "runs", "resume", run_id)
    assert code == 0, output
    run = json.loads(run_ok(database, START, "runs", "show", run_id, "--json"))
    assert run["status"] == "completed"
    state = _paper_state(database)
    broker_ids = [order["client_order_id"] for order in state["orders"]]
    assert state["repeated_submissions"] == []
    assert len(broker_ids) == len(set(broker_ids))
    assert sorted(broker_ids) == sorted(order["client_order_id"] for order in run["orders"])
    reserved = {s["strategy"]: Decimal(s["reservation"]) for s in run["strategies"]["strategies"]}
    for strategy, cash in reserved.items():
        assert 0 < _spent(run, strategy) <= cash
    _ledger_matches_the_broker(database)


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'trimtab.db'}"
    else:
        yield from postgres_schema_url()


def test_two_strategies_started_together_on_one_account_never_spend_the_same_won(shared_database: str,
                                                                                  tmp_path: Path) -> None:
    database = shared_database
    _sleeves(database, tmp_path)
    # each paper call takes 100 ms of real time: the first run is still at work when the other one starts
    settings = _settings(database, latency="0.1")
    both = [spawn_cli(settings, "rebalance", ACCOUNT, "--strategy", sid, "--execute", "--json")
            for sid in ("core", "alpha")]
    results = [(process.returncode, output) for process, (output, _) in
               zip(both, [process.communicate(timeout=300) for process in both], strict=True)]
    assert sorted(code for code, _ in results) == [0, 3], results
    (refused,) = [output for code, output in results if code == 3]
    assert "already has an active run" in refused
    (done,) = [json.loads(output) for code, output in results if code == 0]
    later = "alpha" if done["strategies"]["strategies"][0]["strategy"] == "core" else "core"
    code, output = _run(_settings(database), "rebalance", ACCOUNT, "--strategy", later, "--execute", "--json")
    assert code == 0, output
    runs = [done, json.loads(output)]
    bought = Decimal(0)
    for run in runs:
        assert run["status"] == "completed", run["reason"]
        (mine,) = run["strategies"]["strategies"]
        spent = _spent(run, mine["strategy"])
        assert 0 < spent <= Decimal(mine["reservation"])
        assert {line["strategy"] for line in run["strategies"]["split"]} == {mine["strategy"]}
        bought += sum((Decimal(o["filled_value"]) + Decimal(o["costs"]) for o in run["orders"]), Decimal(0))
    assert bought <= CASH  # every order of both strategies together within the account's cash
    assert Decimal(_paper_state(database)["cash"]) == CASH - bought
    _ledger_matches_the_broker(database)



def test_a_strategy_signal_through_the_cli_opens_from_capital_and_closes_its_position(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    _sleeves(database, tmp_path)
    opened = json.loads(run_ok(database, START, "strategies", "signal", ACCOUNT, "alpha", "005930", "--qty-per", "10",
                               "--execute", "--json"))
    assert opened["status"] == "completed", opened["reason"]
    (order,) = opened["orders"]
    # 10 % of alpha's 20,000,000 at the buy limit (36,250 + a 50 tick) = 55.09..., down to 55 shares
    assert (order["client_order_id"], order["quantity"]) == (f"{opened['run_id']}.alpha-B1-005930-0", "55")
    closed = json.loads(run_ok(database, START, "strategies", "signal", ACCOUNT, "alpha", "005930", "--qty-per",
                               "-100", "--execute", "--json"))
    assert [(o["side"], o["quantity"]) for o in closed["orders"]] == [("SELL", "55")]
    refused = run_cli(database, START, "strategies", "signal", ACCOUNT, "alpha", "005930", "--qty", "-1")
    assert refused.returncode == 1
    assert "signal refused: 005930: qty = -1" in refused.stdout
    both = run_cli(database, START, "strategies", "signal", ACCOUNT, "alpha", "005930", "--qty", "1", "--qty-per", "1")
    assert both.returncode == 2
    assert "qty_per" in both.stderr

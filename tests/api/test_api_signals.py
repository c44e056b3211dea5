"""Signals in, over real HTTP: a webhook token, TradingView-style JSON, duplicates ignored, bad ones recorded."""

from __future__ import annotations

import httpx

from tests.api.conftest import Api, error_of, running_api
from trimtab.application.access import Scope


def _signal_token(api: Api) -> str:
    return api.trimtab.create_token(frozenset({Scope.SIGNAL}), "tradingview").secret


def test_a_signal_starts_a_dry_run_once_and_a_repeat_of_its_id_is_ignored(api: Api) -> None:
    token = _signal_token(api)
    body = {"id": "tv-1", "token": token, "account": "DEMO-KR", "action": "rebalance", "price": 71500}
    with httpx.Client(base_url=api.url, timeout=120) as client:
        first = client.post("/signals", json=body)  # the token in the body, as TradingView sends it
        assert first.status_code == 200, first.text
        answer = first.json()
        assert (answer["status"], answer["duplicate"]) == ("done", False)
        assert answer["detail"].startswith("dry runs: DEMO-KR: ")
        [run_id] = answer["run_ids"]
        again = client.post("/signals", params={"token": token}, json={**body, "token": None})  # token in the query
        assert again.json() == {**answer, "duplicate": True}
    runs = api.trimtab.runs("DEMO-KR")
    assert [run.run_id for run in runs] == [run_id]
    assert runs[0].execute is False
    with api.client("read") as reader:
        [kept] = reader.get("/signals").json()["signals"]
    assert kept["signal_id"] == "tv-1"
    assert "token" not in kept["payload"]
    assert kept["payload"]["price"] == 71500


def test_a_bad_signal_is_answered_422_naming_the_field_and_recorded(api: Api) -> None:
    token = _signal_token(api)
    with httpx.Client(base_url=api.url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as client:
        missing = client.post("/signals", json={"id": "tv-2", "account": "DEMO-KR", "action": "buy"})
        assert missing.status_code == 422
        assert (missing.json()["error"]["field"], missing.json()["error"]["value"]) == ("action", "buy")
        both = client.post("/signals", json={"id": "tv-3", "account": "DEMO-KR", "strategy": "GTAA",
                                             "action": "check"})
        assert both.json()["error"]["field"] == "account"
        not_json_object = client.post("/signals", json=["rebalance"])
        assert not_json_object.json()["error"]["field"] == "body"
    statuses = {record.signal_id: record.status for record in api.trimtab.signals()}
    assert statuses["tv-2#rejected"] == "rejected"
    assert statuses["tv-3#rejected"] == "rejected"
    assert len(statuses) == 3
    assert api.trimtab.runs() == []


def test_only_a_signal_token_posts_signals_and_it_reads_nothing(api: Api) -> None:
    body = {"id": "tv-4", "account": "DEMO-KR", "action": "check"}
    with api.client(None) as anonymous:
        assert anonymous.post("/signals", json=body).status_code == 401
    with api.client("trade") as trader:
        assert trader.post("/signals", json=body).status_code == 403
    signal = {"Authorization": f"Bearer {_signal_token(api)}"}
    with httpx.Client(base_url=api.url, timeout=120, headers=signal) as client:
        assert client.get("/accounts").status_code == 403
        checked = client.post("/signals", json=body)
    assert checked.json()["status"] == "done"
    assert checked.json()["detail"].startswith("1 accounts checked; out of band: ")


def test_with_the_execute_policy_a_signal_runs_on_the_paper_broker(database_url: str) -> None:
    with running_api(database_url, signal_runs="execute") as api:
        token = _signal_token(api)
        answer = httpx.post(f"{api.url}/signals", json={"id": "tv-5", "token": token, "account": "DEMO-KR",
                                                        "action": "assign", "model": "KR-ALLWEATHER"},
                            timeout=300).json()
        assert answer["status"] == "done", answer
        [run] = api.trimtab.runs("DEMO-KR")
        assert run.execute is True
        assert run.status.value == "completed", run.reason


def test_the_kill_switch_stops_an_executed_signal_run_before_any_order(database_url: str) -> None:
    with running_api(database_url, signal_runs="execute", disable_live_trading=True) as api:
        answer = httpx.post(f"{api.url}/signals", json={"id": "tv-6", "token": _signal_token(api),
                                                        "account": "DEMO-KR", "action": "rebalance"},
                            timeout=120).json()
        assert answer["status"] == "failed"
        assert "kill switch" in answer["detail"]
        assert api.trimtab.runs("DEMO-KR") == []


def test_an_order_signal_for_a_strategy_is_sized_from_its_slice_and_booked_to_it(database_url: str) -> None:
    from decimal import Decimal

    from trimtab.application.strategy_operations import NewStrategy

    with running_api(database_url, signal_runs="execute") as api:
        api.trimtab.add_strategy("DEMO-KR", NewStrategy("core", Decimal(1), target="KR-ALLWEATHER"))
        token = _signal_token(api)
        body = {"id": "tv-7", "token": token, "account": "DEMO-KR", "strategy": "core", "action": "order",
                "symbol": "005930", "qty_per": "1"}
        answer = httpx.post(f"{api.url}/signals", json=body, timeout=300).json()
        assert answer["status"] == "done", answer
        [run] = api.trimtab.runs("DEMO-KR")
        assert run.status.value == "completed", run.reason
        [order] = run.orders
        # 1 % of core's capital (the whole equity, 37,110,650) at the buy limit 36,300: 10.2..., down to 10
        assert (order.request.client_order_id, order.request.quantity) == (f"{run.run_id}.core-B1-005930-0",
                                                                          Decimal(10))
        held = {(s, symbol): p.quantity for (s, symbol), p in api.trimtab.ledger_positions("DEMO-KR").items()}
        assert held == {("core", "005930"): Decimal(10)}
        bad = httpx.post(f"{api.url}/signals", json={**body, "id": "tv-8", "symbol": None}, timeout=60)
        assert bad.status_code == 422
        assert error_of(bad)["field"] == "symbol"

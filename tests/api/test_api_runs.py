"""Runs over HTTP on the paper broker: dry and executed runs shown with orders and fills, idempotency keys
(a replay is the same run, another body is 409, two concurrent requests start one run), the kill switch."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.api.conftest import Api, error_of, running_api


def test_api_dry_run_then_executed_run_shows_orders_and_fills(api: Api) -> None:
    with api.client("trade") as client:
        dry = client.post("/runs", json={"account_id": "DEMO-KR"})
        assert dry.status_code == 201, dry.text
        assert (dry.json()["status"], dry.json()["execute"], dry.json()["orders"]) == ("dry_run", False, [])
        assert dry.json()["plan"]["orders"]
        done = client.post("/runs", json={"account_id": "DEMO-KR", "execute": True})
        assert done.status_code == 201, done.text
        run = done.json()
        assert (run["status"], run["step"], run["execute"]) == ("completed", "done", True)
        assert run["orders"]
        assert run["fills"]
        assert run["post"] is not None
        shown = client.get(f"/runs/{run['run_id'][:8]}").json()
        assert shown["run_id"] == run["run_id"]
        assert {f["client_order_id"] for f in shown["fills"]} <= {o["client_order_id"] for o in shown["orders"]}
        assert all(o["status"] == "filled" for o in shown["orders"] if o["side"] == "sell")
        listed = client.get("/runs", params={"account": "DEMO-KR"}).json()["runs"]
        assert sorted((r["run_id"], r["order_count"]) for r in listed) == sorted(  # both start at the paper clock's
            [(run["run_id"], len(run["orders"])), (dry.json()["run_id"], 0)])   # pinned start: any order
        resumed = client.post(f"/runs/{run['run_id']}/resume")
        assert (resumed.status_code, resumed.json()["status"]) == (200, "completed")  # a finished run is shown
        assert client.get("/accounts/DEMO-US").json()["active_run"] is None


def test_api_idempotency_key_replays_the_run_and_refuses_another_body(api: Api) -> None:
    body = {"account_id": "DEMO-KR", "execute": True}
    with api.client("trade", headers={"Idempotency-Key": "rebalance-kr-2026-11-23"}) as client:
        first = client.post("/runs", json=body)
        assert first.status_code == 201, first.text
        replay = client.post("/runs", json=body)
        assert (replay.status_code, replay.headers["Idempotent-Replayed"]) == (200, "true")
        assert replay.json()["run_id"] == first.json()["run_id"]
        assert replay.json()["status"] == "completed"
        conflict = client.post("/runs", json={"account_id": "DEMO-KR", "execute": False})
        assert conflict.status_code == 409
        assert error_of(conflict)["code"] == "idempotency_conflict"
    assert [run.run_id for run in api.trimtab.runs("DEMO-KR")] == [first.json()["run_id"]]
    with api.client("trade", headers={"Idempotency-Key": "x" * 256}) as client:
        assert client.post("/runs", json=body).status_code == 422


def test_api_two_concurrent_requests_with_one_key_start_one_run(api: Api) -> None:
    body = {"account_id": "DEMO-KR", "execute": True}

    def post(_: int) -> httpx.Response:
        with api.client("trade", headers={"Idempotency-Key": "same-key"}) as client:
            return client.post("/runs", json=body)

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(post, range(2)))
    assert sorted(response.status_code for response in responses) == [200, 201], [r.text for r in responses]
    assert len({response.json()["run_id"] for response in responses}) == 1
    assert len(api.trimtab.runs("DEMO-KR")) == 1


def test_api_kill_switch_blocks_execute_and_leaves_dry_runs(database_url: str) -> None:
    with running_api(database_url, disable_live_trading=True) as api, \
            api.client("trade", headers={"Idempotency-Key": "blocked"}) as client:
        blocked = client.post("/runs", json={"account_id": "DEMO-KR", "execute": True})
        assert blocked.status_code == 409, blocked.text
        assert error_of(blocked)["code"] == "trading_disabled"
        assert "TRIMTAB_DISABLE_LIVE_TRADING" in error_of(blocked)["message"]
        assert api.trimtab.runs() == []  # no run, and the key is free again: the same request is refused again
        assert error_of(client.post("/runs", json={"account_id": "DEMO-KR", "execute": True}))["code"] == \
            "trading_disabled"
        dry = client.post("/runs", json={"account_id": "DEMO-KR"}, headers={"Idempotency-Key": "dry"})
        assert (dry.status_code, dry.json()["status"]) == (201, "dry_run")

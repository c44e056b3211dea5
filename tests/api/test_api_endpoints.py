"""Each endpoint's happy path on the demo data, then bad input (422 naming the field and value) and unknown ids (404),
over real HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.api.conftest import Api, error_of

ROOT = Path(__file__).resolve().parents[2]


def test_api_reads_accounts_holdings_bands_models_and_runs(api: Api) -> None:
    with api.client("read") as client:
        accounts = client.get("/accounts").json()["accounts"]
        assert [(a["account_id"], a["model"], a["broker"]) for a in accounts] == [
            ("DEMO-KR", "KR-ALLWEATHER", "paper"), ("DEMO-US", "GTAA", "paper")]
        assert client.get("/accounts/DEMO-US").json()["currency"] == "USD"
        holdings = client.get("/accounts/DEMO-KR/holdings").json()
        assert holdings["account_id"] == "DEMO-KR"
        assert holdings["currency"] == "KRW"
        assert not holdings["cached"]
        assert Decimal(holdings["equity"]) == Decimal(holdings["cash"]) + sum(
            Decimal(h["value"]) for h in holdings["holdings"])
        assert client.get("/accounts/DEMO-KR/holdings", params={"cached": True}).json()["cached"] is True
        assert client.get("/accounts/DEMO-KR/bands").json() == {
            "account_id": "DEMO-KR", "class_band": "0.03", "ticker_band": "0.05", "relative_band": None,
            "cash_buffer": "0.01", "minimum_trade_value": "0", "price_ticks": 1, "confirm_days": 1, "split_days": 1,
            "mp_threshold_percent": "3", "sub_mp_threshold_percent": "5"}
        models = client.get("/models").json()["models"]
        assert {m["name"] for m in models} == {"GTAA", "KR-ALLWEATHER"}
        assert [v["version"] for v in client.get("/models/GTAA/versions").json()["models"]] == ["1"]
        assert client.get("/runs").json() == {"runs": []}


def test_api_drift_of_one_and_all_accounts_and_a_plan_preview(api: Api) -> None:
    with api.client("read") as client:
        drift = client.get("/accounts/DEMO-KR/drift").json()
        assert drift["rebalance_needed"] is True
        assert drift["breaches"]
        assert {row["name"] for row in drift["drift"]["classes"]} >= {"EQUITY", "BOND"}
        every = client.get("/drift").json()
        assert [line["account_id"] for line in every["accounts"]] == ["DEMO-KR", "DEMO-US"]
        assert every["counts"]["rebalance"] == 2
        assert [line["account_id"] for line in client.get("/drift", params={"model": "GTAA"}).json()["accounts"]] \
            == ["DEMO-US"]
        plan = client.get("/accounts/DEMO-US/plan").json()
        assert plan["orders"]
        assert all(order["reason"] for order in plan["orders"])
        assert {"skipped", "checks", "post_trade"} <= set(plan)
        deposit = client.get("/accounts/DEMO-US/plan", params={"deposit": "1000"}).json()
        assert deposit["mode"] == "deposit"
        assert {o["action"] for o in deposit["orders"]} == {"BUY"}
    assert api.trimtab.runs() == []  # previews start no run


def test_api_admin_changes_bands_assignment_and_imports_models(api: Api) -> None:
    with api.client("admin") as client:
        changed = client.put("/accounts/DEMO-KR/bands", json={"class_band": "0.04", "relative_band": "0.25",
                                                               "price_ticks": 2})
        assert changed.status_code == 200, changed.text
        assert (changed.json()["class_band"], changed.json()["relative_band"], changed.json()["price_ticks"],
                changed.json()["ticker_band"]) == ("0.04", "0.25", 2, "0.05")
        seed = client.put("/accounts/DEMO-KR/bands", json={"mp_threshold_percent": 2.5,
                                                            "sub_mp_threshold_percent": "6", "relative_band": None})
        assert (seed.json()["class_band"], seed.json()["ticker_band"], seed.json()["relative_band"],
                seed.json()["mp_threshold_percent"]) == ("0.025", "0.06", None, "2.5")
        assert api.trimtab.bands("DEMO-KR").class_band == Decimal("0.025")
        policies = client.put("/accounts/DEMO-KR/bands", json={"confirm_days": 3, "split_days": 5})
        assert (policies.json()["confirm_days"], policies.json()["split_days"]) == (3, 5)
        too_many = client.put("/accounts/DEMO-KR/bands", json={"split_days": 21})
        assert too_many.status_code == 422
        assert too_many.json()["error"]["field"] == "split_days"
        assigned = client.put("/accounts/DEMO-KR/assignment", json={"model": "GTAA", "version": "1"})
        assert (assigned.json()["model"], assigned.json()["pinned_version"]) == ("GTAA", "1")
        assert client.delete("/accounts/DEMO-KR/assignment").status_code == 204
        assert client.get("/accounts/DEMO-KR").json()["model"] is None
        text = (ROOT / "examples" / "models.yaml").read_text(encoding="utf-8")
        imported = client.post("/models/import", json={"filename": "models.yaml", "content": text})
        assert imported.status_code == 200, imported.text
        assert {m["name"] for m in imported.json()["models"]} >= {"GTAA", "KR-ALLWEATHER"}
        again = client.post("/models/import", json={"filename": "models.yaml", "content": text}).json()
        assert not any(m["new"] for m in again["models"])


def test_api_bad_input_is_422_naming_the_field_and_value(api: Api) -> None:
    cases = [
        ("PUT", "/accounts/DEMO-KR/bands", {"class_band": "1.5"}, "class_band", "1.5"),
        ("PUT", "/accounts/DEMO-KR/bands", {"cash_buffer": "0.9"}, "cash_buffer", "0.9"),
        ("PUT", "/accounts/DEMO-KR/bands", {"price_ticks": 99}, "price_ticks", "99"),
        ("PUT", "/accounts/DEMO-KR/bands", {"ticker_band": "abc"}, "ticker_band", "abc"),
        ("PUT", "/accounts/DEMO-KR/bands", {"class_band": "NaN"}, "class_band", "NaN"),
        ("PUT", "/accounts/DEMO-KR/bands", {"class_bnd": "0.03"}, "class_bnd", "0.03"),
        ("PUT", "/accounts/DEMO-KR/bands", {"class_band": "0.03", "mp_threshold_percent": 3}, "mp_threshold_percent",
         "3"),
        ("POST", "/models/import", {"filename": "../models.yaml", "content": "models: {}"}, "filename",
         "../models.yaml"),
        ("POST", "/models/import", {"filename": "m.yaml", "content": "models: [1, 2"}, None, None),
        ("GET", "/accounts/DEMO-KR/plan?deposit=lots", None, "deposit", "lots"),
        ("GET", "/runs?limit=0", None, "limit", "0"),
        ("POST", "/runs", {"account_id": "DEMO-KR", "execute": "maybe"}, "execute", "maybe"),
        ("POST", "/runs", {"account_id": "DEMO-KR", "withdraw": "-5"}, "withdraw", "-5"),
    ]
    with api.client("admin") as admin, api.client("trade") as trade:
        for method, path, body, field, value in cases:
            client = trade if path.startswith("/runs") else admin
            response = client.request(method, path, json=body)
            assert response.status_code == 422, (path, body, response.text)
            error = error_of(response)
            assert error["code"] == "invalid_input"
            assert error["message"]
            if field is not None:
                assert (error["field"], error["value"]) == (field, value), (body, error)
            assert "Traceback" not in response.text
            assert "trimtab-import-" not in response.text  # the server's temporary copy is never named
    assert api.trimtab.bands("DEMO-KR").class_band == Decimal("0.03")
    assert api.trimtab.runs() == []


def test_api_unknown_ids_are_404_with_a_hint(api: Api) -> None:
    with api.client("admin") as admin, api.client("trade") as trade:
        for response in (admin.get("/accounts/DEMO-K"), admin.get("/accounts/NOPE/bands"),
                         admin.put("/accounts/NOPE/bands", json={"class_band": "0.03"}),
                         admin.get("/runs/abcd1234"), admin.get("/models/NOPE/versions"),
                         admin.put("/accounts/DEMO-KR/assignment", json={"model": "NOPE"}),
                         admin.get("/runs", params={"account": "NOPE"}),
                         trade.post("/runs", json={"account_id": "NOPE"}),
                         trade.post("/runs/abcd1234/resume")):
            assert response.status_code == 404, (response.request.url, response.text)
            assert error_of(response)["code"] == "not_found"
        assert "DEMO-KR" in error_of(admin.get("/accounts/DEMO-K"))["message"]
        assert admin.get("/no/such/path").status_code == 404

"""The KIS fake served as a process: the demo account file and the serve entry point."""

from __future__ import annotations

import select
import subprocess
import sys
from decimal import Decimal
from typing import Any

import httpx

from trimtab_testkit.kis.app import ORDER_CASH_PATH
from trimtab_testkit.kis.serve import DEMO_ACCOUNT_FILE, load_account_file

# --- serving --------------------------------------------------------------------------------------------------------


def test_demo_account_file_loads_as_exact_decimals() -> None:
    config = load_account_file(DEMO_ACCOUNT_FILE)
    assert (config.environment, config.account, config.deposit, config.settled_cash) == (
        "virtual", "5000000001", Decimal(10_000_000), None)
    assert (config.commission_rate, config.sell_tax_rate, config.fill_fraction) == (
        Decimal("0.00014"), Decimal("0.0020"), Decimal("0.25"))
    assert config.app_key.startswith("PSDEMO")
    held = {holding.symbol for holding in config.holdings}
    assert held == {"069500", "005930", "000660", "229200", "148070", "114260", "132030"}
    assert set(config.prices) > held
    for price in config.prices.values():
        assert price.lower_limit <= price.price <= price.upper_limit
        assert price.on_grid(price.upper_limit)
        assert price.on_grid(price.lower_limit)
    assert (config.prices["069500"].kind, config.prices["005930"].kind) == ("etf", "stock")


def test_serve_fake_answers_a_token_and_trades_in_the_pinned_session() -> None:
    command = [sys.executable, "-m", "trimtab_testkit.kis.serve", "--port", "0", "--account-file",
               str(DEMO_ACCOUNT_FILE), "--start", "2026-11-20T10:00:00+09:00", "--speed", "10"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as process:  # noqa: S603
        try:
            order = order_through(process)
        finally:
            process.terminate()
    assert order["rt_cd"] == "0", order
    assert order["output"]["ODNO"] == "0000000001"
    assert order["output"]["ORD_TMD"].startswith("100")  # 10:0x KST on the pinned Friday, 10 × real time


def order_through(process: subprocess.Popen[str]) -> dict[str, Any]:
    """Read the served address, get a token, place one demo order; return the order's answer."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], 15)
    assert ready, "serve printed nothing within 15 s"
    line = process.stdout.readline().strip()
    assert line.startswith("local KIS listening on http://127.0.0.1:")
    base = line.removeprefix("local KIS listening on ")
    config = load_account_file(DEMO_ACCOUNT_FILE)
    credentials = {"appkey": config.app_key, "appsecret": config.app_secret}
    with httpx.Client(base_url=base, timeout=5) as http:
        token = http.post("/oauth2/tokenP", json={"grant_type": "client_credentials", **credentials})
        assert token.status_code == 200
        headers = {"authorization": f"Bearer {token.json()['access_token']}", **credentials,
                   "tr_id": "VTTC0012U", "custtype": "P"}
        body = {"CANO": "50000000", "ACNT_PRDT_CD": "01", "PDNO": "005930", "ORD_DVSN": "00", "ORD_QTY": "1",
                "ORD_UNPR": "71500", "EXCG_ID_DVSN_CD": "KRX"}
        answer: dict[str, Any] = http.post(ORDER_CASH_PATH, json=body, headers=headers).json()
    return answer

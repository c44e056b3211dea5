"""The local Binance on its own, without ccxt: signed requests checked as Binance documents them
(https://developers.binance.com/docs/binance-spot-api-docs/rest-api/request-security), weights, partial fills."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.contract.crypto_harness import API_KEY, API_SECRET, contract_exchange
from tests.integration.crypto.test_crypto_adapter import START
from tests.integration.ibkr.gateway_kit import HandClock
from trimtab_testkit.binance.app import LocalExchange, make_local_exchange
from trimtab_testkit.served import serve_in_thread


@dataclass
class Served:
    local: LocalExchange
    clock: HandClock
    client: httpx.Client

    def signed(self, method: str, path: str, secret: str = API_SECRET, shift_ms: int = 0,
               **params: str) -> tuple[int, Any]:
        """A request signed by hand: HMAC-SHA256 (hex) of the parameter string, `timestamp` from the clock."""
        query = urlencode({"timestamp": str(int(self.clock() * 1000) + shift_ms), **params})
        signature = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
        headers = {"X-MBX-APIKEY": API_KEY}
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            answer = self.client.post(path, content=f"{query}&signature={signature}", headers=headers)
        else:
            answer = self.client.request(method, f"{path}?{query}&signature={signature}", headers=headers)
        return answer.status_code, answer.json()


@pytest.fixture
def served() -> Iterator[Served]:
    clock = HandClock(START.timestamp())
    local = make_local_exchange(contract_exchange(clock))
    with serve_in_thread(local.app) as base_url, httpx.Client(base_url=base_url) as client:
        yield Served(local, clock, client)


def test_signed_request_with_the_right_secret_reads_the_account(served: Served) -> None:
    status, account = served.signed("GET", "/api/v3/account")
    assert status == 200
    assert {row["asset"]: row["free"] for row in account["balances"]}["USDT"] == "100000.00000000"


@pytest.mark.parametrize(("secret", "shift_ms", "code"), [
    ("not-the-secret", 0, -1022), (API_SECRET, -11_000, -1021), (API_SECRET, 1_500, -1021),
])
def test_bad_signature_or_timestamp_is_refused_with_binance_s_code(
    served: Served, secret: str, shift_ms: int, code: int,
) -> None:
    status, answer = served.signed("GET", "/fapi/v3/account", secret=secret, shift_ms=shift_ms, recvWindow="10000")
    assert (status, answer["code"]) == (400, code)


def test_weight_over_the_minute_s_limit_is_429_with_retry_after(served: Served) -> None:
    served.local.exchange.config.weight_limit = 30
    first = served.client.get("/api/v3/exchangeInfo")
    second = served.client.get("/api/v3/exchangeInfo")
    assert (first.status_code, first.headers["X-MBX-USED-WEIGHT-1M"]) == (200, "20")
    assert (second.status_code, second.json()["code"]) == (429, -1003)
    assert 1 <= int(second.headers["Retry-After"]) <= 60
    assert served.client.get("/fapi/v1/exchangeInfo").status_code == 200  # futures weigh apart
    served.clock.advance(60)
    assert served.client.get("/api/v3/exchangeInfo").status_code == 200


def test_marketable_limit_fills_in_tranches_on_the_clock(served: Served) -> None:
    status, order = served.signed("POST", "/api/v3/order", symbol="LINKUSDT", side="BUY", type="LIMIT",
                                  timeInForce="GTC", quantity="10", price="20.50", newClientOrderId="tranches-1")
    assert (status, order["status"], order["executedQty"]) == (200, "NEW", "0.00000000")
    served.clock.advance(10)
    _, order = served.signed("GET", "/api/v3/order", symbol="LINKUSDT", origClientOrderId="tranches-1")
    assert (order["status"], order["executedQty"]) == ("PARTIALLY_FILLED", "3.00000000")
    _, cancelled = served.signed("DELETE", "/api/v3/order", symbol="LINKUSDT", origClientOrderId="tranches-1")
    _, trades = served.signed("GET", "/api/v3/myTrades", symbol="LINKUSDT", orderId=str(order["orderId"]))
    assert cancelled["status"] == "CANCELED"
    assert [(t["qty"], t["price"], t["commission"]) for t in trades] == [("3.00000000", "20.00000000", "0.06000000")]
    _, account = served.signed("GET", "/api/v3/account")
    balances = {row["asset"]: (Decimal(row["free"]), Decimal(row["locked"])) for row in account["balances"]}
    assert balances["USDT"] == (Decimal(100_000) - Decimal("60.06"), Decimal(0))
    assert balances["LINK"] == (Decimal(3), Decimal(0))
    status, again = served.signed("DELETE", "/api/v3/order", symbol="LINKUSDT", origClientOrderId="tranches-1")
    assert (status, again["code"], again["msg"]) == (400, -2011, "Unknown order sent.")

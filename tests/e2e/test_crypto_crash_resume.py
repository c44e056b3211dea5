"""A real `trimtab rebalance --broker crypto --execute` against the local Binance (spot and USDT-margined
futures) over HTTP, killed with SIGKILL at the worst moments, then `runs resume`: the exchange must never hold
two orders with the same newClientOrderId.

The exchange runs in a thread of this test process on the real clock, filling half an order every 0.3 s. The
worst moment is when the exchange has taken an order and its answer has not reached trimtab: the exchange kills
the trimtab process right after accepting the order, so the resumed run must find the order by its client order
id at the exchange instead of sending it again.
"""

from __future__ import annotations

import collections
import os
import signal
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.e2e.cli_process import ROOT, query_database, spawn_cli
from trimtab_testkit.binance.app import LocalExchange, make_local_exchange
from trimtab_testkit.binance.model import Order
from trimtab_testkit.binance.serve import DEMO_EXCHANGE_FILE, load_exchange_file
from trimtab_testkit.served import serve_in_thread

MODELS = ROOT / "examples" / "crypto" / "models.yaml"

pytestmark = pytest.mark.slow


class KillOnOrder:
    """Lets the exchange accept the n-th order, then SIGKILLs the client before it reads the answer."""

    def __init__(self) -> None:
        self.pid: int | None = None
        self.at: int | None = None
        self.seen = 0

    def __call__(self, _order: Order) -> None:
        self.seen += 1
        if self.pid is not None and self.seen == self.at:
            os.kill(self.pid, signal.SIGKILL)


@pytest.fixture
def exchange() -> Iterator[tuple[LocalExchange, KillOnOrder, str]]:
    config = load_exchange_file(DEMO_EXCHANGE_FILE)
    config.fill_interval, config.fill_fraction = 0.3, Decimal("0.5")
    killer = KillOnOrder()
    local = make_local_exchange(config, on_order=killer)
    with serve_in_thread(local.app) as base_url:
        yield local, killer, base_url


def _trimtab(served: tuple[LocalExchange, KillOnOrder, str], database: str, *args: str,
             crash_at: str | None = None, kill_at_order: int | None = None) -> tuple[int, str]:
    local, killer, base_url = served
    settings = {"TRIMTAB_DATABASE_URL": database, "TRIMTAB_CRYPTO_BASE_URL": base_url,
                "TRIMTAB_CRYPTO_API_KEY": local.exchange.config.api_key,
                "TRIMTAB_CRYPTO_API_SECRET": local.exchange.config.api_secret,
                "TRIMTAB_CRYPTO_MARKET_TYPES": '{"CX-FUT": "futures"}',
                "TRIMTAB_FILL_TIMEOUT_SECONDS": "30", "TRIMTAB_POLL_INTERVAL_SECONDS": "0.3",
                **({"TRIMTAB_CRASH_AT": crash_at} if crash_at else {})}
    process = spawn_cli(settings, *args)
    killer.pid, killer.at, killer.seen = process.pid, kill_at_order, 0
    output, _ = process.communicate(timeout=240)
    killer.pid = None
    return process.returncode, output


def _prepare(served: tuple[LocalExchange, KillOnOrder, str], database: str, account: str) -> None:
    for args in (("init",), ("models", "import", str(MODELS)),
                 ("accounts", "add", account, "--broker", "crypto", "--currency", "USDT"),
                 ("assign", account, "CRYPTO-CORE")):
        code, output = _trimtab(served, database, *args)
        assert code == 0, output


def _assert_each_order_sent_once(local: LocalExchange, market_type: str) -> None:
    orders = [order for order in local.exchange.orders if order.market_type == market_type]
    ids = collections.Counter(order.client_order_id for order in orders)
    assert ids, "the run sent orders"
    assert max(ids.values()) == 1, ids
    assert all(not order.is_open for order in orders)
    sells = [order for order in orders if order.side == "SELL"]
    assert sells, "the run sold (ETH) before it bought"


@pytest.mark.parametrize(("account", "crash"), [
    ("CX-SPOT", "kill_at_order:1"), ("CX-SPOT", "kill_at_order:2"), ("CX-SPOT", "submit:2"), ("CX-SPOT", "accepted:1"),
    ("CX-FUT", "kill_at_order:1"), ("CX-FUT", "kill_at_order:2"), ("CX-FUT", "accepted:1"),
])
def test_crypto_run_killed_at_a_point_then_resumed_sends_no_order_twice(
    tmp_path: Path, exchange: tuple[LocalExchange, KillOnOrder, str], account: str, crash: str,
) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    point, _, number = crash.partition(":")
    _prepare(exchange, database, account)
    killed = point == "kill_at_order"
    code, output = _trimtab(exchange, database, "rebalance", account, "--broker", "crypto", "--execute",
                            crash_at=None if killed else crash, kill_at_order=int(number) if killed else None)
    assert code == -signal.SIGKILL, output
    ((run_id, status),) = query_database(database, "select run_id, status from rebalancing_runs")
    assert status == "running"

    code, output = _trimtab(exchange, database, "runs", "resume", run_id)

    assert code == 0, output
    assert query_database(database, "select status from rebalancing_runs") == [("completed",)], output
    _assert_each_order_sent_once(exchange[0], "spot" if account == "CX-SPOT" else "futures")

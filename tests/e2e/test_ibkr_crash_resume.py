"""A real `trimtab rebalance --broker ibkr --execute` against the local IB Gateway over the TWS socket protocol,
killed with SIGKILL at the worst moments, then `runs resume`: the gateway must never hold two orders with the
same orderRef (trimtab's client order id).

The gateway runs in a thread of this test process on the real clock, filling half an order every 0.3 s. The
worst moment is when the gateway has taken an order and its acknowledgement has not reached trimtab: the
gateway kills the trimtab process right after recording the order, so the resumed run must find the order by
its orderRef among IBKR's open and completed orders instead of sending it again.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.contract.ibkr_harness import LoopThread
from tests.e2e.cli_process import query_database
from trimtab_testkit.ibgw.placing import PlaceOrder
from trimtab_testkit.ibgw.serve import DEMO_ACCOUNTS_FILE, load_accounts_file
from trimtab_testkit.ibgw.server import LocalGateway

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "DU1000001"  # holds SPMO, SMH and IAU off the GTAA weights, with USD cash: sells and buys
REBALANCE = ("rebalance", ACCOUNT, "--broker", "ibkr", "--execute")

pytestmark = pytest.mark.slow


class KillOnPlace:
    """Lets the gateway take the n-th order, then SIGKILLs the client before it reads the answer."""

    def __init__(self, gateway: LocalGateway) -> None:
        self.pid: int | None = None
        self.at: int | None = None
        self.seen = 0
        place = gateway.engine.place

        def placing(client_id: int, request: PlaceOrder, accounts: list[str]) -> None:
            place(client_id, request, accounts)
            if request.what_if:
                return
            self.seen += 1
            if self.pid is not None and self.seen == self.at:
                os.kill(self.pid, signal.SIGKILL)

        gateway.engine.place = placing  # type: ignore[method-assign]


@pytest.fixture
def gateway() -> Iterator[tuple[LocalGateway, KillOnPlace]]:
    config = load_accounts_file(DEMO_ACCOUNTS_FILE)
    config.fill_interval = 0.3
    thread = LoopThread()
    served = LocalGateway(config)
    thread.run(served.start(pump_seconds=0.1))
    try:
        yield served, KillOnPlace(served)
    finally:
        thread.run(served.close())
        thread.stop()


def _trimtab(gateway: LocalGateway, killer: KillOnPlace, database: str, *args: str,
             crash_at: str | None = None, kill_at_order: int | None = None) -> tuple[int, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TRIMTAB_")}
    environment.update({"TRIMTAB_DATABASE_URL": database, "TRIMTAB_IBKR_PORT": str(gateway.port),
                        "TRIMTAB_FILL_TIMEOUT_SECONDS": "30", "TRIMTAB_POLL_INTERVAL_SECONDS": "0.3"})
    if crash_at:
        environment["TRIMTAB_CRASH_AT"] = crash_at
    command = [sys.executable, "-m", "trimtab.entrypoints.cli", *args]
    process = subprocess.Popen(command, cwd=ROOT, env=environment,  # noqa: S603
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    killer.pid, killer.at, killer.seen = process.pid, kill_at_order, 0
    output, _ = process.communicate(timeout=240)
    killer.pid = None
    return process.returncode, output


def _prepare(gateway: LocalGateway, killer: KillOnPlace, database: str) -> None:
    for args in (("init", "--demo"), ("models", "import", str(ROOT / "examples" / "models.yaml")),
                 ("accounts", "add", ACCOUNT, "--broker", "ibkr", "--currency", "USD"), ("assign", ACCOUNT, "GTAA")):
        code, output = _trimtab(gateway, killer, database, *args)
        assert code == 0, output


def _positions(gateway: LocalGateway) -> dict[str, Decimal]:
    account = gateway.config.account(ACCOUNT)
    assert account is not None
    return {symbol: quantity for symbol, quantity in account.positions.items() if quantity}


def _assert_each_order_sent_once(gateway: LocalGateway, database: str) -> None:
    refs = collections.Counter(order.order_ref for order in gateway.engine.orders)
    assert refs, "the run sent orders"
    assert max(refs.values()) == 1, refs
    sent = {row[0] for row in query_database(database, "select client_order_id from rebalancing_trades")}
    assert set(refs) <= sent


def test_ibkr_run_completes_then_killed_runs_resume_without_sending_twice(
    tmp_path: Path, gateway: tuple[LocalGateway, KillOnPlace],
) -> None:
    served, killer = gateway
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    _prepare(served, killer, database)
    before = _positions(served)
    code, output = _trimtab(served, killer, database, *REBALANCE, kill_at_order=1)
    assert code == -signal.SIGKILL, output
    ((run_id, status),) = query_database(database, "select run_id, status from rebalancing_runs")
    assert status == "running"
    assert len(served.engine.orders) == 1

    code, output = _trimtab(served, killer, database, "runs", "resume", run_id)

    assert code == 0, output
    assert query_database(database, "select status from rebalancing_runs") == [("completed",)], output
    _assert_each_order_sent_once(served, database)
    assert all(not order.is_open for order in served.engine.orders)
    assert _positions(served) != before


@pytest.mark.parametrize("crash", ["kill_at_order:3", "submit:2", "accepted:1"])
def test_ibkr_run_killed_at_a_point_then_resumed_sends_no_order_twice(
    tmp_path: Path, gateway: tuple[LocalGateway, KillOnPlace], crash: str,
) -> None:
    served, killer = gateway
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    point, _, number = crash.partition(":")
    _prepare(served, killer, database)
    code, output = _trimtab(served, killer, database, *REBALANCE, crash_at=None if point == "kill_at_order" else crash,
                            kill_at_order=int(number) if point == "kill_at_order" else None)
    assert code == -signal.SIGKILL, output
    ((run_id, _),) = query_database(database, "select run_id, status from rebalancing_runs")

    code, output = _trimtab(served, killer, database, "runs", "resume", run_id)

    assert code == 0, output
    assert query_database(database, "select status from rebalancing_runs") == [("completed",)], output
    _assert_each_order_sent_once(served, database)
    assert all(not order.is_open for order in served.engine.orders)

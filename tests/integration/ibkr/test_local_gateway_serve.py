"""The local IB Gateway served as a process: the demo desk file and the serve entry point."""

from __future__ import annotations

import asyncio
import select
import subprocess
import sys
from decimal import Decimal

from ib_async import IB

from trimtab_testkit.ibgw.serve import DEMO_ACCOUNTS_FILE, load_accounts_file


def test_demo_desk_loads_as_exact_decimals() -> None:
    config = load_accounts_file(DEMO_ACCOUNTS_FILE)
    assert [account.account_id for account in config.accounts] == ["DU1000001", "DU1000002", "DU1000003"]
    assert all(account.is_paper and account.base_currency == "SGD" for account in config.accounts)
    assert config.accounts[0].cash == {"USD": Decimal("12000.00"), "SGD": Decimal("5000.00")}
    spmo = config.instrument("SPMO")
    assert spmo is not None
    assert (spmo.price, spmo.min_tick, spmo.isin) == (Decimal("101.23"), Decimal("0.01"), "US46138E3392")
    assert config.fx_to_usd["SGD"] == Decimal("0.77")


def test_serve_answers_ib_async_on_the_printed_port() -> None:
    command = [sys.executable, "-m", "trimtab_testkit.ibgw.serve", "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as process:  # noqa: S603
        try:
            assert process.stdout is not None
            ready, _, _ = select.select([process.stdout], [], [], 15)
            assert ready, "serve printed nothing within 15 s"
            line = process.stdout.readline().strip()
            assert line.startswith("local IB Gateway listening on 127.0.0.1:")
            port = int(line.rsplit(":", 1)[1])
            accounts = asyncio.run(_accounts(port))
        finally:
            process.terminate()
    assert accounts == ["DU1000001", "DU1000002", "DU1000003"]


async def _accounts(port: int) -> list[str]:
    ib = IB()
    await ib.connectAsync("127.0.0.1", port, clientId=1, timeout=5)
    try:
        return ib.managedAccounts()
    finally:
        ib.disconnect()

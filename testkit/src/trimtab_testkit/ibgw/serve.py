"""Serve the local IB Gateway for demos and manual tests.

    python -m trimtab_testkit.ibgw.serve --port 4002 [--account-file FILE] [--host 127.0.0.1]

The account file is YAML (see demo_accounts.yaml beside this module); every number is read from its text as a
Decimal. --port 0 picks a free port; the first printed line names the address. Orders fill on the real clock.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import yaml

from trimtab_testkit.ibgw.model import FakeAccount, FakeInstrument, GatewayConfig
from trimtab_testkit.ibgw.server import LocalGateway

DEMO_ACCOUNTS_FILE = Path(__file__).with_name("demo_accounts.yaml")


def _amounts(mapping: object) -> dict[str, Decimal]:
    if not isinstance(mapping, Mapping):
        return {}
    return {str(key): Decimal(str(value)) for key, value in mapping.items()}


def load_accounts_file(path: Path) -> GatewayConfig:
    """A gateway configuration from YAML: instruments, accounts, fill rules and FX rates to USD."""
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # noqa: S506 — text scalars only
    instruments = [
        FakeInstrument(str(item["symbol"]), int(item["con_id"]), Decimal(item["price"]),
                       currency=item.get("currency", "USD"), primary_exchange=item.get("exchange", "NASDAQ"),
                       min_tick=Decimal(item.get("min_tick", "0.01")), isin=item.get("isin", ""),
                       long_name=item.get("name", ""), stock_type=item.get("stock_type", "COMMON"))
        for item in document.get("instruments", [])
    ]
    accounts = [FakeAccount(str(item["id"]), item.get("base_currency", "USD"), _amounts(item.get("cash")),
                            _amounts(item.get("positions")))
                for item in document.get("accounts", [])]
    fx = {"USD": Decimal(1), **_amounts(document.get("fx_to_usd"))}
    return GatewayConfig(accounts=accounts, instruments=instruments, fx_to_usd=fx,
                         fill_interval=float(document.get("fill_interval", "2")),
                         fill_fraction=Decimal(document.get("fill_fraction", "1")))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve the local IB Gateway (TWS API socket protocol).")
    parser.add_argument("--port", type=int, default=4002)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--account-file", type=Path, default=DEMO_ACCOUNTS_FILE)
    return parser.parse_args(argv)


async def serve(config: GatewayConfig, host: str, port: int) -> None:
    gateway = await LocalGateway(config, host, port).start(pump_seconds=0.25)
    sys.stdout.write(f"local IB Gateway listening on {host}:{gateway.port}\n")
    sys.stdout.flush()
    try:
        await asyncio.Event().wait()  # until interrupted
    finally:
        await gateway.close()


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    asyncio.run(serve(load_accounts_file(args.account_file), args.host, args.port))


if __name__ == "__main__":
    main()

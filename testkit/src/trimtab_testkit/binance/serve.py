"""Serve the local Binance for demos and manual tests.

    python -m trimtab_testkit.binance.serve --port 8765 [--account-file FILE] [--start ISO --speed X --anchor S]

Spot under /api/v3, USDT-margined futures under /fapi. The account file is YAML (demo_exchange.yaml beside this
module), every number read from its text as a Decimal. The clock is the wall clock, or a simulated one (`--start`,
`--speed`, `--anchor`: the same figures as TRIMTAB_SIMULATED_CLOCK, so trimtab and the exchange share it).
--port 0 picks a free port; the first printed line names the address.
"""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import uvicorn
import yaml

from trimtab_testkit.binance.app import make_local_exchange
from trimtab_testkit.binance.model import ExchangeConfig, FakeMarket

DEMO_EXCHANGE_FILE = Path(__file__).with_name("demo_exchange.yaml")


def _amounts(mapping: object) -> dict[str, Decimal]:
    if not isinstance(mapping, Mapping):
        return {}
    return {str(key): Decimal(str(value)) for key, value in mapping.items()}


def load_exchange_file(path: Path, clock: Callable[[], float] = time.time) -> ExchangeConfig:
    """An exchange configuration from YAML: keys, markets, spot balances, futures wallet and positions."""
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # noqa: S506 — text scalars only
    markets = [FakeMarket(item["base"], item["quote"], Decimal(item["price"]), Decimal(item["tick_size"]),
                          Decimal(item["step_size"]), Decimal(item["min_quantity"]), Decimal(item["min_notional"]))
               for item in document.get("markets", [])]
    return ExchangeConfig(api_key=document["api_key"], api_secret=document["api_secret"], markets=markets,
                          spot_balances=_amounts(document.get("spot_balances")),
                          futures_wallet=Decimal(document.get("futures_wallet", "0")),
                          futures_positions=_amounts(document.get("futures_positions")), clock=clock,
                          fill_interval=float(document.get("fill_interval", "0")),
                          fill_fraction=Decimal(document.get("fill_fraction", "1")))


def scaled_clock(start: str | None, speed: float, anchor: float | None) -> Callable[[], float]:
    """Epoch seconds that read `start` at the wall instant `anchor` (default: now) and run `speed` times real time."""
    if start is None:
        return time.time
    origin = dt.datetime.fromisoformat(start).timestamp()
    wall = time.time() if anchor is None else anchor
    return lambda: origin + (time.time() - wall) * speed


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve the local Binance (spot /api/v3, futures /fapi).")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--account-file", type=Path, default=DEMO_EXCHANGE_FILE)
    parser.add_argument("--start", help="ISO instant the simulated clock reads at --anchor (default: wall clock)")
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--anchor", type=float, help="wall epoch second at which the clock read --start")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    config = load_exchange_file(args.account_file, scaled_clock(args.start, args.speed, args.anchor))
    local = make_local_exchange(config)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((args.host, args.port))
    sys.stdout.write(f"local Binance listening on http://{args.host}:{listener.getsockname()[1]}\n")
    sys.stdout.flush()
    server = uvicorn.Server(uvicorn.Config(local.app, lifespan="off", ws="none", log_level="warning"))
    server.run(sockets=[listener])


if __name__ == "__main__":
    main()

"""Serve the local KIS fake over HTTP for demos and manual tests.

    python -m trimtab_testkit.kis.serve --port 8765 --account-file FILE \
        [--start 2026-11-20T10:00:00+09:00] [--speed 10] [--anchor EPOCH] [--host 127.0.0.1]

The account file is YAML (see demo_account.yaml beside this module). Every scalar is read as text, so numbers
become Decimal from their exact text and symbols such as 005930 stay strings. The fake's clock starts at --start
(a naive time is KST) and runs at --speed × real time; without --start it starts at the real time now. It listens
on 127.0.0.1 unless --host says otherwise; --port 0 picks a free port (the printed line names it).
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
from typing import cast, get_args

import uvicorn
import yaml

from trimtab_testkit.kis.account import Environment, FakeHolding, FakeKisConfig
from trimtab_testkit.kis.app import make_fake_kis
from trimtab_testkit.kis.market import KST, FakePrice, Kind, TickTable

DEMO_ACCOUNT_FILE = Path(__file__).with_name("demo_account.yaml")


def scaled_clock(
    start: float | None, speed: float, *, wall: Callable[[], float] = time.time,
    elapsed: Callable[[], float] = time.monotonic, anchor: float | None = None,
) -> Callable[[], float]:
    """Return a clock that reads `start` now (the wall time when None) and runs `speed` times real time.

    With `anchor` (a real epoch second) the clock read `start` at that wall instant instead of now: another
    process given the same start, anchor and speed (trimtab's TRIMTAB_SIMULATED_CLOCK) reads the same time.
    """
    origin = wall() if start is None else start
    if anchor is not None:
        def anchored() -> float:
            return origin + (wall() - anchor) * speed

        return anchored
    began = elapsed()

    def clock() -> float:
        return origin + (elapsed() - began) * speed

    return clock


def text(mapping: Mapping[str, object], key: str, default: str | None = None) -> str:
    """Return a scalar of the account file as text; a missing key without a default is an error."""
    value = mapping.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"account file: {key!r} must be a scalar (got {value!r})")
    return value


def entries(mapping: Mapping[str, object], key: str) -> list[Mapping[str, object]]:
    """Return a list of mappings from the account file (empty when the key is missing)."""
    value = mapping.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError(f"account file: {key!r} must be a list of mappings")
    return cast(list[Mapping[str, object]], value)


def tick_table(mapping: Mapping[str, object]) -> TickTable | None:
    """Read an optional `tick_table` list of [lower bound, tick] pairs."""
    rows = mapping.get("tick_table")
    if rows is None:
        return None
    if not isinstance(rows, list) or not all(isinstance(row, list) and len(row) == 2 for row in rows):
        raise ValueError("account file: tick_table must be a list of [lower bound, tick] pairs")
    return tuple((Decimal(lower), Decimal(tick)) for lower, tick in rows)


def read_price(symbol: str, mapping: Mapping[str, object]) -> FakePrice:
    """Read one `prices` entry."""
    kind = text(mapping, "kind", "stock")
    if kind not in get_args(Kind):
        raise ValueError(f"account file: {symbol} kind must be stock or etf")
    tick = mapping.get("tick")
    return FakePrice(
        Decimal(text(mapping, "price")), Decimal(text(mapping, "base_price")),
        Decimal(text(mapping, "upper_limit")), Decimal(text(mapping, "lower_limit")),
        tick=None if tick is None else Decimal(text(mapping, "tick")), kind=cast(Kind, kind),
        tick_table=tick_table(mapping), name=text(mapping, "name", ""),
    )


def read_holding(mapping: Mapping[str, object]) -> FakeHolding:
    """Read one `holdings` entry."""
    return FakeHolding(
        text(mapping, "symbol"), text(mapping, "name", ""), int(text(mapping, "quantity")),
        Decimal(text(mapping, "price")),
    )


def load_account_file(path: Path, clock: Callable[[], float] = time.time) -> FakeKisConfig:
    """Build a FakeKisConfig from a YAML account file (every scalar read as text)."""
    # BaseLoader builds only str, list and dict (no objects, no implicit types): every number stays its text.
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # noqa: S506
    if not isinstance(document, dict):
        raise ValueError(f"account file {path}: expected a mapping at the top")
    environment = text(document, "environment", "virtual")
    if environment not in get_args(Environment):
        raise ValueError("account file: environment must be virtual or real")
    prices = document.get("prices", {})
    if not isinstance(prices, dict) or not all(isinstance(entry, dict) for entry in prices.values()):
        raise ValueError("account file: prices must map symbols to mappings")
    settled = document.get("settled_cash")
    holidays = document.get("holidays", [])
    if not isinstance(holidays, list):
        raise ValueError("account file: holidays must be a list of YYYY-MM-DD dates")
    return FakeKisConfig(
        app_key=text(document, "app_key"), app_secret=text(document, "app_secret"),
        environment=cast(Environment, environment), account=text(document, "account"),
        deposit=Decimal(text(document, "deposit")),
        settled_cash=None if settled is None else Decimal(text(document, "settled_cash")),
        commission_rate=Decimal(text(document, "commission_rate", "0.00014")),
        sell_tax_rate=Decimal(text(document, "sell_tax_rate", "0.0020")),
        fill_interval_seconds=float(Decimal(text(document, "fill_interval_seconds", "10"))),
        fill_fraction=Decimal(text(document, "fill_fraction", "0.25")),
        enforce_hours=text(document, "enforce_hours", "true").lower() in ("true", "yes", "on", "1"),
        holidays=frozenset(dt.date.fromisoformat(str(day)) for day in holidays),
        holdings=[read_holding(entry) for entry in entries(document, "holdings")],
        prices={str(symbol): read_price(str(symbol), entry) for symbol, entry in prices.items()},
        clock=clock,
    )


def start_instant(value: str | None) -> float | None:
    """Parse --start: an ISO date-time; a naive one is KST."""
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=KST)
    return moment.timestamp()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve the local KIS fake over HTTP.")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--account-file", type=Path, default=DEMO_ACCOUNT_FILE, help="YAML account file")
    parser.add_argument("--start", default=None, help="the fake market's time at start-up, ISO (naive = KST)")
    parser.add_argument("--speed", type=float, default=1.0, help="how many times real time the clock runs")
    parser.add_argument("--anchor", type=float, default=None,
                        help="real epoch second at which the clock read --start (default: start-up)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the fake until interrupted."""
    args = parse_args(argv)
    config = load_account_file(args.account_file, scaled_clock(start_instant(args.start), args.speed,
                                                                    anchor=args.anchor))
    config.gateway_clock = time.time  # the market may run simulated; tokens and limits run in real time
    app = make_fake_kis(config)
    family = socket.getaddrinfo(args.host, args.port, type=socket.SOCK_STREAM)[0][0]
    listener = socket.create_server((args.host, args.port), family=family)
    host, port = listener.getsockname()[:2]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", ws="none", log_level="warning"))
    sys.stdout.write(f"local KIS listening on http://{host}:{port}\n")
    sys.stdout.flush()
    try:
        server.run(sockets=[listener])
    finally:
        listener.close()


if __name__ == "__main__":
    main()

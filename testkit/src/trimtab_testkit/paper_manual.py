"""A trade made at the paper broker behind trimtab's back, as a person would in the broker's own app.

Demos and tests use it to show what reconciliation does with shares nobody can be shown to own: the order's
client id is one trimtab never makes (``APP-…``), so its fill belongs to no run and no strategy.

    python -m trimtab_testkit.paper_manual DEMO-KR buy 005930 3

It uses the database and settings of the environment (``TRIMTAB_DATABASE_URL``), connects to the account's paper
broker the way a run does, sends a market order and lets the simulated market clock run until it fills.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from trimtab.application.brokers import BrokerChoice
from trimtab.application.facade import Trimtab
from trimtab.bootstrap import build
from trimtab.domain.execution import OrderReport, OrderRequest
from trimtab.domain.orders import OrderType, Side

POLL_SECONDS = 60.0  # simulated seconds between looks at the order
MAX_POLLS = 600


@dataclass(frozen=True, slots=True)
class ManualTrade:
    account_id: str
    side: Side
    symbol: str
    quantity: Decimal


async def trade(trimtab: Trimtab, order: ManualTrade) -> OrderReport:
    """Send `order` as a market order with a client id trimtab never makes; return its report once closed."""
    account = trimtab.storage.accounts.get(order.account_id)
    if account.broker != "paper":
        raise SystemExit(f"account {order.account_id} is on {account.broker}: manual trades are for paper accounts")
    choice = BrokerChoice()
    async with trimtab._factory_for(account, choice).connect(account, choice, None) as connection:
        request = OrderRequest(client_order_id=f"APP-{secrets.token_hex(6)}", account_id=order.account_id,
                               symbol=order.symbol, side=order.side, quantity=order.quantity,
                               order_type=OrderType.MARKET, limit_price=None)
        report = await connection.broker.submit(request)
        for _ in range(MAX_POLLS):
            if not report.status.is_open:
                return report
            await connection.sleep(POLL_SECONDS)
            found = await connection.broker.get_order(order.account_id, request.client_order_id)
            report = report if found is None else found
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trimtab_testkit.paper_manual", description=__doc__.splitlines()[0])
    parser.add_argument("account")
    parser.add_argument("side", type=str.upper, choices=[side.value for side in Side])
    parser.add_argument("symbol")
    parser.add_argument("quantity")
    args = parser.parse_args(argv)
    try:
        quantity = Decimal(args.quantity)
    except InvalidOperation:
        parser.error(f"quantity: not a number: {args.quantity!r}")
    if not quantity.is_finite() or quantity <= 0:
        parser.error(f"quantity: must be above 0: {args.quantity!r}")
    report = asyncio.run(trade(build(), ManualTrade(args.account, Side(args.side), args.symbol, quantity)))
    sys.stdout.write(f"manual {report.side} {report.symbol} x {report.filled_quantity} of {report.quantity} at "
                     f"{report.average_price} ({report.status}, id {report.client_order_id}) "
                     f"{report.reject_message}".rstrip() + "\n")
    return 0 if report.filled_quantity > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

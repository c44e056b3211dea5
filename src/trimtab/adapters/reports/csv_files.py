"""CSV files: the positions report (one row per position and per account's cash) and the TWS basket."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from trimtab.domain.basket import HEADER, BasketLine, plain
from trimtab.domain.positions_report import PositionsReport

POSITIONS_COLUMNS = ("account", "currency", "symbol", "quantity", "price", "value", "fx_pair", "fx_rate",
                     "fx_source", "fx_as_of", "base_currency", "base_value", "prices_as_of")
CASH = "CASH"


def write_positions_csv(report: PositionsReport, path: Path) -> None:
    """One row per position, a `CASH` row per account and cash currency: sum `base_value` by account for its total."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(POSITIONS_COLUMNS)
        for account in report.accounts:
            used = account.conversion.used
            fx = ("", "", "", "") if used is None else (used.pair, plain(used.rate), used.source,
                                                         used.as_of.isoformat())
            for line in account.positions:
                writer.writerow((account.account_id, account.currency, line.symbol, plain(line.quantity),
                                 plain(line.price), plain(line.value), *fx, report.base_currency,
                                 format(line.base_value, "f"), account.prices_as_of.isoformat()))
            writer.writerow((account.account_id, account.currency, CASH, "", "", plain(account.cash_local), *fx,
                             report.base_currency, format(account.own_cash, "f"), account.prices_as_of.isoformat()))
            for cash in account.other_cash:  # cash in other currencies: a CASH row each, in its own currency
                other = cash.conversion.used
                rate = ("", "", "", "") if other is None else (other.pair, plain(other.rate), other.source,
                                                                other.as_of.isoformat())
                writer.writerow((account.account_id, cash.currency, CASH, "", "", plain(cash.amount), *rate,
                                 report.base_currency, format(cash.base_value, "f"),
                                 account.prices_as_of.isoformat()))


def write_basket_csv(lines: Sequence[BasketLine], path: Path) -> None:
    """The TWS basket: the seed's header, then one line per order (CRLF-free, no spaces around commas)."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(line.row() for line in lines)

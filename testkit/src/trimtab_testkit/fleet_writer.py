"""Write a synthetic fleet fast: COPY on PostgreSQL (holdings' key rebuilt once at the end), executemany on SQLite."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import numpy as np
from sqlalchemy import Engine

from trimtab.domain.snapshot import Quote
from trimtab_testkit.fleet import (
    AS_OF,
    CURRENCIES,
    MODEL_NAMES,
    READ_AT,
    RELATIVE_BAND,
    FleetBlock,
    outside_symbol,
    symbols_of,
)

COLUMNS = {
    "accounts": ("id", "name", "currency", "broker", "created_at"),
    "account_assignments": ("account_id", "model_name", "pinned_version", "assigned_at"),
    "rebalancing_config": ("account_id", "class_band", "ticker_band", "relative_band", "cash_buffer",
                           "min_trade_value", "price_ticks", "updated_at", "confirm_days", "split_days"),
    "account_balances": ("account_id", "cash", "as_of", "commission_rate", "commission_minimum", "read_at"),
    "account_holdings": ("account_id", "symbol", "quantity", "orderable_quantity"),
    "last_quotes": ("symbol", "price", "base_price", "currency", "market", "instrument_type", "lot_size",
                    "tick_size", "name", "read_at"),
}


class FleetWriter:
    """One transaction writing a fleet; tables in the order their keys need."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._read_at = READ_AT.strftime("%Y-%m-%d %H:%M:%S") + ("+00" if self._postgres else ".000000")
        self._driver: Any = None

    def __enter__(self) -> FleetWriter:
        self._context = self._engine.begin()
        connection = self._context.__enter__()
        self._driver = connection.connection.driver_connection
        if self._postgres:
            self._driver.execute("SET LOCAL session_replication_role = replica")  # no per-row key triggers
            self._driver.execute("ALTER TABLE account_holdings DROP CONSTRAINT pk_account_holdings")
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if kind is None and self._postgres:
            self._driver.execute("ALTER TABLE account_holdings ADD CONSTRAINT pk_account_holdings "
                                 "PRIMARY KEY (account_id, symbol)")
        self._context.__exit__(kind, error, traceback)

    def quotes(self, quotes: dict[str, Quote]) -> None:
        rows = [(symbol, str(quote.price), None, quote.instrument.currency, quote.instrument.market.value,
                 quote.instrument.instrument_type.value, str(quote.instrument.lot_size), None, quote.instrument.name,
                 self._read_at) for symbol, quote in quotes.items()]
        self._write("last_quotes", rows)

    def block(self, block: FleetBlock) -> None:
        """One block's accounts, assignments, own bands, balances and holdings."""
        ids = [block.account_id(row) for row in range(len(block.models))]
        models = block.models.tolist()
        self._write("accounts", [(account, account, CURRENCIES[model], "paper", self._read_at)
                                 for account, model in zip(ids, models, strict=True)])
        self._write("account_assignments", [(account, MODEL_NAMES[model], None, self._read_at)
                                            for account, model in zip(ids, models, strict=True)])
        self._write("rebalancing_config", [(ids[row], "0.03", "0.05", str(RELATIVE_BAND), "0.01", "0", 1,
                                            self._read_at, 1, 1) for row in np.flatnonzero(block.own_bands).tolist()])
        present = block.has_positions.tolist()
        self._write("account_balances", [(ids[row], _money(cash, CURRENCIES[models[row]]), AS_OF.isoformat(),
                                          "0.00015", "0", self._read_at)
                                         for row, cash in enumerate(block.cash.tolist()) if present[row]])
        rows, columns = np.nonzero((block.quantities > 0) & block.has_positions[:, None])
        symbols = [symbols_of(model) for model in range(len(MODEL_NAMES))]
        holdings = [(ids[row], symbols[models[row]][column], str(quantity), str(quantity))
                    for row, column, quantity in zip(rows.tolist(), columns.tolist(),
                                                     block.quantities[rows, columns].tolist(), strict=True)]
        holdings += [(ids[row], outside_symbol(models[row], index), "1", "1")
                     for row, index in enumerate(block.outside.tolist()) if index >= 0 and present[row]]
        self._write("account_holdings", holdings)

    def _write(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        columns = ", ".join(COLUMNS[table])
        if self._postgres:
            text = "".join("\t".join(r"\N" if value is None else str(value) for value in row) + "\n" for row in rows)
            with self._driver.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(text)
        else:
            marks = ", ".join("?" * len(COLUMNS[table]))
            self._driver.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


def _money(minor: int, currency: str) -> str:
    if currency == "KRW":
        return str(minor)
    return f"{minor // 100}.{minor % 100:02d}"

"""Rows of the fleet tables to the sweep's values and back; the positions a stored snapshot leaves behind."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from trimtab.adapters.persistence.statements import IDS_PER_QUERY, upsert
from trimtab.adapters.persistence.tables_sweep import AccountBalanceRow, AccountHoldingRow, LastQuoteRow
from trimtab.adapters.persistence.types import plain_decimal
from trimtab.application.rebalancing_config import RebalancingConfig
from trimtab.application.sweep_ports import FleetChunk, StoredAccount
from trimtab.domain.instruments import Instrument, InstrumentType, Market
from trimtab.domain.price_age import StoredSnapshot
from trimtab.domain.snapshot import CostSettings, Quote


def chunk_of(accounts: Sequence[Any], holdings: Sequence[tuple[Any, ...]]) -> FleetChunk:
    """A chunk from its account rows (id, currency, model, pinned version, cash, settings) and holding tuples."""
    position = {row[0]: index for index, row in enumerate(accounts)}
    found = list(map(position.get, [holding[0] for holding in holdings]))
    symbols = [holding[1] for holding in holdings]
    quantities = [holding[2] for holding in holdings]
    if None in found:  # holdings of accounts outside the chunk's selection
        kept = [index for index, row in enumerate(found) if row is not None]
        found, symbols, quantities = ([column[index] for index in kept] for column in (found, symbols, quantities))
    rows: list[int] = found  # type: ignore[assignment]  # every None was dropped above
    return FleetChunk(
        account_ids=[row[0] for row in accounts], currencies=[row[1] for row in accounts],
        models=[(row[2], None if row[3] is None else str(row[3])) for row in accounts],
        configs=[_config(row) for row in accounts], cash=[row[4] for row in accounts],
        holding_accounts=rows, holding_symbols=symbols, holding_quantities=quantities)


def _config(row: Any) -> RebalancingConfig | None:
    if row[5] is None:
        return None
    return RebalancingConfig(class_band=row[5], ticker_band=row[6], relative_band=row[7], cash_buffer=row[8],
                             minimum_trade_value=row[9], price_ticks=row[10])


def quote_of(row: Any) -> Quote:
    """A last-quote row as the domain's quote of its instrument."""
    instrument = Instrument(row.symbol, Market(row.market), InstrumentType(row.instrument_type), row.currency,
                            row.lot_size, row.tick_size, row.name)
    return Quote(instrument, row.price, row.base_price)


def stored_account(balance: Any, holdings: Sequence[tuple[str, str, str, str]]) -> StoredAccount:
    """An account's balance row and its holdings (account, symbol, quantity and orderable quantity as text)."""
    return StoredAccount(balance.cash, balance.as_of, CostSettings(balance.commission_rate, balance.commission_minimum),
                         tuple((symbol, _exact(quantity), _exact(orderable)) for _, symbol, quantity, orderable
                               in holdings))


def _exact(text: str) -> Decimal:
    """Stored decimal text (PostgreSQL's already without trailing zeros: trim_scale) as a Decimal."""
    return Decimal(text)


def decimal_text(value: Decimal | None) -> str | None:
    """A Decimal as the plain text both databases take in bulk writes."""
    return None if value is None else plain_decimal(value)


def record_positions(session: Session, stored: Sequence[StoredSnapshot]) -> None:
    """Keep each account's cash and holdings of its newest snapshot, and each symbol's newest quote."""
    latest: dict[str, StoredSnapshot] = {}
    for item in stored:
        kept = latest.get(item.snapshot.account_id)
        if kept is None or item.read_at >= kept.read_at:
            latest[item.snapshot.account_id] = item
    accounts = sorted(latest)
    for start in range(0, len(accounts), IDS_PER_QUERY):
        for table in (AccountHoldingRow, AccountBalanceRow):
            session.execute(delete(table).where(table.account_id.in_(accounts[start:start + IDS_PER_QUERY])))
    session.execute(insert(AccountBalanceRow), [
        {"account_id": item.snapshot.account_id, "cash": item.snapshot.cash, "as_of": item.snapshot.as_of,
         "commission_rate": item.snapshot.costs.commission_rate,
         "commission_minimum": item.snapshot.costs.commission_minimum, "read_at": item.read_at}
        for item in latest.values()])
    holdings = [{"account_id": item.snapshot.account_id, "symbol": holding.symbol, "quantity": holding.quantity,
                 "orderable_quantity": holding.orderable_quantity}
                for item in latest.values() for holding in item.snapshot.holdings]
    if holdings:
        session.execute(insert(AccountHoldingRow), holdings)
    quotes: dict[str, tuple[StoredSnapshot, Quote]] = {}
    for item in latest.values():
        for symbol, quote in item.snapshot.quotes.items():
            if symbol not in quotes or item.read_at >= quotes[symbol][0].read_at:
                quotes[symbol] = (item, quote)
    for symbol, (item, quote) in sorted(quotes.items()):
        instrument = quote.instrument
        upsert(session, LastQuoteRow, {
            "symbol": symbol, "price": quote.price, "base_price": quote.base_price, "currency": instrument.currency,
            "market": instrument.market.value, "instrument_type": instrument.instrument_type.value,
            "lot_size": instrument.lot_size, "tick_size": instrument.tick_size, "name": instrument.name,
            "read_at": item.read_at}, ["symbol"])

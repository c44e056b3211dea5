"""Market data files for engines (`trimtab engines run`): a universe snapshot and an index's daily closes.

The universe, CSV with a header naming at least ``symbol,name,market_cap,price,market`` (also ``excluded``: why
a name may not be held, empty when it may), or YAML with the same keys in a list under ``universe``:

```csv
symbol,name,market_cap,price,market,excluded
005930,Samsung Electronics,420000000000000,70500,KOSPI,
```

The index closes, CSV with the header ``date,close`` (ISO dates, ascending, one row a trading day).
Every bad cell is an InvalidInput naming the file, the line and the field.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from trimtab.adapters.files.loader import (
    check_keys,
    parse_iso_date,
    parse_number,
    read_text,
    require_identifier,
    require_text,
)
from trimtab.adapters.files.tables import csv_entries, table_entries
from trimtab.domain.bounds import Bound
from trimtab.domain.engines.kospi_core import IndexClose, UniverseRow
from trimtab.domain.errors import InvalidInput

UNIVERSE_KEYS = ("symbol", "name", "market_cap", "price", "market", "excluded")
UNIVERSE_REQUIRED = ("symbol", "name", "market_cap", "price", "market")
INDEX_KEYS = ("date", "close")
LARGEST = Decimal(10) ** 17  # market caps in won reach 10^15; more is a typo
NOT_NEGATIVE = Bound(minimum=Decimal(0), maximum=LARGEST, places=8)
POSITIVE = Bound(minimum=Decimal(0), maximum=LARGEST, places=8, above_minimum=True)


class EngineFiles:
    """The engines' market data port over files."""

    def load_universe(self, path: Path) -> tuple[UniverseRow, ...]:
        """Every row of a universe file (.csv, .yaml or .yml)."""
        return load_universe(path)

    def load_index_closes(self, path: Path) -> tuple[IndexClose, ...]:
        """An index's daily closes (.csv: date,close), in the file's order."""
        return load_index_closes(path)


def load_universe(path: Path) -> tuple[UniverseRow, ...]:
    """Every row of a universe file; a symbol given twice is refused."""
    rows: dict[str, UniverseRow] = {}
    for where, entry in table_entries(path, list_key="universe", item="row", required=UNIVERSE_REQUIRED,
                                      allowed=UNIVERSE_KEYS):
        row = _universe_row(entry, where)
        if row.symbol in rows:
            raise InvalidInput("the symbol is given twice", where=where, field="symbol", value=row.symbol)
        rows[row.symbol] = row
    if not rows:
        raise InvalidInput("the file names no company", where=str(path), field="universe")
    return tuple(rows.values())


def load_index_closes(path: Path) -> tuple[IndexClose, ...]:
    """The closes of an index file, checked to be in ascending date order."""
    name = str(path)
    if path.suffix.lower() != ".csv":
        raise InvalidInput("unsupported index file type (use .csv with the header date,close)", where=name,
                           field="suffix", value=path.suffix)
    closes: list[IndexClose] = []
    for where, entry in csv_entries(read_text(path), name, required=INDEX_KEYS, allowed=INDEX_KEYS):
        check_keys(entry, INDEX_KEYS, where=where, required=INDEX_KEYS)
        close = IndexClose(parse_iso_date(entry["date"], where=where, field="date"),
                           parse_number(entry["close"], where=where, field="close", bound=POSITIVE))
        if closes and close.on <= closes[-1].on:
            raise InvalidInput(f"dates must ascend, one row a day (the row before is {closes[-1].on.isoformat()})",
                               where=where, field="date", value=close.on.isoformat())
        closes.append(close)
    if not closes:
        raise InvalidInput("the file has no close", where=name, field="close")
    return tuple(closes)


def _universe_row(entry: dict[str, object], where: str) -> UniverseRow:
    check_keys(entry, UNIVERSE_KEYS, where=where, required=UNIVERSE_REQUIRED)
    symbol = require_identifier(entry["symbol"], where=where, field="symbol")
    where = f"{where} ({symbol})"
    return UniverseRow(
        symbol=symbol, name=require_text(entry["name"], where=where, field="name"),
        market_cap=parse_number(entry["market_cap"], where=where, field="market_cap", bound=NOT_NEGATIVE),
        price=parse_number(entry["price"], where=where, field="price", bound=NOT_NEGATIVE),
        market=require_identifier(entry["market"], where=where, field="market").upper(),
        excluded=require_text(entry.get("excluded", ""), where=where, field="excluded", allow_empty=True))

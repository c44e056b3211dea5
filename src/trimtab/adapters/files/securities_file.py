"""Security master files (`trimtab securities import FILE`): CSV or YAML, one security per ISIN.

CSV, with a header naming at least ``isin,symbol,currency`` (also ``exchange``, ``con_id``, ``min_tick``,
``name``; columns in any order):

```csv
isin,symbol,currency,exchange,con_id,min_tick,name
US92189F6768,SMH,USD,SMART,14407271,0.01,VanEck Semiconductor ETF
```

YAML, a list under ``securities`` with the same keys:

```yaml
securities:
  - {isin: US92189F6768, symbol: SMH, currency: USD, con_id: 14407271, min_tick: "0.01"}
```

An ISIN is checked (format and check digit), numbers are read from their text, an ISIN given twice is refused.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from trimtab.adapters.files.loader import check_keys, parse_number, require_identifier, require_text
from trimtab.adapters.files.tables import table_entries
from trimtab.domain.bounds import Bound
from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import parse_currency
from trimtab.domain.securities import Security, check_isin

KEYS = ("isin", "symbol", "currency", "exchange", "con_id", "min_tick", "name")
REQUIRED = ("isin", "symbol", "currency")
TICK = Bound(minimum=Decimal(0), maximum=Decimal(100000), places=8, above_minimum=True)


def load_securities(path: Path) -> list[Security]:
    """Every security of a file (.csv, .yaml or .yml)."""
    entries = table_entries(path, list_key="securities", item="security", required=REQUIRED, allowed=KEYS)
    securities: dict[str, Security] = {}
    for where, entry in entries:
        security = _security(entry, where)
        if security.isin in securities:
            raise InvalidInput("the ISIN is given twice", where=where, field="isin", value=security.isin)
        securities[security.isin] = security
    if not securities:
        raise InvalidInput("the file names no security", where=str(path), field="securities")
    return list(securities.values())


def _security(entry: dict[str, object], where: str) -> Security:
    check_keys(entry, KEYS, where=where, required=REQUIRED)
    isin = check_isin(require_text(entry["isin"], where=where, field="isin"), where=where)
    where = f"{where} ({isin})"
    con_id = entry.get("con_id")
    tick = entry.get("min_tick")
    return Security(
        isin=isin, symbol=require_identifier(entry["symbol"], where=where, field="symbol"),
        currency=parse_currency(entry["currency"], where=where),
        exchange=require_identifier(entry.get("exchange", "SMART"), where=where, field="exchange"),
        con_id=None if con_id is None else _con_id(con_id, where),
        min_tick=None if tick is None else parse_number(tick, where=where, field="min_tick", bound=TICK),
        name=require_text(entry.get("name", ""), where=where, field="name", allow_empty=True), source="file")


def _con_id(value: object, where: str) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) <= 0:
        raise InvalidInput("a contract id is a positive whole number", where=where, field="con_id", value=value)
    return int(text)

"""FX rates files (`--rates FILE`): YAML, or CSV with the columns pair,rate,source,as_of.

```yaml
source: MAS daily reference rates        # default source of every rate below
as_of: 2026-11-30T17:00:00+08:00          # default time of every rate below (a date alone: 00:00 UTC)
rates:
  USD/SGD: 1.3452                         # one US dollar is 1.3452 Singapore dollars
  KRW/SGD: {rate: 0.000957, source: Bloomberg BFIX, as_of: 2026-11-30T09:00:00Z}
```

A rate needs a source and a time, given per rate or as the file's default; a time needs its zone offset.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from trimtab.adapters.files.loader import (
    YAML_SUFFIXES,
    check_keys,
    parse_number,
    parse_yaml,
    read_text,
    require_mapping,
    require_text,
)
from trimtab.domain.errors import InvalidInput
from trimtab.domain.fx import FxRate
from trimtab.domain.instruments import parse_currency

CSV_COLUMNS = ("pair", "rate", "source", "as_of")


def load_rates(path: Path) -> list[FxRate]:
    """Every rate of a rates file (.yaml/.yml or .csv)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rates(read_text(path), str(path))
    if suffix in YAML_SUFFIXES:
        return _yaml_rates(read_text(path), str(path))
    raise InvalidInput("unsupported rates file type (use .yaml, .yml or .csv)", where=str(path), field="suffix",
                       value=path.suffix)


def _yaml_rates(text: str, name: str) -> list[FxRate]:
    document = require_mapping(parse_yaml(text, name=name), where=name, field="document")
    check_keys(document, ("source", "as_of", "rates"), where=name)
    default_source = document.get("source")
    default_as_of = document.get("as_of")
    rates = require_mapping(document.get("rates"), where=name, field="rates")
    result = []
    for pair, spec in rates.items():
        where = f"{name}, rate {pair}"
        if isinstance(spec, dict):
            entry = require_mapping(spec, where=where, field=pair)
            check_keys(entry, ("rate", "source", "as_of"), where=where)
            value, source, as_of = entry.get("rate"), entry.get("source", default_source), \
                entry.get("as_of", default_as_of)
        else:
            value, source, as_of = spec, default_source, default_as_of
        result.append(_rate(pair, value, source, as_of, where))
    if not result:
        raise InvalidInput("no rates", where=name, field="rates")
    return result


def _csv_rates(text: str, name: str) -> list[FxRate]:
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(column.strip().lower() for column in reader.fieldnames or ())
    if header != CSV_COLUMNS:
        raise InvalidInput(f"the header must be {','.join(CSV_COLUMNS)}", where=name, field="header",
                           value=",".join(header))
    reader.fieldnames = list(CSV_COLUMNS)
    result = []
    for number, row in enumerate(reader, start=2):
        if not any((value or "").strip() for value in row.values()):
            continue
        result.append(_rate(row["pair"], row["rate"], row["source"], row["as_of"], f"{name}, line {number}"))
    if not result:
        raise InvalidInput("no rates", where=name, field="rates")
    return result


def _rate(pair: object, value: object, source: object, as_of: object, where: str) -> FxRate:
    text = require_text(pair, where=where, field="pair")
    base, slash, quote = text.partition("/")
    if not slash:
        raise InvalidInput("a pair is written BASE/QUOTE, e.g. USD/SGD", where=where, field="pair", value=text)
    rate = parse_number(value, where=where, field="rate")
    if rate <= 0:
        raise InvalidInput("an FX rate must be a positive number", where=where, field="rate", value=value)
    if source is None or as_of is None:
        missing = "source" if source is None else "as_of"
        raise InvalidInput("every rate needs a source and a time (per rate, or as the file's default)",
                           where=where, field=missing)
    return FxRate(parse_currency(base, where=where), parse_currency(quote, where=where), rate,
                  require_text(source, where=where, field="source"), _instant(as_of, where))


def _instant(value: object, where: str) -> dt.datetime:
    text = require_text(value, where=where, field="as_of")
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), tzinfo=dt.UTC)
        instant = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("expected an ISO date and time, e.g. 2026-11-30T17:00:00+08:00", where=where,
                           field="as_of", value=text) from None
    if instant.tzinfo is None:
        raise InvalidInput("the time needs its zone offset, e.g. +08:00 or Z", where=where, field="as_of",
                           value=text)
    return instant

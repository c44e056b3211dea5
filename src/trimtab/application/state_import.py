"""Importing the rolling-K bot's state.json into the per-strategy ledger.

Schema v2 (`schema_version: 2`): `positions[code].strategies[sid] = {qty, avg_price, entry: {time}, ...}`.
The buckets are the truth: the position-level `qty` is a cached total the bot stopped updating (in the real
bot-state file every one is 0 while its buckets hold the shares), so a disagreement is reported, never used.
Schema v1 (`version: 1`, `lots[]`): each lot's `remaining_qty` at its `entry_price`.
Bucket ids: the bot's placeholders ORPHAN and UNKNOWN (and MANUAL) become MANUAL; REB_YYYYMMDD stays that
bucket; a digits-only id N (the bot's strategies 1..5) becomes SN; another valid id is kept; an id that is no
strategy id becomes MANUAL. Every such change is a note. Entry ids derive from the file's content, so importing
the same file twice adds nothing. Prices are read as written (no float).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from trimtab.domain.errors import InvalidInput
from trimtab.domain.ledger import EntryKind, LedgerEntry
from trimtab.domain.numbers import ZERO, parse_decimal
from trimtab.domain.strategies import MANUAL, StrategyId, parse_strategy_id

PLACEHOLDERS = frozenset({"ORPHAN", "UNKNOWN", "MANUAL"})
_DIGITS = re.compile(r"[0-9]{1,3}")


@dataclass(frozen=True, slots=True)
class ImportedState:
    """What a state file gives the ledger: entries, and a note for everything that was not taken as written."""

    schema: int
    entries: tuple[LedgerEntry, ...]
    notes: tuple[str, ...]
    updated_at: dt.datetime

    def quantities(self) -> dict[tuple[str, str], Decimal]:
        """Quantity per (strategy, symbol) over the entries."""
        result: dict[tuple[str, str], Decimal] = {}
        for entry in self.entries:
            key = (entry.strategy_id, entry.symbol)
            result[key] = result.get(key, ZERO) + entry.quantity
        return result


def import_state(text: str, account_id: str, source: str) -> ImportedState:
    """Read a state.json (schema v2 positions, or v1 lots) into ledger entries for `account_id`."""
    try:
        document = json.loads(text, parse_float=Decimal)
    except ValueError as error:
        raise InvalidInput(f"is not JSON ({error})", where=source) from None
    if not isinstance(document, dict):
        raise InvalidInput("is not a state object", where=source)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    updated_at = _instant(document.get("updated_at"), dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    if document.get("schema_version") == 2 and isinstance(document.get("positions"), dict):
        return _schema_2(document["positions"], account_id, source, digest, updated_at)
    if document.get("version") == 1 and isinstance(document.get("lots"), list):
        return _schema_1(document["lots"], account_id, source, digest, updated_at)
    raise InvalidInput("is neither schema v2 (schema_version 2, positions) nor v1 (version 1, lots)", where=source)


def _schema_2(positions: Mapping[str, Any], account_id: str, source: str, digest: str,
              updated_at: dt.datetime) -> ImportedState:
    entries: list[LedgerEntry] = []
    notes: list[str] = []
    for code, position in sorted(positions.items()):
        where = f"{source}: positions[{code}]"
        buckets = position.get("strategies") if isinstance(position, dict) else None
        if not isinstance(buckets, dict):
            notes.append(f"{code}: no strategies buckets; skipped")
            continue
        total = ZERO
        for sid, bucket in sorted(buckets.items()):
            bucket_where = f"{where}.strategies[{sid}]"
            quantity = parse_decimal(bucket.get("qty", 0), where=bucket_where, field="qty")
            if quantity <= ZERO:
                notes.append(f"{code}/{sid}: quantity {quantity}; nothing imported")
                continue
            owner = _owner(str(sid), notes, code)
            price = parse_decimal(bucket.get("avg_price", 0), where=bucket_where, field="avg_price")
            entry = bucket.get("entry") if isinstance(bucket.get("entry"), dict) else {}
            entries.append(LedgerEntry(f"import:{digest}:{code}:{sid}", account_id, owner, str(code), quantity,
                                       price, EntryKind.IMPORT, _instant(entry.get("time"), updated_at),
                                       note=f"{source}: bucket {sid}"))
            total += quantity
        stated = position.get("qty")
        if stated is not None and parse_decimal(stated, where=where, field="qty") != total:
            notes.append(f"{code}: position quantity {stated} but its buckets hold {total}; the buckets are taken")
    return ImportedState(2, tuple(entries), tuple(notes), updated_at)


def _schema_1(lots: list[Any], account_id: str, source: str, digest: str, updated_at: dt.datetime) -> ImportedState:
    entries: list[LedgerEntry] = []
    notes: list[str] = []
    for index, lot in enumerate(lots):
        where = f"{source}: lots[{index}]"
        if not isinstance(lot, dict):
            raise InvalidInput("is not a lot object", where=where)
        code, sid = str(lot.get("pdno", "")), str(lot.get("strategy_id", ""))
        remaining = parse_decimal(lot.get("remaining_qty", 0), where=where, field="remaining_qty")
        if remaining <= ZERO:
            notes.append(f"{code}/{sid}: lot {lot.get('lot_id')} has nothing left; nothing imported")
            continue
        price = parse_decimal(lot.get("entry_price", 0), where=where, field="entry_price")
        entries.append(LedgerEntry(f"import:{digest}:{lot.get('lot_id', index)}", account_id,
                                   _owner(sid, notes, code), code, remaining, price, EntryKind.IMPORT,
                                   _instant(lot.get("entry_ts"), updated_at), note=f"{source}: lot {sid}"))
    return ImportedState(1, tuple(entries), tuple(notes), updated_at)


def _owner(sid: str, notes: list[str], code: str) -> StrategyId:
    if sid in PLACEHOLDERS:
        if sid != MANUAL:
            notes.append(f"{code}/{sid}: the bot's placeholder bucket; imported as MANUAL")
        return MANUAL
    if _DIGITS.fullmatch(sid):
        notes.append(f"{code}/{sid}: the bot's numbered strategy; imported as S{sid}")
        return StrategyId(f"S{sid}")
    try:
        return parse_strategy_id(sid)
    except InvalidInput:
        notes.append(f"{code}/{sid}: no strategy id; imported as MANUAL")
        return MANUAL


def _instant(value: object, default: dt.datetime) -> dt.datetime:
    if not isinstance(value, str):
        return default
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return default
    return parsed.astimezone(dt.UTC) if parsed.tzinfo is not None else default

"""Tables users keep as CSV (a header, a row a line) or YAML (a list of mappings under one key): their entries,
each with where it is (``FILE, line N`` or ``FILE, ITEM N``) so that every later error can name it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from trimtab.adapters.files.loader import (
    YAML_SUFFIXES,
    check_keys,
    parse_yaml,
    read_text,
    require_list,
    require_mapping,
)
from trimtab.domain.errors import InvalidInput

Entries = list[tuple[str, dict[str, object]]]


def table_entries(path: Path, *, list_key: str, item: str, required: tuple[str, ...],
                  allowed: tuple[str, ...]) -> Entries:
    """The rows of a .csv file or the items under ``list_key`` of a .yaml/.yml file; other suffixes are refused."""
    name = str(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return csv_entries(read_text(path), name, required=required, allowed=allowed)
    if suffix in YAML_SUFFIXES:
        document = require_mapping(parse_yaml(read_text(path), name=name), where=name, field="document")
        check_keys(document, (list_key,), where=name, required=(list_key,))
        items = require_list(document[list_key], where=name, field=list_key)
        return [(f"{name}, {item} {index + 1}", require_mapping(entry, where=name, field=list_key))
                for index, entry in enumerate(items)]
    raise InvalidInput(f"unsupported {item} file type (use .csv, .yaml or .yml)", where=name, field="suffix",
                       value=path.suffix)


def csv_entries(text: str, name: str, *, required: tuple[str, ...], allowed: tuple[str, ...]) -> Entries:
    """The rows of a CSV text whose header names at least ``required``; empty cells are left out."""
    reader = csv.DictReader(io.StringIO(text))
    header = [column.strip() for column in reader.fieldnames or []]
    missing = [column for column in required if column not in header]
    if missing:
        extra = [key for key in allowed if key not in required]
        also = f" (also allowed: {', '.join(extra)})" if extra else ""
        raise InvalidInput(f"the header needs the columns {', '.join(required)}{also}", where=name, field="header",
                           value=",".join(header))
    reader.fieldnames = header
    entries = []
    for row in reader:
        where = f"{name}, line {reader.line_num}"
        if None in row:
            raise InvalidInput("more cells than the header has columns", where=where, field="row", value=row[None])
        cells = {key: (value or "").strip() for key, value in row.items()}
        entries.append((where, {key: value for key, value in cells.items() if value != ""}))
    return entries

"""The TWS API framing: a 4-byte big-endian length, then NUL-terminated text fields; the handshake."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Sequence
from decimal import Decimal

SERVER_VERSION = 178  # the highest version ib_async 2.1.0 accepts (Client.MaxClientVersion)
API_PREFIX = b"API\0"

Field = str | int | Decimal | bool | None


def text(value: Field) -> str:
    """One field as the wire writes it: booleans as 1/0, None as empty, Decimals without exponent."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return str(value)


def frame(fields: Sequence[Field]) -> bytes:
    """A message: its fields NUL-terminated, prefixed with the length."""
    body = "".join(text(field) + "\0" for field in fields).encode()
    return struct.pack(">I", len(body)) + body


async def read_frame(reader: asyncio.StreamReader) -> bytes:
    """The body of the next length-prefixed message (IncompleteReadError when the peer closed)."""
    header = await reader.readexactly(4)
    (size,) = struct.unpack(">I", header)
    if size > 16 * 1024 * 1024:
        raise ValueError(f"message of {size} bytes refused")
    return await reader.readexactly(size)


def split_fields(body: bytes) -> list[str]:
    """The fields of a message body (the trailing NUL ends the last field)."""
    fields = body.decode(errors="replace").split("\0")
    if fields and fields[-1] == "":
        fields.pop()
    return fields


def version_range(body: bytes) -> tuple[int, int]:
    """The client's `vMIN..MAX [options]` version range."""
    words = body.decode(errors="replace").split(" ", 1)[0]
    if not words.startswith("v") or ".." not in words:
        raise ValueError(f"bad version range {words!r}")
    low, high = words[1:].split("..", 1)
    return int(low), int(high)


def decimal(value: str, default: Decimal | None = None) -> Decimal | None:
    """A field as Decimal from its exact text; empty (unset) gives `default`."""
    if value == "" or value in {"1.7976931348623157e+308", "Infinite"}:
        return default
    return Decimal(value)


def integer(value: str) -> int:
    return int(value) if value else 0

"""Seeded draws: a uniform fraction in [0, 1) from a seed and ids, the same in every process and call order."""

from __future__ import annotations

import hashlib
from decimal import Decimal

_SCALE = Decimal(2**64)


def uniform(seed: int, *parts: str | int) -> Decimal:
    """Return a fraction in [0, 1) determined only by the seed and the parts."""
    text = "\x1f".join([str(seed), *(str(part) for part in parts)])
    digest = hashlib.sha256(text.encode()).digest()
    return Decimal(int.from_bytes(digest[:8], "big")) / _SCALE

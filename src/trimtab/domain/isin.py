"""ISINs (ISO 6166): what one looks like, and which lines of a model name one.

Apart from the security master (securities.py), which resolves them: a plan from files asks whether its model
names any ISIN, and loads the master's module only when it does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trimtab.domain.models import ModelPortfolio

ISIN_LENGTH = 12


def is_isin(text: str) -> bool:
    """An ISIN: two letters, nine letters or digits, and a check digit that matches (ISO 6166)."""
    if len(text) != ISIN_LENGTH or not text[:2].isalpha() or not text.isalnum() or not text[-1].isdigit():
        return False
    if not text.isascii() or not text.isupper():
        return False
    return _check_digit(text[:-1]) == int(text[-1])


def _check_digit(body: str) -> int:
    digits = "".join(str(int(char, 36)) for char in body)
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def model_isins(model: ModelPortfolio) -> list[str]:
    """The model's symbols that are ISINs, in model order."""
    return [symbol for symbol in model.target_weights() if is_isin(symbol)]

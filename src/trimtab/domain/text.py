"""Names and identifiers from users: printable text of a bounded length.

A NUL or another control character in a ticker or a name is never meant; PostgreSQL cannot even store a
NUL in text. Refusing them where input is read keeps them out of plans, orders and tables alike.
Refused: control characters (Unicode category Cc: NUL, tab, newline, DEL, ...), lone surrogates (Cs,
which JSON's ``\\ud800`` escapes produce) and unassigned code points (Cn). Format characters such as
zero-width joiners stay allowed in names (Korean and Indic names use them) but not in identifiers.
"""

from __future__ import annotations

import unicodedata

from trimtab.domain.errors import InvalidInput

MAX_IDENTIFIER_LENGTH = 64  # symbols, ISINs, account ids, model and class names, versions
MAX_NAME_LENGTH = 200  # display names and descriptions
_NEVER = frozenset({"Cc", "Cs", "Cn"})
_NOT_IN_IDENTIFIERS = _NEVER | {"Cf", "Zl", "Zp"}


def check_identifier(text: str, *, where: str, field: str) -> str:
    """Return ``text`` if it is a usable identifier: printable, no format characters, short."""
    return _check(text, _NOT_IN_IDENTIFIERS, MAX_IDENTIFIER_LENGTH, where=where, field=field)


def check_name(text: str, *, where: str, field: str) -> str:
    """Return ``text`` if it is a usable display name or description: no control characters, bounded."""
    return _check(text, _NEVER, MAX_NAME_LENGTH, where=where, field=field)


def _check(text: str, refused: frozenset[str], limit: int, *, where: str, field: str) -> str:
    for position, character in enumerate(text, start=1):
        if unicodedata.category(character) in refused:
            raise InvalidInput(f"character U+{ord(character):04X} at position {position} is not allowed "
                               "(control, format or invalid character)", where=where, field=field, value=text)
    if len(text) > limit:
        raise InvalidInput(f"longer than {limit} characters", where=where, field=field, value=text)
    return text

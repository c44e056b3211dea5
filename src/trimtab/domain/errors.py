"""The one error tree of trimtab.

```
TrimtabError
├─ InvalidInput          bad file, bad weights, unknown instrument: clear message, exit code, no retry
│  └─ NotFound            an id or name that names nothing (an account, a model, a run): with close matches
├─ DomainError           broken invariant (InsufficientCash, InvalidTransition): fail fast, never clamp silently
│  ├─ InsufficientCash
│  └─ Busy              the account or run is being driven by another process: try again later
│     └─ LeaseLost        a fenced write found another process driving the run: stop at once
├─ StorageUnavailable    the database cannot be reached, read or written: stop, nothing more is sent
└─ BrokerError           raised only by adapters, after translation
   ├─ BrokerUnavailable  network, rate limit, 5xx: retry with backoff (transport layer only)
   ├─ AuthenticationFailed  stop; needs a person
   └─ OrderRejected      permanent; keeps the broker's code and message
```
"""

from __future__ import annotations

import reprlib

EXCERPT_LENGTH = 60  # characters of a value shown in an error message: never echo a whole input
WHERE_LENGTH = 200  # a file path plus model, class and holding names
MESSAGE_LENGTH = 300


def _bounded_repr() -> reprlib.Repr:
    # reprlib stops at a depth and a count, so even a structure that repeats itself a billion times
    # (a YAML alias bomb) is described in microseconds.
    shown = reprlib.Repr()
    shown.maxlevel, shown.maxlist, shown.maxtuple, shown.maxdict, shown.maxset = 2, 4, 4, 4, 4
    shown.maxstring = shown.maxother = shown.maxlong = EXCERPT_LENGTH
    return shown


_REPR = _bounded_repr()


def printable(text: str) -> str:
    """Text with its control characters escaped (``\\n``, ``\\x00``): an error message stays on one line."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() or char == " " else repr(char)[1:-1] for char in text)


def shorten(text: str, limit: int = EXCERPT_LENGTH) -> str:
    """Cut text to at most ``limit`` characters, keeping its start and end around an ellipsis."""
    if len(text) <= limit:
        return text
    head = (limit - 3) // 2
    return f"{text[:head]}...{text[len(text) - (limit - 3 - head):]}"


def excerpt(value: object, limit: int = EXCERPT_LENGTH) -> str:
    """A short, printable description of any value (text in quotes, control characters escaped)."""
    return shorten(_REPR.repr(value), limit)


class TrimtabError(Exception):
    """Base of every error trimtab raises on purpose."""


class InvalidInput(TrimtabError):
    """Input that cannot be used as given; the message names where, the field and the value.

    The message is bounded whatever the input: the value and the field as short excerpts, the place and
    the explanation cut to a few hundred characters.
    """

    def __init__(self, message: str, *, where: str = "", field: str = "", value: object = None) -> None:
        self.where = where
        self.field = field
        self.value = value
        parts = []
        if where:
            parts.append(shorten(printable(where), WHERE_LENGTH))
        if field:
            parts.append(f"field {excerpt(field)}")
        if value is not None:
            parts.append(f"value {excerpt(value)}")
        prefix = ", ".join(parts)
        message = shorten(printable(message), MESSAGE_LENGTH)
        self.message = message  # what is wrong, without where, field and value
        super().__init__(f"{prefix}: {message}" if prefix else message)


class NotFound(InvalidInput):
    """An id or name that names nothing: the message says what was looked for and how to find the right one.

    ``suggestions`` holds the close matches (for an API to offer), ``hint`` the sentence that shows them.
    """

    def __init__(self, kind: str, value: str, *, hint: str, suggestions: tuple[str, ...] = (), of: str = "") -> None:
        within = f" of {shorten(printable(of), WHERE_LENGTH)}" if of else ""
        super().__init__(f"unknown {kind} {excerpt(value)}{within} \u2014 {hint}")
        self.kind = kind
        self.field = kind
        self.value = value
        self.hint = hint
        self.suggestions = suggestions


class DomainError(TrimtabError):
    """A broken invariant: the computation refuses to go on rather than clamp silently."""


class InsufficientCash(DomainError):
    """A plan would spend more than the cash rule allows."""


class Busy(DomainError):
    """Another process holds what this one needs (an account's run lock, a run's lease)."""


class LeaseLost(Busy):
    """The run's lease passed to another process: every write and send of this one must stop."""


class StorageUnavailable(TrimtabError):
    """The database cannot be reached, read or written (unreachable, read-only, full, deleted, cut off)."""


class BrokerError(TrimtabError):
    """Raised only by broker adapters, after translating the vendor's answer."""


class BrokerUnavailable(BrokerError):
    """Transient: network, rate limit, 5xx. Retry with backoff in the transport layer."""


class AuthenticationFailed(BrokerError):
    """Credentials refused: stop, a person must act."""


class OrderRejected(BrokerError):
    """Permanent rejection; keeps the broker's code and message."""

    def __init__(self, message: str, *, code: str = "") -> None:
        self.code = code
        super().__init__(f"[{code}] {message}" if code else message)

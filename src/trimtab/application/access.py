"""API tokens: created, listed, revoked and checked (mixed into the facade), and the port that keeps them.

A token is ``ttk_`` + 32 random bytes from ``secrets.token_urlsafe`` (256 bits, from the operating system's
CSPRNG). Only its SHA-256 digest is stored, and a presented token is looked up by its digest. A fast hash is
the right tool here, unlike for passwords: a slow, salted hash (bcrypt, argon2) exists to make guessing a
low-entropy secret expensive, and nobody can guess 256 random bits, however fast each guess is. Looking the
digest up (rather than comparing secrets) leaks nothing through timing: nobody can choose a digest's prefix.
The secret is shown once, when it is made; it is never stored, logged or returned again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from trimtab.domain.errors import InvalidInput, NotFound, TrimtabError

if TYPE_CHECKING:
    from trimtab.application.ports import Clock
    from trimtab.application.repositories import Storage

TOKEN_PREFIX = "ttk_"  # noqa: S105 - no secret: a recognisable prefix: secret scanners (and people) can tell a trimtab token
TOKEN_BYTES = 32
MAX_NAME = 100


class Scope(StrEnum):
    """What a token may do: read everything; trade (start and resume runs); admin (change models, bands,
    assignments)."""

    READ = "read"
    TRADE = "trade"
    ADMIN = "admin"
    SIGNAL = "signal"  # a webhook's token: posts signals and nothing else (not even reads)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A stored token without its secret."""

    token_id: str
    name: str
    scopes: frozenset[Scope]
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None

    def allows(self, scope: Scope) -> bool:
        """Whether the token holds a scope (every token may read, but one made only for signals)."""
        return scope in self.scopes or (scope is Scope.READ and not self.scopes <= {Scope.SIGNAL})


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just made: its record and its secret, shown this once."""

    info: TokenInfo
    secret: str


class NotAuthenticated(TrimtabError):
    """No token, an unknown token or a revoked one (HTTP 401)."""


class ScopeMissing(TrimtabError):
    """A valid token without the scope an operation needs (HTTP 403)."""

    def __init__(self, scope: Scope) -> None:
        super().__init__(f"this token lacks the '{scope.value}' scope")
        self.scope = scope


class TokenRepository(Protocol):
    """API tokens by id and by the digest of their secret."""

    def add(self, info: TokenInfo, digest: str) -> None: ...

    def find_by_digest(self, digest: str) -> TokenInfo | None: ...

    def list(self) -> list[TokenInfo]: ...

    def revoke(self, token_id: str, at: dt.datetime) -> TokenInfo | None:
        """Mark a token revoked (a revoked one keeps its first revocation time); None when it is unknown."""
        ...


def digest_of(secret: str) -> str:
    """The stored form of a token: the hex SHA-256 digest of its text."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_scopes(texts: Iterable[str]) -> frozenset[Scope]:
    """Scopes from text ("read", "trade,admin"); unknown ones are InvalidInput naming the value."""
    scopes = set()
    for text in texts:
        for part in text.split(","):
            name = part.strip().lower()
            try:
                scopes.add(Scope(name))
            except ValueError:
                raise InvalidInput("unknown scope (choose read, trade, admin or signal)", where="command line",
                                   field="scope", value=part) from None
    if not scopes:
        raise InvalidInput("give at least one scope: read, trade, admin or signal", where="command line",
                           field="scope")
    return frozenset(scopes)


class AccessOperations:
    """`create_token`, `tokens`, `revoke_token` and `authenticate` (mixed into the facade)."""

    if TYPE_CHECKING:

        @property
        def storage(self) -> Storage: ...

        clock: Clock

    def create_token(self, scopes: frozenset[Scope], name: str = "") -> NewToken:
        """Make a token with these scopes; its secret is returned this once and only its digest is kept."""
        name = name.strip()
        if len(name) > MAX_NAME or not name.isprintable():
            raise InvalidInput(f"a name is printable text of at most {MAX_NAME} characters", where="command line",
                               field="name", value=name)
        secret = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
        info = TokenInfo(secrets.token_hex(4), name, scopes, self.clock.now())
        self.storage.tokens.add(info, digest_of(secret))
        return NewToken(info, secret)

    def tokens(self) -> list[TokenInfo]:
        """Every token (without secrets), revoked ones included, oldest first."""
        return self.storage.tokens.list()

    def revoke_token(self, token_id: str) -> TokenInfo:
        """Revoke a token at once; unknown ids are NotFound."""
        revoked = self.storage.tokens.revoke(token_id.strip(), self.clock.now())
        if revoked is None:
            known = [info.token_id for info in self.tokens()]
            raise NotFound("token", token_id, hint=f"known: {', '.join(known)}" if known else "there are none yet")
        return revoked

    def authenticate(self, secret: str | None) -> TokenInfo:
        """The live token whose secret this is; NotAuthenticated otherwise (the secret is never echoed)."""
        if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            raise NotAuthenticated("a valid bearer token is required")
        return self.authenticate_digest(digest_of(secret))

    def authenticate_digest(self, digest: str) -> TokenInfo:
        """The live token with this digest (a dashboard session keeps only the digest); NotAuthenticated otherwise."""
        info = self.storage.tokens.find_by_digest(digest)
        if info is None or info.revoked_at is not None:
            raise NotAuthenticated("a valid bearer token is required")
        return info

    def authorise(self, secret: str | None, scope: Scope) -> TokenInfo:
        """The token, if it holds `scope`: NotAuthenticated (401) or ScopeMissing (403) otherwise."""
        info = self.authenticate(secret)
        if not info.allows(scope):
            raise ScopeMissing(scope)
        return info

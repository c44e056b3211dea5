"""Dashboard sessions: a browser logs in once with an API token, then sends an opaque session id (a cookie).

The server keeps, for each session, the digest of the token it was opened with (never the token), a CSRF token
its forms must send back, and when it lapses. The session id itself is kept only as its SHA-256 digest, so the
memory of the server holds nothing a browser could present. Every request checks the token again by its digest:
a revoked token ends its sessions at once, and a session can do no more than its token. Sessions live in the
serving process's memory: a restart logs everybody out (their tokens keep working).
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from trimtab.application.access import NotAuthenticated, Scope, ScopeMissing, TokenInfo, digest_of
from trimtab.domain.errors import TrimtabError

if TYPE_CHECKING:
    from trimtab.application.ports import Clock

SESSION_BYTES = 32
IDLE = dt.timedelta(hours=8)  # a session unused this long lapses
MAX_SESSIONS = 10_000  # beyond this, the sessions that lapse first are dropped


class FormExpired(TrimtabError):
    """A form sent without the CSRF token of its session (HTTP 403): another site's form, or an old page."""

    def __init__(self) -> None:
        super().__init__("this form is not from your session (it may be old): reload the page and try again")


class TokenChecker(Protocol):
    """What sessions need of the facade: tokens checked by their secret or by their digest."""

    def authenticate(self, secret: str | None) -> TokenInfo: ...

    def authenticate_digest(self, digest: str) -> TokenInfo: ...


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in browser: its token (without the secret), the CSRF token of its forms, when it lapses."""

    token: TokenInfo
    token_digest: str
    csrf: str
    expires_at: dt.datetime

    def allows(self, scope: Scope) -> bool:
        """Whether the session's token holds a scope."""
        return self.token.allows(scope)

    def require(self, scope: Scope) -> None:
        """Refuse (ScopeMissing, 403) what the session's token may not do."""
        if not self.allows(scope):
            raise ScopeMissing(scope)

    def check_form(self, csrf: str | None) -> None:
        """Refuse a form whose CSRF token is not this session's (compared in constant time)."""
        if not csrf or not hmac.compare_digest(csrf.encode("utf-8"), self.csrf.encode("utf-8")):
            raise FormExpired


class Sessions:
    """The open sessions of this process (endpoints run in worker threads: guarded by a lock)."""

    def __init__(self, tokens: TokenChecker, clock: Clock, idle: dt.timedelta = IDLE) -> None:
        self._tokens = tokens
        self._clock = clock
        self._idle = idle
        self._lock = threading.Lock()
        self._open: dict[str, Session] = {}

    def open(self, secret: str | None) -> tuple[str, Session]:
        """Check a token and open a session on it: the session id (for the cookie) and the session."""
        token = self._tokens.authenticate((secret or "").strip())
        session_id = secrets.token_urlsafe(SESSION_BYTES)
        now = self._clock.now()
        session = Session(token, digest_of((secret or "").strip()), secrets.token_urlsafe(SESSION_BYTES),
                          now + self._idle)
        with self._lock:
            self._drop_lapsed(now)
            self._open[digest_of(session_id)] = session
        return session_id, session

    def find(self, session_id: str | None) -> Session:
        """The live session of this id, its lapse pushed back; NotAuthenticated when there is none, it lapsed,
        or its token was revoked meanwhile."""
        if not session_id or len(session_id) > 200:
            raise NotAuthenticated("log in with a token")
        key = digest_of(session_id)
        now = self._clock.now()
        with self._lock:
            session = self._open.get(key)
            if session is None or session.expires_at <= now:
                self._open.pop(key, None)
                raise NotAuthenticated("your session has ended: log in again")
        try:
            token = self._tokens.authenticate_digest(session.token_digest)
        except NotAuthenticated:
            self.close(session_id)
            raise NotAuthenticated("the token of this session was revoked: log in again") from None
        renewed = replace(session, token=token, expires_at=now + self._idle)
        with self._lock:
            if key in self._open:
                self._open[key] = renewed
        return renewed

    def close(self, session_id: str | None) -> None:
        """End a session (nothing happens when there is none)."""
        if session_id:
            with self._lock:
                self._open.pop(digest_of(session_id), None)

    def _drop_lapsed(self, now: dt.datetime) -> None:
        for key in [key for key, session in self._open.items() if session.expires_at <= now]:
            del self._open[key]
        while len(self._open) >= MAX_SESSIONS:
            del self._open[min(self._open, key=lambda key: self._open[key].expires_at)]

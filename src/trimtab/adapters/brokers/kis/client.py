"""Transport and auth for the KIS Open API: token cache, rate limit, retries and envelope translation.

Errors are translated by `msg_cd` through the tables of codes.py (never by message text, whatever the HTTP
status; BROKERS.md §1.3-1.4, §1.8.7) into trimtab's tree: transient codes (rate limits, SYDB0050, gateway
trouble) are retried with exponential backoff by tenacity and become BrokerUnavailable once the bounded budget
is spent, a refused token is renewed once per call, refused credentials raise AuthenticationFailed, and any
other `rt_cd` != "0" ("1" or "7") OrderRejected with the KIS code. App key, app secret
and token never appear in a log line or an error message.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import httpx
from pydantic import SecretStr
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt, wait_exponential

from trimtab.adapters.brokers.kis.codes import (
    CREDENTIAL_CODES,
    DATA_CHANGED,
    ISSUANCE_TOO_SOON,
    REFUSED_BEFORE_ACTING,
    RESTART_PAGING_CODES,
    Meaning,
    meaning_of,
)
from trimtab.adapters.brokers.kis.throttle import RequestThrottle, Sleep, throttle_for
from trimtab.adapters.brokers.kis.token_cache import CachedToken, TokenCache, cache_key
from trimtab.application.progress import Progress, no_progress
from trimtab.domain.errors import AuthenticationFailed, BrokerUnavailable, OrderRejected

logger = logging.getLogger(__name__)


class _HideQueries(logging.Filter):
    """httpx logs every request's URL at INFO; KIS GET queries carry the account number (CANO), so the query
    string of every URL httpx logs is cut off before any handler sees the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(arg, httpx.URL) for arg in record.args):
            record.args = tuple(arg.copy_with(query=None) if isinstance(arg, httpx.URL) else arg
                                for arg in record.args)
        return True


def _hide_queries_in_httpx_logs() -> None:
    http_logger = logging.getLogger("httpx")
    if not any(isinstance(existing, _HideQueries) for existing in http_logger.filters):
        http_logger.addFilter(_HideQueries())


_hide_queries_in_httpx_logs()

Environment = Literal["real", "virtual"]
T = TypeVar("T")
KST = dt.timezone(dt.timedelta(hours=9))
ISSUE_ENDPOINT = "/oauth2/tokenP"
ISSUANCE_INTERVAL_SECONDS = 60.0
TOKEN_RENEWAL_MARGIN_SECONDS = 300.0
MORE_PAGES = frozenset({"F", "M"})


@dataclass(frozen=True, slots=True)
class KisResponse:
    """A successful KIS answer: the JSON body and the `tr_cont` response header."""

    body: dict[str, Any]
    tr_cont: str


class _Transient(Exception):
    """An answer worth another try after a pause (never leaves the client: it becomes BrokerUnavailable)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class _StalePages(Exception):
    """KIS says the data changed under a paged query (SYDB0050): its context keys are stale."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(slots=True)
class _Renewal:
    """One token renewal per request: a token refused again after renewal stops, never loops."""

    used: bool = False


def parse_expiry(payload: Mapping[str, Any], now: float) -> float:
    """Return the token's expiry from `access_token_token_expired` (KST), else from `expires_in`."""
    text = str(payload.get("access_token_token_expired", ""))
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=KST).timestamp()
    except ValueError:
        return now + float(payload.get("expires_in", 0) or 0)


def read_json(response: httpx.Response) -> dict[str, Any]:
    """Return the body as a dict, or an empty one when it is not a JSON object."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def classify(status: int, body: Mapping[str, Any]) -> Meaning:
    """Decide what an API answer means by its msg_cd (codes.py), whatever the HTTP status; raise for refusals."""
    code = str(body.get("msg_cd", "") or "")
    if "rt_cd" not in body and not code:
        if status >= 500 or status == 429:
            return Meaning.TRANSIENT
        raise BrokerUnavailable(f"KIS answered HTTP {status} without an envelope")
    meaning = meaning_of(code, None if "rt_cd" not in body else str(body["rt_cd"]))
    if meaning is Meaning.CREDENTIALS:
        raise AuthenticationFailed(f"KIS refused the credentials [{code}]")
    if meaning is Meaning.REFUSED:
        raise OrderRejected(str(body.get("msg1", "")).strip(), code=code)
    return meaning


class KisClient:
    """One app key on one KIS environment over httpx.AsyncClient."""

    def __init__(
        self, *, base_url: str, environment: Environment, app_key: SecretStr, app_secret: SecretStr,
        token_cache_path: Path, transport: httpx.AsyncBaseTransport | None = None,
        requests_per_second: int | None = None, throttle: RequestThrottle | None = None,
        clock: Callable[[], float] = time.time, sleep: Sleep = asyncio.sleep, max_attempts: int = 5,
        backoff_seconds: float = 0.1, max_backoff_seconds: float = 5.0, max_page_restarts: int = 3,
        max_issuance_wait_seconds: float = 65.0, custtype: str = "P", progress: Progress = no_progress,
        shared_limit_url: str | None = None,
    ) -> None:
        self.environment = environment
        self._app_key = app_key
        self._app_secret = app_secret
        self._http = httpx.AsyncClient(base_url=base_url, transport=transport, timeout=10.0)
        self._cache = TokenCache(token_cache_path)
        self._cache_key = cache_key(environment, app_key.get_secret_value())
        self._throttle = throttle or throttle_for(environment, app_key.get_secret_value(), requests_per_second,
                                                  shared_limit_url)
        self._clock = clock
        self._sleep = sleep
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.max_page_restarts = max_page_restarts
        self.max_issuance_wait_seconds = max_issuance_wait_seconds
        self._custtype = custtype
        self.progress = progress  # told about every wait: the token issuance slot, another process's token, retries
        self._token: CachedToken | None = None
        self._token_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"KisClient(environment={self.environment!r}, base_url={str(self._http.base_url)!r})"

    async def __aenter__(self) -> KisClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP connection pool (and the connection to a shared limit)."""
        await self._http.aclose()
        await self._throttle.aclose()

    def _is_fresh(self, token: CachedToken | None) -> bool:
        return token is not None and token.expires_at - self._clock() > TOKEN_RENEWAL_MARGIN_SECONDS

    async def access_token(self) -> str:
        """Return a valid token: this client's, else the shared cache's, else a newly issued one."""
        if self._token is not None and self._is_fresh(self._token):
            return self._token.value
        async with self._token_lock, self._cache.locked(self._waiting_for_lock):
            cached = self._cache.load(self._cache_key)
            if cached is None or not self._is_fresh(cached):
                cached = await self._issue(cached)
                self._cache.store(self._cache_key, cached)
            self._token = cached
        return cached.value

    def counting(self, items: Sequence[T], what: str) -> Iterator[T]:
        """Each item in turn, reporting "what: n of N" to progress (calls go out a few a second)."""
        for number, item in enumerate(items, start=1):
            self.progress(f"{what}: {number} of {len(items)}")
            yield item

    def _waiting_for_lock(self) -> None:
        self.progress("waiting for the KIS token another trimtab process is getting")

    async def _drop_token(self, value: str) -> None:
        """Forget an expired token here and in the shared cache."""
        self._token = None
        async with self._token_lock, self._cache.locked(self._waiting_for_lock):
            self._cache.forget(self._cache_key, value)

    async def _wait_for_issuance_slot(self, last_issued_at: float | None) -> None:
        """Honour KIS's one issuance a minute: wait for the slot, or refuse when the wait is too long."""
        if last_issued_at is None:
            return
        wait = last_issued_at + ISSUANCE_INTERVAL_SECONDS - self._clock()
        if wait <= 0:
            return
        if wait > self.max_issuance_wait_seconds:
            raise BrokerUnavailable(f"KIS issues one token a minute [{ISSUANCE_TOO_SOON}]; retry in {wait:.0f} s")
        logger.info("waiting %.1f s for the KIS token issuance slot", wait)
        self.progress(f"waiting {wait:.0f} s for a KIS token (KIS issues one a minute)")
        await self._sleep(wait)

    async def _issue(self, previous: CachedToken | None) -> CachedToken:
        """Issue a token, waiting out the 1/min limit and retrying once when KIS says EGW00133."""
        await self._wait_for_issuance_slot(previous.issued_at if previous else None)
        for attempt in range(2):
            token = await self._request_token()
            if token is not None:
                return token
            logger.warning("KIS refused a token issuance as too soon [%s]", ISSUANCE_TOO_SOON)
            if attempt == 0:
                await self._wait_for_issuance_slot(self._clock())
        raise BrokerUnavailable(f"KIS refused the token issuance as too soon [{ISSUANCE_TOO_SOON}]")

    async def _request_token(self) -> CachedToken | None:
        """POST tokenP once; return None when refused as too soon."""
        payload = {
            "grant_type": "client_credentials", "appkey": self._app_key.get_secret_value(),
            "appsecret": self._app_secret.get_secret_value(),
        }
        try:
            response = await self._http.post(ISSUE_ENDPOINT, json=payload)
        except httpx.TransportError as error:
            raise BrokerUnavailable(f"KIS token endpoint unreachable ({type(error).__name__})") from None
        body = read_json(response)
        code = str(body.get("error_code") or body.get("msg_cd") or "")
        if response.status_code == 200 and body.get("access_token"):
            now = self._clock()
            logger.info("issued a KIS access token (%s)", self.environment)
            return CachedToken(str(body["access_token"]), parse_expiry(body, now), now)
        if code == ISSUANCE_TOO_SOON:
            return None
        if response.status_code in (401, 403) or code in CREDENTIAL_CODES:
            raise AuthenticationFailed(f"KIS refused the token request [{code or response.status_code}]")
        raise BrokerUnavailable(f"KIS token endpoint answered HTTP {response.status_code} [{code}]")

    def _headers(self, token: str, tr_id: str, tr_cont: str) -> dict[str, str]:
        return {
            "content-type": "application/json; charset=utf-8", "authorization": f"Bearer {token}",
            "appkey": self._app_key.get_secret_value(), "appsecret": self._app_secret.get_secret_value(),
            "tr_id": tr_id, "custtype": self._custtype, "tr_cont": tr_cont,
        }

    async def _send(
        self, method: str, path: str, tr_id: str, token: str, params: Mapping[str, str] | None,
        body: Mapping[str, str] | None, tr_cont: str,
    ) -> httpx.Response | None:
        """Send one call through the rate limiter; return None on a transport failure."""
        await self._throttle.acquire(self._clock, self._sleep)
        logger.debug("KIS %s %s tr_id=%s tr_cont=%r", method, path, tr_id, tr_cont)
        try:
            return await self._http.request(
                method, path, params=params, json=body, headers=self._headers(token, tr_id, tr_cont),
            )
        except httpx.TransportError as error:
            logger.warning("KIS %s %s failed: %s", method, path, type(error).__name__)
            return None

    def _retrying(self, attempts: int, retry_on: type[Exception], what: str) -> AsyncRetrying:
        """tenacity's loop over `attempts` tries of `retry_on` failures, sleeping on the injected sleep."""

        def log(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome is not None else None
            pause = state.next_action.sleep if state.next_action is not None else 0.0
            logger.warning("KIS %s busy [%s]; retrying in %.2f s", what, error, pause)
            self.progress(f"KIS is busy; trying again in {pause:.1f} s")

        return AsyncRetrying(
            stop=stop_after_attempt(attempts), retry=retry_if_exception_type(retry_on), sleep=self._sleep,
            wait=wait_exponential(multiplier=self.backoff_seconds, max=self.max_backoff_seconds),
            before_sleep=log, reraise=True,
        )

    async def request(
        self, method: str, path: str, tr_id: str, *, params: Mapping[str, str] | None = None,
        body: Mapping[str, str] | None = None, tr_cont: str = "", idempotent: bool = True,
    ) -> KisResponse:
        """Make one API call: renew a refused token once, retry transient answers with backoff (tenacity).

        A call that is not idempotent (an order, a cancel) is retried only when KIS refused it before acting
        (codes.REFUSED_BEFORE_ACTING, or a refused token). A lost reply, a 5xx without an envelope or any other
        transient code is ambiguous: the order may have been placed, so it raises BrokerUnavailable at once and
        the caller reconciles with the day's orders. SYDB0050 on a next page raises for paginate to restart.
        """
        renewal = _Renewal()
        try:
            async for attempt in self._retrying(self.max_attempts, _Transient, f"{method} {path}"):
                with attempt:
                    return await self._attempt(method, path, tr_id, params, body, tr_cont, idempotent, renewal)
        except _Transient as error:
            raise BrokerUnavailable(
                f"KIS {path} still unavailable after {self.max_attempts} attempts [{error.code}]") from None
        raise BrokerUnavailable(f"KIS {path} made no attempt")  # unreachable: tenacity tries at least once

    async def _attempt(
        self, method: str, path: str, tr_id: str, params: Mapping[str, str] | None,
        body: Mapping[str, str] | None, tr_cont: str, idempotent: bool, renewal: _Renewal,
    ) -> KisResponse:
        """One try, plus at most one more with a renewed token when KIS refuses the token (EGW00123/121)."""
        while True:
            token = await self.access_token()
            response = await self._send(method, path, tr_id, token, params, body, tr_cont)
            payload = read_json(response) if response is not None else {}
            meaning = Meaning.TRANSIENT if response is None else classify(response.status_code, payload)
            if meaning is Meaning.OK and response is not None:
                return KisResponse(payload, response.headers.get("tr_cont", "").strip())
            code = str(payload.get("msg_cd", "") or "")
            if meaning is not Meaning.RENEW:
                raise self._not_done(path, response, code, tr_cont, idempotent)
            if renewal.used:
                raise AuthenticationFailed(f"KIS refused a freshly issued token [{code}]")
            renewal.used = True
            logger.warning("KIS refused the token [%s]; renewing it once", code)
            await self._drop_token(token)

    @staticmethod
    def _not_done(path: str, response: httpx.Response | None, code: str, tr_cont: str,
                  idempotent: bool) -> Exception:
        """The error a transient answer becomes: outcome unknown, stale pages, or worth another try."""
        if not idempotent and code not in REFUSED_BEFORE_ACTING:
            status = "no reply" if response is None else f"HTTP {response.status_code}"
            detail = f" [{code}]" if code else ""
            return BrokerUnavailable(f"KIS {path} outcome unknown ({status}){detail}; check the day's orders")
        if tr_cont == "N" and code in RESTART_PAGING_CODES:
            return _StalePages(code)
        return _Transient(code or ("no reply" if response is None else f"HTTP {response.status_code}"))

    async def paginate(
        self, path: str, tr_id: str, params: Mapping[str, str], *, context_suffix: str = "100",
        max_pages: int = 200,
    ) -> list[dict[str, Any]]:
        """GET every page (following `tr_cont`); read again from the first page when KIS says the data changed
        between pages (SYDB0050), at most max_page_restarts times."""
        try:
            async for attempt in self._retrying(self.max_page_restarts + 1, _StalePages, f"GET {path} pages"):
                with attempt:
                    return await self._pages(path, tr_id, params, context_suffix, max_pages)
        except _StalePages:
            raise BrokerUnavailable(f"KIS {path} kept changing between pages [{DATA_CHANGED}]") from None
        raise BrokerUnavailable(f"KIS {path} made no attempt")  # unreachable: tenacity tries at least once

    async def _pages(self, path: str, tr_id: str, params: Mapping[str, str], context_suffix: str,
                     max_pages: int) -> list[dict[str, Any]]:
        """One pass over the pages: echo ctx_area_fk/nk back with tr_cont N while the header says F/M."""
        fk_key, nk_key = f"CTX_AREA_FK{context_suffix}", f"CTX_AREA_NK{context_suffix}"
        query = {fk_key: "", nk_key: "", **params}
        pages: list[dict[str, Any]] = []
        tr_cont = ""
        for _ in range(max_pages):
            response = await self.request("GET", path, tr_id, params=query, tr_cont=tr_cont)
            pages.append(response.body)
            if response.tr_cont not in MORE_PAGES:
                return pages
            query[fk_key] = str(response.body.get(fk_key.lower(), ""))
            query[nk_key] = str(response.body.get(nk_key.lower(), ""))
            tr_cont = "N"
        raise BrokerUnavailable(f"KIS {path} returned more than {max_pages} pages")

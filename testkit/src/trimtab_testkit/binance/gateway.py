"""The doors of the local exchange: API key, HMAC-SHA256 signature, timestamp window, weights and injected faults.

As Binance: the signature is HMAC-SHA256 (hex) of the whole parameter string (query then body) before
`&signature=`; `timestamp` must lie within `recvWindow` (default 5,000 ms) behind the server's clock and no more
than 1,000 ms ahead of it (-1021); every request weighs, and more weight than the limit within one minute of
the clock is refused with HTTP 429 and -1003, with Retry-After.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from trimtab_testkit.binance.model import ExchangeConfig, ExchangeError


@dataclass
class Fault:
    """An answer to give instead of the real one: to the next `times` requests whose path ends with `path`."""

    path: str
    code: int
    message: str
    status: int = 400
    times: int = 1


@dataclass
class Gateway:
    config: ExchangeConfig
    faults: deque[Fault] = field(default_factory=deque)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)  # method, path, params
    # every request as it arrives, refused or not: (time.monotonic(), path, weight); the real time, whatever the clock
    arrivals: list[tuple[float, str, int]] = field(default_factory=list)
    windows: dict[str, tuple[int, int]] = field(default_factory=dict)  # spot or futures -> (minute, weight used)

    def inject(self, fault: Fault) -> None:
        self.faults.append(fault)

    def injected(self, path: str) -> ExchangeError | None:
        for fault in list(self.faults):
            if path.endswith(fault.path):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return ExchangeError(fault.code, fault.message, fault.status)
        return None

    def weigh(self, weight: int, path: str) -> int:
        """Count a request's weight in the clock's current minute (spot and futures apart); return the minute's
        weight so far. Over the limit: 429 / -1003."""
        self.arrivals.append((time.monotonic(), path, weight))
        group = "futures" if path.startswith("/fapi") else "spot"
        minute = math.floor(self.config.clock() / 60)
        window, used = self.windows.get(group, (minute, 0))
        used = (used if window == minute else 0) + weight
        self.windows[group] = (minute, used)
        if used > self.config.weight_limit:
            raise ExchangeError(-1003, f"Too much request weight used; current limit is {self.config.weight_limit} "
                                       "request weight per 1 MINUTE. Please use WebSocket Streams for live updates "
                                       "to avoid polling the API.", 429)
        return used

    def retry_after(self) -> int:
        return max(1, 60 - int(self.config.clock()) % 60)

    def authenticate(self, api_key: str | None, payload: str) -> dict[str, str]:
        """Check key, signature and timestamp of a signed request; return its parameters."""
        if api_key != self.config.api_key:
            raise ExchangeError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        signed, _, signature = payload.rpartition("&signature=")
        if not signature:
            raise ExchangeError(-1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.")
        expected = hmac.new(self.config.api_secret.encode(), signed.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise ExchangeError(-1022, "Signature for this request is not valid.")
        params = dict(parse_qsl(signed, keep_blank_values=True))
        self._check_time(params)
        return params

    def _check_time(self, params: dict[str, str]) -> None:
        text = params.get("timestamp", "")
        if not text.isdigit():
            raise ExchangeError(-1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")
        window = int(params.get("recvWindow") or 5000)
        if window > self.config.max_recv_window_ms:
            raise ExchangeError(-1131, "recvWindow must be less than 60000")
        now_ms = int(self.config.clock() * 1000)
        timestamp = int(text)
        if timestamp > now_ms + 1000:
            raise ExchangeError(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
        if now_ms - timestamp > window:
            raise ExchangeError(-1021, "Timestamp for this request is outside of the recvWindow.")

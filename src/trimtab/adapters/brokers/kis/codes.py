"""KIS message codes as data: what each one tells the caller to do (BROKERS.md §1.2-1.4, §1.8.7).

Answers are classified by `msg_cd` (or the token endpoint's `error_code`) whatever the HTTP status, never by
message text. A code missing from these tables is a permanent refusal when the envelope says rt_cd != "0".
"""

from __future__ import annotations

from enum import Enum


class Meaning(Enum):
    """What an answer means for the caller."""

    OK = "ok"  # rt_cd "0"
    TRANSIENT = "transient"  # try again after a pause; a read is safe to repeat
    RENEW = "renew"  # the token was refused: renew it once, then try again
    CREDENTIALS = "credentials"  # the app key or secret is refused: a person must act
    REFUSED = "refused"  # a permanent refusal (rt_cd "1" or "7" with any other code): never resent


RATE_LIMITED = "EGW00201"  # per-app-key calls per second (README §5, [R]); HTTP 500 or 200
LEDGER_RATE_LIMITED = "EGW00215"  # per-second limit on the account ledger, HTTP 500, rt_cd "1" [3P]
DATA_CHANGED = "SYDB0050"  # "조회이후에 자료가 변경되었습니다(다시 조회하세요)": data moved under a paged query
GATEWAY_BUSY = "EGW00316"  # a gateway hiccup clients retry [3P]
VIRTUAL_DELAYED = "90020000"  # the virtual server's "delayed" answer [3P]
ISSUANCE_TOO_SOON = "EGW00133"  # token issuance over 1/min (HTTP 403, error_code)
EXPIRED_CREDENTIAL = "EGW00123"  # the access token expired (or was revoked early)
INVALID_CREDENTIAL = "EGW00121"  # the access token is not valid

TRANSIENT_CODES = frozenset({RATE_LIMITED, LEDGER_RATE_LIMITED, DATA_CHANGED, GATEWAY_BUSY, VIRTUAL_DELAYED})
RENEW_CODES = frozenset({EXPIRED_CREDENTIAL, INVALID_CREDENTIAL})
CREDENTIAL_CODES = frozenset({"EGW00103", "EGW00102", "EGW00105"})

# Transient codes that prove an order or cancel was refused before KIS acted on it, so sending it again cannot
# duplicate it: only the gateway's own per-second limit (BROKERS.md §1.4, the one documented by KIS itself).
# EGW00215 and the others are third-party reports whose timing (before or after the ledger took the order) is
# not documented: an order answered with them is treated as a lost reply and reconciled, never resent blindly.
REFUSED_BEFORE_ACTING = frozenset({RATE_LIMITED})

# Codes that make a paged query's context keys stale: the query restarts from its first page.
RESTART_PAGING_CODES = frozenset({DATA_CHANGED})


def meaning_of(code: str, rt_cd: str | None) -> Meaning:
    """Classify one answer by its code; `rt_cd` None means the body had no envelope."""
    if code in TRANSIENT_CODES:
        return Meaning.TRANSIENT
    if code in RENEW_CODES:
        return Meaning.RENEW
    if code in CREDENTIAL_CODES:
        return Meaning.CREDENTIALS
    if rt_cd == "0":
        return Meaning.OK
    return Meaning.REFUSED

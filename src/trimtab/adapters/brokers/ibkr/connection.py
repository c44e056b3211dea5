"""Connecting ib_async to TWS or IB Gateway: host, client id, and the ports tried in order."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from ib_async import IB

from trimtab.domain.errors import BrokerUnavailable

logger = logging.getLogger(__name__)
# ib_async logs every refused port at ERROR, and Python prints such records when no handler is configured; trimtab
# reports the outcome of the whole discovery itself (one line). A configured application still receives them.
logging.getLogger("ib_async").addHandler(logging.NullHandler())

# IB Gateway live, IB Gateway paper, TWS paper, TWS live: the seed's discovery order
DISCOVERY_PORTS = (4001, 4002, 7497, 7496)


@dataclass(frozen=True, slots=True)
class IbkrConnectionSettings:
    host: str = "127.0.0.1"
    port: int | None = None  # None: try DISCOVERY_PORTS in order
    client_id: int = 17
    timeout_seconds: float = 10.0
    readonly: bool = False

    @property
    def ports(self) -> Sequence[int]:
        return DISCOVERY_PORTS if self.port is None else (self.port,)


async def connect(settings: IbkrConnectionSettings) -> tuple[IB, int]:
    """A connected IB and the port that answered; BrokerUnavailable when no port does."""
    problems: list[str] = []
    for port in settings.ports:
        ib = IB()
        try:
            await ib.connectAsync(settings.host, port, clientId=settings.client_id,
                                  timeout=settings.timeout_seconds, readonly=settings.readonly)
        except (OSError, TimeoutError, ConnectionError) as problem:
            ib.disconnect()
            problems.append(f"{port}: {type(problem).__name__}")
            continue
        logger.info("connected to IBKR at %s:%s as client %s", settings.host, port, settings.client_id)
        return ib, port
    raise BrokerUnavailable(f"no TWS or IB Gateway answered at {settings.host} (tried {', '.join(problems)}); "
                            "is the API enabled and the client id free?")

"""The embedded paper broker: a deterministic simulated exchange behind BrokerPort (the default broker)."""

from trimtab.adapters.brokers.paper.broker import PaperBroker
from trimtab.adapters.brokers.paper.config import PaperConfig
from trimtab.adapters.brokers.paper.memory import InMemoryPaperStateStore

__all__ = ["InMemoryPaperStateStore", "PaperBroker", "PaperConfig"]

"""Market data adapters: deterministic demo prices and exchange calendars."""

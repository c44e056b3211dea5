"""The embedded paper broker: a deterministic simulated exchange behind BrokerPort (the default broker)."""

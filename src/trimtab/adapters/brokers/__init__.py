"""Broker adapters. Each package implements BrokerPort; broker packages never import each other."""

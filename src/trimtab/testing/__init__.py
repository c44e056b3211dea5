"""Helpers for tests and benchmarks: seeded synthetic inputs, never used by the planner itself."""

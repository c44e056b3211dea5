"""What serving trimtab over HTTP adds to the facade: API tokens and runs started once per idempotency key."""

from __future__ import annotations

from trimtab.application.access import AccessOperations
from trimtab.application.run_requests import RunRequestOperations
from trimtab.application.signals import SignalOperations


class ServiceOperations(AccessOperations, RunRequestOperations, SignalOperations):
    """`create_token`, `tokens`, `revoke_token`, `authorise`, `start_run` and `receive_signal` (mixed into the
    facade)."""

"""What serving trimtab over HTTP adds to the facade: API tokens and runs started once per idempotency key."""

from __future__ import annotations

from trimtab.application.access import AccessOperations
from trimtab.application.run_requests import RunRequestOperations


class ServiceOperations(AccessOperations, RunRequestOperations):
    """`create_token`, `tokens`, `revoke_token`, `authorise` and `start_run` (mixed into the facade)."""

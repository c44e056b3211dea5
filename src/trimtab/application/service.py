"""What serving trimtab over HTTP adds to the facade: API tokens, runs started once per idempotency key,
reviewed plans executed."""

from __future__ import annotations

from trimtab.application.access import AccessOperations
from trimtab.application.reviewed_plans import ReviewOperations
from trimtab.application.run_requests import RunRequestOperations
from trimtab.application.signals import SignalOperations


class ServiceOperations(AccessOperations, RunRequestOperations, SignalOperations, ReviewOperations):
    """`create_token`, `tokens`, `revoke_token`, `authorise`, `start_run`, `receive_signal` and the dashboard's
    `execute_reviewed` (mixed into the facade)."""

"""`trimtab init`: the database made ready, and the demo's models and paper accounts (mixed into the facade).

The demo's accounts are fixed data (adapters/demo.py). The crypto demo account (spot and futures wallets, for the
strategies demo) is seeded only when asked for (`init --demo --crypto`), so the classic demo stays as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trimtab.application.records import DemoAccount
    from trimtab.application.repositories import ModelFiles, Storage


class DemoOperations:
    """Setting up (mixed into the facade)."""

    if TYPE_CHECKING:
        demo_accounts: tuple[DemoAccount, ...]
        demo_crypto_accounts: tuple[DemoAccount, ...]

        @property
        def storage(self) -> Storage: ...

        @property
        def files(self) -> ModelFiles: ...

    def init(self, *, demo: bool, crypto: bool = False) -> list[str]:
        """Make the database ready; with `demo`, add the demo models and paper accounts (with `crypto`, the crypto
        demo account too); return the accounts created."""
        storage = self.storage
        if not demo:
            return []
        for model in self.files.demo_models():
            storage.models.import_model(model)
        created = []
        for demo_account in (*self.demo_accounts, *(self.demo_crypto_accounts if crypto else ())):
            if storage.accounts.find(demo_account.account_id) is None:
                storage.accounts.add(demo_account.account_id, name=f"Demo {demo_account.currency} account",
                                     currency=demo_account.currency, broker="paper")
                if demo_account.model is not None:
                    storage.accounts.assign_model(demo_account.account_id, demo_account.model)
                created.append(demo_account.account_id)
            storage.paper.open_account(demo_account.account_id, demo_account.currency, demo_account.cash,
                                       demo_account.positions, futures_cash=demo_account.futures_cash)
        return created

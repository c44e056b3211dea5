"""trimtab adapters.files layer."""

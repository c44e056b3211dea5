"""trimtab adapters layer."""

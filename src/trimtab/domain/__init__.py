"""trimtab domain layer."""

"""trimtab application layer."""

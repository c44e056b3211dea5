"""trimtab entrypoints layer."""

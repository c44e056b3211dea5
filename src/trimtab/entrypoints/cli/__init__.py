"""trimtab entrypoints.cli layer."""

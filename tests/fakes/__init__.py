"""Builders for tests: small accounts and models written by hand."""

"""Optimisation back ends (scipy/HiGHS) for the allocation problem; only this package imports scipy."""

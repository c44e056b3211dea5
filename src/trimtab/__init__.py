"""trimtab: keep investment accounts on their model portfolios."""

__version__ = "0.1.0"

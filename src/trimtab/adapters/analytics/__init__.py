"""Analytics adapter: statistics computed by well-kept libraries (empyrical-reloaded)."""

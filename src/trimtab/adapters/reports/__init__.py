"""Report and basket files: FX rates files in, Excel workbooks and CSV files out."""

"""One module per source format: COLUMNS (its header, for detection), LABEL, and parse(records, context)."""

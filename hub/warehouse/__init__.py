"""The DuckDB warehouse: merged school data for analytics, pseudonymised, rebuildable from the inbox."""

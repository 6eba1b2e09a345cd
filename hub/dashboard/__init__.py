"""The city office's first dashboard: pupils per school and level, class sizes, sync status."""

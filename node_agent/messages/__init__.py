"""Messages between the school's staff (node-local, never synced)."""

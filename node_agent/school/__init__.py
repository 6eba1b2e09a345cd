"""The school itself, its school years and subjects."""

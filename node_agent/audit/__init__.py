"""Append-only, hash-chained audit of staff access to pupil records."""

"""Ownership at the hub: a write by a school that does not own a record becomes a request to its owner."""

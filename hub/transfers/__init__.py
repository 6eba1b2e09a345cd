"""Transfers between the city's schools at the hub: ownership moves in the warehouse, and routing offers and
decisions between the two nodes."""

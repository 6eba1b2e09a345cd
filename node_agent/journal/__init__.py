"""Behaviour notes, homework and announcements (e-Dziennik)."""

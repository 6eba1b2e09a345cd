"""Compulsory-schooling control across all the city's schools (obowiązek szkolny i nauki, BRIEF §4)."""

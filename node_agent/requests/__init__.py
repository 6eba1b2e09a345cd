"""Change requests: another school's change to a record this school owns, waiting for a decision."""

"""City dictionaries the hub owns and sends to every node: the school-year calendar (and later more)."""

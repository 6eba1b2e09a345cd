"""Dictionaries the city hub sends down (the school-year calendar), as this school received them."""

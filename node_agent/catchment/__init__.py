"""Compulsory schooling at school level (primary schools): the catchment area and the children due to start."""

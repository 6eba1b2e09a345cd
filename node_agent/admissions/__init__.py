"""Pending admissions from the city's recruitment: pupils admitted to this school, waiting for the secretary."""

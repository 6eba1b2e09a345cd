"""The city's side of the schools' archives: checking signed e-journal files with the node keys the hub knows."""

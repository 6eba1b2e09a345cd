"""City office accounts of the hub (city admins and analysts)."""

"""e-Dziennik: current grades, term and year grades, behaviour grades, descriptive assessments."""

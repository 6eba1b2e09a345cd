"""The yearly e-journal archive: one signed XML file per class (BRIEF §4 records and retention)."""

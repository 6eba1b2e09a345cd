"""Teachers and other staff of the school."""

"""``python -m zszo`` runs the ``zszo`` command (used by tests and process supervisors)."""

from zszo.cli import main

main(prog_name="zszo")

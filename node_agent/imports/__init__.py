"""Importing pupils and guardians from CSV and XLSX files, with row-level errors in Polish.

Public API (the CLI and the web UI call only these):
:func:`import_pupils`, :func:`import_guardians`, :class:`ImportReport`, :class:`RowError`.
"""

from node_agent.imports.guardians import import_guardians
from node_agent.imports.pupils import import_pupils
from node_agent.imports.report import ImportReport, RowError

__all__ = ["ImportReport", "RowError", "import_guardians", "import_pupils"]

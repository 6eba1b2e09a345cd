"""Electronic recruitment at the hub (BRIEF §4, issue 6): campaigns, applications, points, allocation, results.

The rules themselves (``points``, ``allocation``) are pure functions with no Flask or database
imports, so they can be tested exhaustively and audited from the command line.
"""

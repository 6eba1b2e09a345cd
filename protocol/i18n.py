"""Message markers for text that a user may eventually read.

The protocol cannot depend on Flask-Babel, so it marks user-facing English message ids with
``N_`` (extracted into the catalogue by ``pybabel``) and leaves translation to the caller:
the node and hub UIs pass them through gettext, the CLI through ``zszo.i18n``.
"""


def N_(message: str) -> str:  # noqa: N802 - gettext convention for "mark, don't translate"
    """Mark ``message`` for extraction without translating it here."""
    return message

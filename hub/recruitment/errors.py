"""Refusals of recruitment operations: field errors with Polish text through the i18n layer.

Operations validate everything first and raise :class:`RecruitmentError` before writing, so the
caller's transaction never keeps half a change. Parameters that are themselves message ids
(stage names, field labels) are marked :class:`Term` and translated when the error is shown.
This module must never import Flask: the CLI shows the same errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from protocol.fields import FieldError
from protocol.i18n import N_


class Term(str):
    """A message id used as an error parameter; translated together with the message."""

    __slots__ = ()


class RecruitmentError(ValueError):
    """Refused input or action; ``errors`` name the fields and the reasons."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in self.errors))

    def messages(self, gettext: Callable[[str], str]) -> list[str]:
        """Every error as "Label: reason", translated."""
        return [render(error, gettext) for error in self.errors]


def error(field: str, code: str, message: str, label: str, **params: object) -> FieldError:
    """One field error; ``label`` and ``message`` are message ids."""
    return FieldError(field, code, message, {"label": label, **params})


def _params(err: FieldError, gettext: Callable[[str], str]) -> dict[str, object]:
    return {key: gettext(value) if isinstance(value, Term) else value
            for key, value in err.params.items() if key != "label"}


def label(err: FieldError, gettext: Callable[[str], str]) -> str:
    """The field's label, translated, its parameters filled in ("Wybór 2")."""
    text = str(err.params.get("label", err.field))
    text = gettext(text).format(**_params(err, gettext)) if text else text
    return f"{text[:1].upper()}{text[1:]}"


def reason(err: FieldError, gettext: Callable[[str], str]) -> str:
    """Only the reason (for an inline error next to a labelled field)."""
    return gettext(err.message).format(**_params(err, gettext))


def render(err: FieldError, gettext: Callable[[str], str]) -> str:
    """"Label: reason", both translated, :class:`Term` parameters and the label's parameters filled in."""
    return f"{label(err, gettext)}: {reason(err, gettext)}"


def fail(field: str, code: str, message: str, label: str, **params: object) -> RecruitmentError:
    """A RecruitmentError with a single field error (``raise fail(...)``)."""
    return RecruitmentError([error(field, code, message, label, **params)])


REQUIRED = N_("this field is required")
TOO_LONG = N_("at most {max} characters")
NOT_FOUND = N_("no such item")

"""Showing validation errors GOV.UK-style: a summary at the top linking to each field, the same
words next to the field.

Protocol rules report :class:`protocol.fields.FieldError` objects; :func:`attach_errors` puts
their Polish text on the matching WTForms fields (or on the form itself when no field matches)
and :func:`error_items` lists them in page order for the summary. This module never validates
anything itself: the rules live in the protocol and the operations modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from flask_wtf import FlaskForm
from wtforms import Form

from protocol.fields import FieldError


@dataclass(frozen=True)
class ErrorItem:
    """One line of the error summary: the element to jump to and the message."""

    target: str
    message: str


def attach_errors(
    form: Form,
    errors: Iterable[FieldError],
    gettext: Callable[[str], str],
    *,
    field_map: Mapping[str, str] | None = None,
) -> None:
    """Add each error's "Label: reason" text to the form field it concerns.

    ``field_map`` renames protocol fields to form fields where they differ; errors about a field
    the form does not show go to ``form.form_errors`` (summary only).
    """
    field_map = field_map or {}
    for error in errors:
        name = field_map.get(error.field, error.field)
        text = error.render(gettext)
        add_error(form, name, text)


def add_error(form: Form, name: str | None, message: str) -> None:
    """Add ``message`` to field ``name`` (or to the whole form when there is no such field)."""
    field = form._fields.get(name) if name else None  # noqa: SLF001 - WTForms' public mapping
    if field is None:
        form.form_errors.append(message)
        return
    existing = list(field.errors) if field.errors else []
    if message not in existing:
        existing.append(message)
    field.errors = existing


def error_items(*forms: Form | None) -> list[ErrorItem]:
    """Every error of ``forms`` in page order (form-level first), for the summary."""
    items: list[ErrorItem] = []
    for form in forms:
        if form is None:
            continue
        items.extend(ErrorItem("", message) for message in form.form_errors)
        for field in form:
            for message in field.errors or ():
                if isinstance(message, str):
                    items.append(ErrorItem(field.id, message))
    return items


def submitted(form: FlaskForm) -> bool:
    """True for a POST of this form (CSRF is already checked app-wide by CSRFProtect)."""
    return form.is_submitted()

"""What the recruitment pages share: showing refusals on forms, the "today" of the city, key formatting.

Views stay thin: they call an operation and, on :class:`RecruitmentError`, show its errors on the
form (GOV.UK-style: the summary at the top and the same words at the field) with status 422.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from babel.numbers import format_decimal
from flask import Blueprint
from flask_babel import get_locale
from flask_babel import gettext as _
from wtforms import Form

from hub.recruitment import labels
from hub.recruitment.errors import RecruitmentError, render
from protocol.fields import FieldError
from zszo.web.forms import ErrorItem, add_error


def show_errors(form: Form, exc: RecruitmentError, field_map: Mapping[str, str] | None = None) -> None:
    """Put each error's "Label: reason" on its field (or on the form when the form has no such field)."""
    for err in exc.errors:
        name = (field_map or {}).get(err.field, err.field)
        add_error(form, name, render(err, _))


def field_errors(exc: RecruitmentError | None) -> dict[str, list[str]]:
    """Messages by field name, for pages whose fields are not a WTForms form (dynamic lists)."""
    found: dict[str, list[str]] = {}
    for err in exc.errors if exc is not None else ():
        found.setdefault(err.field, []).append(render(err, _))
    return found


def error_summary(exc: RecruitmentError | None) -> list[ErrorItem]:
    """The summary's items for such a page (each links to the element with the field's id)."""
    return [ErrorItem(err.field, render(err, _)) for err in (exc.errors if exc is not None else ())]


def format_number(value: object) -> str:
    """A key number the Polish way (``153,45``)."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float | Decimal):
        return format_decimal(value, format="#,##0.##", locale=get_locale() or "pl")
    return "–" if value is None else str(value)


def key_parts(level: str, key: list | tuple | None, lottery: bool = False) -> list[tuple[str, str]]:
    """(what, number) pairs of a key, translated, for justifications and cut-offs."""
    if key is None:
        return []
    names = [_(name) for name in labels.KEY_PARTS[level]]
    if lottery or len(key) > len(names):
        names.append(_(labels.LOTTERY_PART))
    return [(names[i] if i < len(names) else str(i + 1), format_number(value)) for i, value in enumerate(key)]


def render_error(err: FieldError) -> str:
    """One error as "Label: reason", translated (for tables of row errors)."""
    return render(err, _)


def install(bp: Blueprint) -> None:
    """Make the recruitment helpers available to the blueprint's templates."""
    bp.add_app_template_filter(format_number, "key_number")
    bp.add_app_template_global(key_parts, "key_parts")
    bp.add_app_template_global(labels, "rlabels")
    bp.add_app_template_global(render_error, "render_error")

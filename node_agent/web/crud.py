"""The shape every simple set-up form shares: show, save through an operations function, show
the protocol's errors or redirect with a message.

Used by the school, class, subject and staff pages. It writes nothing itself: ``save`` is an
operations function that validates and raises :class:`~node_agent.records.ValidationFailed`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from node_agent.records import ValidationFailed
from node_agent.web.context import audit
from zszo.web.forms import attach_errors


def form_data(form: FlaskForm, fields: Iterable[str]) -> dict[str, Any]:
    """The submitted values of ``fields`` (protocol field names) as a plain dict."""
    return {name: form[name].data for name in fields}


def handle_form(
    form: FlaskForm,
    *,
    fields: Iterable[str],
    save: Callable[[dict[str, Any]], Any],
    template: str,
    done: Callable[[Any], str],
    message: str,
    entity: str,
    is_new: bool,
    **context: Any,
) -> Any:
    """GET: render ``template``; POST: ``save`` the form, then redirect to ``done(obj)`` or show the
    errors (422)."""
    if request.method != "POST":
        return render_template(template, form=form, **context)
    try:
        obj = save(form_data(form, fields))
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return render_template(template, form=form, **context), 422
    audit("create" if is_new else "update", entity, str(obj.id), "setup")
    flash(message, "success")
    return redirect(done(obj))

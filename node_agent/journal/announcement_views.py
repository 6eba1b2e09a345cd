"""Announcement pages: what is shown today (every member of staff), publishing an announcement for
the school or chosen classes (the director and the secretary) and withdrawing one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from node_agent.journal import operations as ops
from node_agent.journal import queries
from node_agent.journal.forms import AnnouncementForm
from node_agent.journal.models import Announcement
from node_agent.journal.web import actor
from node_agent.records import ValidationFailed
from node_agent.register.queries import classes_of_year, current_school_year
from node_agent.web.context import ALL_ROLES, audit, current_user, db, refuse, roles_required, today
from zszo.web.forms import attach_errors

bp = Blueprint("announcements", __name__, url_prefix="/announcements", template_folder="templates")


@bp.get("")
@roles_required(*ALL_ROLES)
def index():  # type: ignore[no-untyped-def]
    """Announcements shown today; the announcers also see the ones still to come."""
    writer = queries.can_announce(current_user())  # type: ignore[arg-type]
    rows = queries.announcements(db(), today(), include_past=writer)
    return render_template("journal/announcements.html", rows=rows, writer=writer, today=today())


def _form() -> AnnouncementForm:
    form = AnnouncementForm()
    year = current_school_year(db(), today())
    form.class_ids.choices = [(c.id, c.name) for c in classes_of_year(db(), year)]
    return form


@bp.route("/new", methods=["GET", "POST"])
@roles_required("director", "secretary")
def add():  # type: ignore[no-untyped-def]
    """Publish an announcement."""
    if not queries.can_announce(current_user()):  # type: ignore[arg-type]
        refuse("announcement", None, "account not linked to a staff member")
    author = actor("announcement", None)
    form = _form()
    if not form.is_submitted():
        form.valid_from.data = today().isoformat()
        form.audience.data = form.audience.data or "staff"
        return render_template("journal/announcement_form.html", form=form)
    try:
        notice = ops.add_announcement(db(), author, title=form.title.data, body=form.body.data,
                                      valid_from=form.valid_from.data, valid_to=form.valid_to.data,
                                      scope=form.scope.data, class_ids=form.class_ids.data or [],
                                      audience=form.audience.data)
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return render_template("journal/announcement_form.html", form=form), 422
    audit("create", "announcement", notice.id, "announcements")
    flash(_("The announcement has been published."), "success")
    return redirect(url_for("announcements.index"))


@bp.post("/<announcement_id>/delete")
@roles_required("director", "secretary")
def delete(announcement_id: str):  # type: ignore[no-untyped-def]
    """Withdraw an announcement (its author or the director)."""
    notice = db().get(Announcement, announcement_id)
    if notice is None:
        abort(404)
    me = actor("announcement", announcement_id)
    if notice.author_id != me.staff_member_id and current_user().role != "director":  # type: ignore[union-attr]
        refuse("announcement", announcement_id, "not the announcement's author")
    ops.delete_announcement(db(), notice)
    audit("delete", "announcement", announcement_id, "announcements")
    flash(_("The announcement has been withdrawn."), "success")
    return redirect(url_for("announcements.index"))

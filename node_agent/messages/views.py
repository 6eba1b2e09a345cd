"""Message pages: inbox, sent messages, writing (or replying to) a message, reading one (which
records the reader's read time) and removing one's own copy. Every member of staff with an account
linked to a staff member may use them; nobody opens a message they neither sent nor received
(an audited 403). Thin: rules in operations, reading in queries."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from node_agent.messages import operations as ops
from node_agent.messages import queries
from node_agent.messages.forms import MessageForm
from node_agent.messages.models import Message
from node_agent.records import ValidationFailed
from node_agent.web.context import ALL_ROLES, current_user, db, refuse, roles_required, writes_on_get
from zszo.web.forms import attach_errors

bp = Blueprint("messages", __name__, url_prefix="/messages", template_folder="templates")


def me(record_id: str | None = None) -> str:
    """The logged-in user's staff member id (an audited 403 for accounts without one)."""
    user = current_user()
    if user is None or not user.staff_member_id:
        refuse("message", record_id, "account not linked to a staff member")
    return user.staff_member_id  # type: ignore[union-attr,return-value]


def _message(message_id: str) -> tuple[Message, str]:
    message = db().get(Message, message_id)
    if message is None:
        abort(404)
    staff_id = me(message_id)
    if not queries.can_open(db(), message, staff_id):
        refuse("message", message_id, "neither sender nor recipient")
    return message, staff_id


@bp.get("")
@roles_required(*ALL_ROLES)
def inbox():  # type: ignore[no-untyped-def]
    """Received messages, newest first, unread ones marked."""
    staff_id = me()
    return render_template("messages/inbox.html", rows=queries.inbox(db(), staff_id),
                           unread=queries.unread_count(db(), staff_id))


@bp.get("/sent")
@roles_required(*ALL_ROLES)
def sent():  # type: ignore[no-untyped-def]
    """Sent messages with who has read them."""
    return render_template("messages/sent.html", rows=queries.sent(db(), me()))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*ALL_ROLES)
def compose():  # type: ignore[no-untyped-def]
    """Write a message to one or more staff members (``?reply_to=<id>``: a reply to its sender)."""
    staff_id = me()
    reply_to = None
    if request.args.get("reply_to"):
        reply_to, _staff = _message(request.args["reply_to"])
    form = MessageForm()
    form.recipients.choices = queries.recipient_choices(db(), staff_id)
    if not form.is_submitted():
        if reply_to is not None:
            form.recipients.data = [reply_to.sender_id]
            form.subject.data = reply_to.subject if reply_to.subject.startswith("Re: ") else f"Re: {reply_to.subject}"
        return render_template("messages/compose.html", form=form, reply_to=reply_to)
    try:
        ops.send(db(), staff_id, recipient_ids=form.recipients.data or [], subject=form.subject.data,
                 body=form.body.data, reply_to=reply_to)
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return render_template("messages/compose.html", form=form, reply_to=reply_to), 422
    flash(_("The message has been sent."), "success")
    return redirect(url_for("messages.sent"))


@bp.get("/<message_id>")
@roles_required(*ALL_ROLES)
@writes_on_get
def show(message_id: str):  # type: ignore[no-untyped-def]
    """One message; opening a received copy records its read time (the first time only)."""
    message, staff_id = _message(message_id)
    copy = ops.copy_of(db(), message, staff_id)
    if copy is not None:
        ops.mark_read(db(), copy)
    sender = queries.staff_names(db(), {message.sender_id}).get(message.sender_id, "–")
    return render_template("messages/message.html", message=message, sender=sender, received=copy is not None,
                           deliveries=queries.deliveries(db(), message) if message.sender_id == staff_id else [])


@bp.post("/<message_id>/remove")
@roles_required(*ALL_ROLES)
def remove(message_id: str):  # type: ignore[no-untyped-def]
    """Remove the user's own copy; the other people's copies stay as they are."""
    message, staff_id = _message(message_id)
    ops.remove_own_copy(db(), message, staff_id)
    flash(_("The message has been removed from your lists."), "success")
    return redirect(url_for("messages.inbox"))

"""The portal's e-mail: the password-reset link, sent through the city's mail relay (``mail.*`` settings).

Uses the standard library's :mod:`smtplib` and :mod:`email`; nothing is sent when no relay is
configured (:func:`enabled`). The message names no child and holds nothing but the link.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from protocol.i18n import N_

SUBJECT = N_("Setting a new password on the recruitment portal")
BODY = N_("Someone (hopefully you) asked to set a new password for the account {email} on the city's recruitment "
          "portal.\n\nTo set it, open this link within {minutes} minutes:\n{link}\n\nIf it was not you, ignore "
          "this message: your password stays as it is.")
TIMEOUT_SECONDS = 10


def enabled(settings: Any) -> bool:
    """True when a mail relay and a sender are configured."""
    return bool(settings["mail.smtp_host"] and settings["mail.sender"])


def send_reset(settings: Any, to: str, link: str, minutes: int, gettext: Callable[[str], str]) -> None:
    """Send the reset link to ``to``; raises OSError / smtplib.SMTPException when the relay refuses."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings["mail.sender"], to, gettext(SUBJECT)
    message.set_content(gettext(BODY).format(email=to, minutes=minutes, link=link))
    with smtplib.SMTP(settings["mail.smtp_host"], settings["mail.smtp_port"], timeout=TIMEOUT_SECONDS) as relay:
        if settings["mail.starttls"]:
            relay.starttls()
        relay.send_message(message)

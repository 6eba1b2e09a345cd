"""The hub's login, TOTP, logout and own-account pages: :mod:`zszo.web.auth_views` bound to the city
office's accounts (:mod:`hub.auth.operations`), with the hub's own templates and wording."""

from __future__ import annotations

import logging

from flask_babel import gettext as _

from hub.auth import operations as ops
from hub.auth.models import HubUser
from hub.web import context
from protocol.i18n import N_
from zszo.web.auth_views import AuthSite, auth_blueprint, password_errors

__all__ = ["bp", "password_errors"]

THROTTLED = N_(
    "Too many failed login attempts for this account. Try again in an hour or ask the city office's "
    "administrator for help."
)

SITE = AuthSite(
    ops=ops, context=context, user_model=HubUser,
    # The issuer names the account in the authenticator app: the same name as the site's header.
    issuer=lambda _session: _("ZSZO – city education office"),
    throttled=THROTTLED, log=logging.getLogger("hub.auth"),
)
bp = auth_blueprint(SITE, import_name=__name__)

"""Flask-Babel wired to ZSZO's merged catalogues, and Polish date formatting for templates.

Translations come from :func:`zszo.i18n.translations` (all ``.po`` files of a locale, merged
in memory), never from compiled ``.mo`` files next to the app. The locale is an install
setting (``web.locale``): a school's staff all read the same language. Dates are shown the
way Polish school documents write them (``01.09.2026``, ``1 września 2026``), times in
Europe/Warsaw. This module must never format dates by string slicing of ISO text.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import flask_babel
from babel import dates as babel_dates
from babel.support import NullTranslations
from flask import Flask

from zszo import i18n

TIMEZONE = ZoneInfo("Europe/Warsaw")


class CatalogDomain(flask_babel.Domain):
    """A Flask-Babel domain whose translations are ZSZO's merged in-memory catalogues."""

    def get_translations(self) -> NullTranslations:
        """The catalogue of the request's locale (the app's default outside a request)."""
        locale = flask_babel.get_locale()
        return i18n.translations(str(locale) if locale is not None else i18n.DEFAULT_LOCALE)


def init_babel(app: Flask, locale: str) -> flask_babel.Babel:
    """Attach Flask-Babel to ``app`` with a fixed ``locale`` and the ZSZO catalogues."""
    if locale not in i18n.SUPPORTED_LOCALES:
        raise ValueError(f"web.locale must be one of {', '.join(i18n.SUPPORTED_LOCALES)}, not {locale!r}")
    babel = flask_babel.Babel(
        app, locale_selector=lambda: locale, default_locale=locale, default_timezone="Europe/Warsaw"
    )
    babel.domain_instance = CatalogDomain()  # type: ignore[misc] - replaces a cached_property on purpose
    app.jinja_env.filters.update(date=format_date, date_long=format_date_long, datetime=format_datetime)
    return babel


def format_date(value: dt.date | None) -> str:
    """``01.09.2026``; empty for None."""
    if value is None:
        return ""
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


def format_date_long(value: dt.date | None) -> str:
    """``1 września 2026`` (month name in the genitive, as Polish dates are written)."""
    if value is None:
        return ""
    locale = flask_babel.get_locale() or i18n.DEFAULT_LOCALE
    return babel_dates.format_date(value, "d MMMM y", locale=locale)


def format_datetime(value: dt.datetime | None) -> str:
    """``01.09.2026 08:15`` in Warsaw time; naive values are UTC (as the databases store them)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(TIMEZONE)
    return f"{format_date(local.date())} {local.hour:02d}:{local.minute:02d}"

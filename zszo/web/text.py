"""Searching and sorting Polish names: accent-insensitive matching and Polish alphabetical order.

SQLite knows neither, so :func:`install_sqlite_functions` registers a ``zszo_fold()`` SQL
function and a ``pl`` collation on every connection of an engine. Folding is only for finding
and ordering: stored names are never altered.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import Engine, event

# Letters that do not decompose into base letter + combining mark.
_SPECIAL = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ß": "ss"})


def fold(text: str | None) -> str:
    """Lower-case ``text`` without diacritics: "Łęcka" → "lecka"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


# Among accented forms of one base letter only z has two in Polish, and ź comes before ż.
_ACCENT_RANK = {"ż": 2}


def polish_key(text: str | None) -> tuple[tuple[str, int], ...]:
    """Sort key in Polish alphabetical order: a < ą < b < c < ć < … < l < ł < … < z < ź < ż.

    Each letter sorts by its base letter first and, at the same position, plain before
    accented, which is how Polish dictionaries order words (Lwowski before Łukasz).
    """
    key = []
    for ch in (text or "").casefold():
        base = fold(ch) or ch
        key.append((base, 0 if base == ch else _ACCENT_RANK.get(ch, 1)))
    return tuple(key)


def _collate(left: str, right: str) -> int:
    a, b = polish_key(left), polish_key(right)
    return (a > b) - (a < b)


def like_pattern(fragment: str) -> str:
    """A folded ``LIKE`` pattern matching ``fragment`` anywhere (escape character: backslash)."""
    escaped = fold(fragment).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _register(dbapi_connection: Any, *_args: Any) -> None:
    dbapi_connection.create_function("zszo_fold", 1, fold, deterministic=True)
    dbapi_connection.create_collation("pl", _collate)


def install_sqlite_functions(engine: Engine) -> None:
    """Make ``zszo_fold()`` and ``COLLATE pl`` available on every connection of ``engine``.

    Registered at checkout, not only at connect, so connections the pool opened before the
    web app existed (migrations at start-up) have them too; it costs microseconds.
    """
    if not event.contains(engine, "checkout", _register):
        event.listen(engine, "checkout", _register)

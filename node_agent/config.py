"""Every node setting, declared once (type, default, help); docs/configuration.md lists them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zszo.settings import Option, Settings

ENV_PREFIX = "ZSZO_NODE_"
OPTIONS: tuple[Option, ...] = (
    Option("paths.data_dir", Path, "var/node", "Directory for the node's database, keys and backups."),
    Option("paths.database", Path, "{paths_data_dir}/node.sqlite", "SQLite database file of the node."),
    Option("paths.keys", Path, "{paths_data_dir}/node-keys.json", "The node's private keys (mode 0600)."),
    Option("paths.backups", Path, "{paths_data_dir}/backups", "Directory for consistent database backups."),
    Option("paths.secret_key", Path, "{paths_data_dir}/web-secret.key", "Key that signs web session cookies."),
    Option("web.host", str, "127.0.0.1", "Address the school intranet web app listens on."),
    Option("web.port", int, 8080, "TCP port of the web app."),
    Option("web.threads", int, 16, "Worker threads of the single web process."),
    Option("web.secure_cookies", bool, False, "Send cookies only over HTTPS (enable behind TLS)."),
    Option("web.require_totp", bool, True, "Staff must use a TOTP code (two-factor login)."),
    Option("web.session_idle_minutes", int, 30, "Log out after this many idle minutes."),
    Option("web.session_max_hours", int, 12, "Log out after this many hours regardless of activity."),
    Option("web.locale", str, "pl", "Language of the user interface."),
    Option("attendance.absence_flag_percent", int, 50,
           "Flag a pupil whose days of unexcused absence reach this % of a month's class days (compulsory schooling)."),
    Option("sync.enabled", bool, True, "Run the background sync scheduler inside `zszo node serve`."),
    Option("sync.hub_url", str, None, "Base URL of the city hub, e.g. https://hub.edu.example.pl."),
    Option("sync.interval_seconds", int, 300, "Seconds between incremental syncs while online."),
    Option("sync.nightly_hour", int, 2, "Hour (0-23, local time) of the nightly full sync."),
    Option("sync.nightly_jitter_minutes", int, 60, "Random delay spreading nodes' nightly syncs."),
    Option("sync.batch_max_changes", int, 5000, "Largest number of changes in one uplink batch."),
    Option("sync.timeout_seconds", int, 30, "HTTP timeout of one request to the hub."),
    Option("sync.retries", int, 3, "Retries with exponential backoff for a failed request."),
    Option("sync.ca_bundle", Path, None, "CA bundle to verify the hub's TLS certificate (city CA)."),
)


def load(path: Path | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Load the node's settings from ``path`` (TOML), environment variables and ``overrides``."""
    return Settings.load(OPTIONS, path, env_prefix=ENV_PREFIX, overrides=overrides)

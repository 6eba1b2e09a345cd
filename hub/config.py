"""Every hub setting, declared once (type, default, help); docs/configuration.md lists them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zszo.settings import Option, Settings

ENV_PREFIX = "ZSZO_HUB_"
OPTIONS: tuple[Option, ...] = (
    Option("paths.data_dir", Path, "var/hub", "Directory for the hub's databases and keys."),
    Option("paths.database", Path, "{paths_data_dir}/hub.sqlite", "SQLite OLTP store: accounts, fleet, inbox."),
    Option("paths.warehouse", Path, "{paths_data_dir}/warehouse.duckdb", "DuckDB warehouse file (rebuildable)."),
    Option("paths.keys", Path, "{paths_data_dir}/hub-keys.json", "The hub's private keys (mode 0600)."),
    Option("paths.pseudonym_key", Path, "{paths_data_dir}/secrets/pseudonym.key",
           "HMAC key for pupil pseudonyms; keep it outside the warehouse and its backups."),
    Option("paths.backups", Path, "{paths_data_dir}/backups", "Directory for consistent backups."),
    Option("paths.secret_key", Path, "{paths_data_dir}/web-secret.key", "Key that signs web session cookies."),
    Option("web.host", str, "127.0.0.1", "Address the hub's web server listens on."),
    Option("web.port", int, 8000, "TCP port of the hub's web server."),
    Option("web.threads", int, 16, "Worker threads of the hub's web process."),
    Option("web.public_url", str, None,
           "The hub's address as schools reach it (https://…); shown in enrolment commands. Default: as requested."),
    Option("web.secure_cookies", bool, False, "Send cookies only over HTTPS (enable behind TLS)."),
    Option("web.require_totp", bool, True, "City admins must use a TOTP code (two-factor login)."),
    Option("web.session_idle_minutes", int, 30, "Log out after this many idle minutes."),
    Option("web.session_max_hours", int, 12, "Log out after this many hours regardless of activity."),
    Option("web.locale", str, "pl", "Language of the user interface."),
    Option("sync.max_envelope_mb", int, 32, "Largest accepted batch envelope, in MiB (checked first)."),
    Option("sync.max_payload_mb", int, 256, "Largest declared uncompressed payload, in MiB."),
    Option("sync.token_hours", int, 72, "Hours an enrolment token stays valid."),
    Option("sync.max_concurrent_ingest", int, 4, "Batches verified at once; more get 503 + Retry-After."),
    Option("sync.quarantine_max_batches", int, 100,
           "Batches kept per revoked node when it sends after its revocation (more are refused unstored)."),
    Option("sync.hub_key_grace_days", int, 30,
           "Days an old hub key keeps working after `zszo hub rotate-key`."),
    Option("merge.enabled", bool, True, "Run the warehouse merger inside `zszo hub serve`."),
    Option("merge.interval_seconds", int, 5, "Seconds between merger runs when idle."),
    Option("merge.max_changes", int, 500_000, "Most changes merged in one warehouse transaction."),
    Option("merge.model_refresh_seconds", int, 60,
           "Least seconds between rebuilds of the warehouse's analytical layer (dashboards) after merges."),
    Option("dashboard.municipal_class_limit", int, 30,
           "Largest class the city allows where no statutory limit applies (grades 4-8, secondary schools)."),
    Option("compulsory.absence_threshold_percent", int, 50,
           "Share of class days in a month with unexcused absence that lists a child as not attending."),
    Option("mail.smtp_host", str, None,
           "Mail relay for the portal's password-reset e-mails (e.g. the city's relay); unset: no e-mail is sent."),
    Option("mail.smtp_port", int, 25, "TCP port of the mail relay."),
    Option("mail.starttls", bool, False, "Upgrade the connection to the relay with STARTTLS."),
    Option("mail.sender", str, None, "Sender address of the portal's e-mails (e.g. rekrutacja@miasto.pl)."),
)


def load(path: Path | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Load the hub's settings from ``path`` (TOML), environment variables and ``overrides``."""
    return Settings.load(OPTIONS, path, env_prefix=ENV_PREFIX, overrides=overrides)

"""Settings: one TOML file per install plus ``ZSZO_NODE_*`` / ``ZSZO_HUB_*`` environment overrides.

Every option is declared once (key, type, default, one line of help) by the node or the hub;
``docs/configuration.md`` lists them all and a test fails when one is missing there. Defaults
may refer to other options as ``{data_dir}``; paths are resolved against the config file's
directory. Unknown keys in the file are an error, so a typo never silently falls back to a
default.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class SettingsError(ValueError):
    """A configuration file or environment variable is wrong; the message says where and why."""


@dataclass(frozen=True)
class Option:
    """One setting: dotted ``key`` ("sync.interval_minutes"), type, default and help."""

    key: str
    type: type
    default: Any
    help: str

    def env(self, prefix: str) -> str:
        """The environment variable that overrides this option (e.g. ``ZSZO_NODE_WEB_PORT``)."""
        return prefix + self.key.upper().replace(".", "_")

    def coerce(self, value: Any, source: str) -> Any:
        """Convert ``value`` (from TOML or an environment string) to the option's type."""
        try:
            if self.type is bool:
                if isinstance(value, bool):
                    return value
                text = str(value).strip().lower()
                if text in ("1", "true", "yes", "on"):
                    return True
                if text in ("0", "false", "no", "off"):
                    return False
                raise ValueError("expected true or false")
            if self.type is int:
                if isinstance(value, bool):
                    raise ValueError("expected a whole number")
                return int(value)
            if self.type is float:
                return float(value)
            if self.type is Path:
                return Path(str(value)) if value not in (None, "") else None
            return str(value) if value is not None else None
        except (TypeError, ValueError) as exc:
            raise SettingsError(f"{source}: {self.key} = {value!r}: {exc}") from None


class Settings(Mapping[str, Any]):
    """Resolved settings; read with ``settings["sync.interval_minutes"]``."""

    def __init__(self, options: Iterable[Option], values: Mapping[str, Any], path: Path | None) -> None:
        self.options = {o.key: o for o in options}
        self._values = dict(values)
        self.path = path

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    @classmethod
    def load(
        cls,
        options: Iterable[Option],
        path: Path | None = None,
        *,
        env: Mapping[str, str] | None = None,
        env_prefix: str = "ZSZO_",
        overrides: Mapping[str, Any] | None = None,
    ) -> Settings:
        """Read defaults, then the TOML file at ``path``, then environment, then ``overrides``."""
        options = list(options)
        by_key = {o.key: o for o in options}
        env = os.environ if env is None else env
        raw: dict[str, tuple[Any, str]] = {o.key: (o.default, "default") for o in options}
        base = Path.cwd()
        if path is not None:
            path = Path(path)
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise SettingsError(f"configuration file {path} does not exist") from None
            except tomllib.TOMLDecodeError as exc:
                raise SettingsError(f"{path}: not valid TOML: {exc}") from None
            base = path.parent.resolve()
            for key, value in _flatten(data):
                if key not in by_key:
                    raise SettingsError(f"{path}: unknown setting {key!r}")
                raw[key] = (value, str(path))
        for option in options:
            name = option.env(env_prefix)
            if name in env:
                raw[option.key] = (env[name], f"environment {name}")
        for key, value in (overrides or {}).items():
            if key not in by_key:
                raise SettingsError(f"unknown setting {key!r}")
            raw[key] = (value, "override")
        values = {k: by_key[k].coerce(v, src) for k, (v, src) in raw.items()}
        # Fill "{other_key}" templates in text and path defaults, then anchor relative paths.
        for _ in range(3):
            for key, value in values.items():
                if isinstance(value, str | Path) and "{" in str(value):
                    text = str(value).format(**{k.replace(".", "_"): v for k, v in values.items()})
                    values[key] = by_key[key].coerce(text, "template")
        for key, value in values.items():
            if isinstance(value, Path) and not value.is_absolute():
                values[key] = (base / value).resolve()
        return cls(options, values, path)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, full + ".")
        else:
            yield full, value


def render_toml(options: Iterable[Option], values: Mapping[str, Any]) -> str:
    """Write a commented TOML file with ``values`` for the given options (used by ``init``)."""
    lines: list[str] = []
    section = None
    for option in options:
        head, _, name = option.key.rpartition(".")
        if head != section:
            lines.append(f"\n[{head}]")
            section = head
        value = values.get(option.key, option.default)
        lines.append(f"# {option.help}")
        if value is None:
            lines.append(f"# {name} = ")
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, int | float):
            text = str(value)
        else:
            text = '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
        lines.append(f"{name} = {text}")
    return "\n".join(lines).lstrip() + "\n"

"""The documentation covers every command and setting (a missing one fails here)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from hub.config import ENV_PREFIX as HUB_PREFIX
from hub.config import OPTIONS as HUB_OPTIONS
from node_agent.config import ENV_PREFIX as NODE_PREFIX
from node_agent.config import OPTIONS as NODE_OPTIONS
from zszo.cli import main

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _commands(group: click.Group, prefix: list[str]) -> list[list[str]]:
    out = []
    for name, command in sorted(group.commands.items()):
        path = prefix + [name]
        out.append(path)
        if isinstance(command, click.Group):
            out.extend(_commands(command, path))
    return out


COMMANDS = _commands(main, ["zszo"])


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p))
def test_command_documented_in_cli_md(path):
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert re.search(r"`" + re.escape(" ".join(path)) + r"[` ]", text), f"{' '.join(path)} missing from docs/cli.md"


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p))
def test_command_has_help(path):
    result = CliRunner().invoke(main, path[1:] + ["--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


@pytest.mark.parametrize("option", NODE_OPTIONS, ids=lambda o: o.key)
def test_node_setting_documented(option):
    text = (DOCS / "configuration.md").read_text(encoding="utf-8").split("## Hub settings")[0]
    assert f"`{option.key}`" in text and f"`{option.env(NODE_PREFIX)}`" in text


@pytest.mark.parametrize("option", HUB_OPTIONS, ids=lambda o: o.key)
def test_hub_setting_documented(option):
    text = (DOCS / "configuration.md").read_text(encoding="utf-8").split("## Hub settings")[1]
    assert f"`{option.key}`" in text and f"`{option.env(HUB_PREFIX)}`" in text


def test_readme_quick_start_has_exactly_two_commands():
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = quick.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines() if line.strip()]
    assert commands == ["./dev.sh demo", "./dev.sh test"]
    ci = (DOCS.parent / ".ci" / "run").read_text()
    assert "./dev.sh test" in ci


def test_import_columns_documented():
    from node_agent.imports.columns import GUARDIAN_FILE_COLUMNS, PUPIL_COLUMNS

    text = (DOCS / "import.md").read_text(encoding="utf-8")
    for column in (*PUPIL_COLUMNS, *GUARDIAN_FILE_COLUMNS):
        assert f"| {column.name} |" in text, f"import column {column.name} missing from docs/import.md"

"""protocol/ stays pure: no web framework, HTTP client, database driver or application package.

The node, the hub and offline tools share these rules only as long as importing them drags in
nothing else. import-linter states the same contract; this test needs no extra tool.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PROTOCOL = Path(__file__).resolve().parents[2] / "protocol"
FORBIDDEN = {"flask", "werkzeug", "requests", "sqlalchemy", "sqlite3", "duckdb", "node_agent", "hub", "zszo"}
MODULES = sorted(PROTOCOL.rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Absolute module names imported by ``path``, including importlib / __import__ with a literal."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
    return names


def test_protocol_modules_are_found() -> None:
    assert {p.name for p in MODULES} >= {"envelope.py", "fields.py", "pesel.py", "acks.py", "keys.py"}


@pytest.mark.parametrize("path", MODULES, ids=[p.name for p in MODULES])
def test_module_imports_nothing_forbidden(path: Path) -> None:
    bad = sorted(name for name in imported_modules(path) if name.split(".")[0] in FORBIDDEN)
    assert bad == [], f"{path.name} imports {bad}"


def test_the_scanner_sees_every_import_form(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import flask\nimport os, sqlite3 as db\nfrom sqlalchemy.orm import Session\nfrom . import sibling\n"
        "import importlib\nimportlib.import_module('duckdb')\n__import__('requests')\n"
        "def f():\n    from hub import app\n"
    )
    assert imported_modules(sample) == {
        "flask",
        "os",
        "sqlite3",
        "sqlalchemy.orm",
        "importlib",
        "duckdb",
        "requests",
        "hub",
    }


def test_importing_protocol_loads_nothing_forbidden() -> None:
    # Catches indirect imports too (a dependency of ours that pulls in sqlite3, say).
    modules = ", ".join(f"protocol.{p.stem}" for p in MODULES if p.stem != "__init__")
    code = (
        f"import sys, {modules}\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROTOCOL.parent
    )
    assert result.stdout.strip() == "[]"

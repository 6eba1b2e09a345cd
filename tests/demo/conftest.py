"""Fixtures of the demo tests: the full city, generated once per test session (no databases)."""

from __future__ import annotations

import pytest

from zszo.demo.generator import GeneratedSchool, generate_city


@pytest.fixture(scope="session")
def city() -> list[GeneratedSchool]:
    """All 97 institutions of the default demo city (seed 2026, full size): a few seconds."""
    return list(generate_city())

"""`zszo node import pupils|guardians FILE`: Polish report and exit codes 0 / 1 / 2."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from node_agent import config
from node_agent.imports.cli import import_group
from node_agent.register.models import Pupil
from tests.imports.factories import HEADERS, count, outbox_count, pupil_row, write_csv
from zszo.settings import render_toml


@pytest.fixture
def invoke(db, tmp_path):
    settings = config.load(None, {"paths.data_dir": str(tmp_path)})

    def run(*args: str):
        obj = SimpleNamespace(settings=settings, db=db)
        return CliRunner().invoke(import_group, list(args), obj=obj)

    return run


def test_all_rows_imported_exits_0(invoke, tmp_path, db):
    path = write_csv(tmp_path / "p.csv", [pupil_row(i) for i in range(3)])
    result = invoke("pupils", str(path))
    assert result.exit_code == 0, result.output
    assert result.output == "Wierszy: 3; dodano: 3, zaktualizowano: 0, bez zmian: 0, odrzucono: 0.\n"
    assert count(db, Pupil) == 3


def test_rejected_rows_exit_1_and_good_rows_stay(invoke, tmp_path, db):
    rows = [pupil_row(0), pupil_row(1, **{"Oddział": "7x"}), pupil_row(2)]
    result = invoke("pupils", str(write_csv(tmp_path / "p.csv", rows, headers=[*HEADERS, "Uwagi"])))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Wierszy: 3; dodano: 2, zaktualizowano: 0, bez zmian: 0, odrzucono: 1.",
        "Wiersz 3, kolumna „Oddział”: w roku szkolnym 2026/2027 nie ma oddziału „7x”",
        "Ostrzeżenie: Kolumna „Uwagi”: nie rozpoznano tej kolumny, została pominięta",
    ]
    assert count(db, Pupil) == 2


def test_file_error_exits_2_and_imports_nothing(invoke, tmp_path, db):
    path = write_csv(tmp_path / "p.csv", [pupil_row(0)], headers=["PESEL", "Imię"])
    result = invoke("pupils", str(path))
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "Plik nie został zaimportowany.",
        "Kolumna „Nazwisko”: brakuje tej wymaganej kolumny",
    ]
    assert count(db, Pupil) == 0


def test_dry_run_prints_the_report_and_saves_nothing(invoke, tmp_path, db):
    outbox = outbox_count(db)
    path = write_csv(tmp_path / "p.csv", [pupil_row(i) for i in range(2)])
    result = invoke("pupils", str(path), "--dry-run")
    assert result.exit_code == 0
    assert result.output == ("Tylko podgląd, nic nie zostało zapisane. "
                             "Wierszy: 2; dodano: 2, zaktualizowano: 0, bez zmian: 0, odrzucono: 0.\n")
    assert count(db, Pupil) == 0 and outbox_count(db) == outbox


def test_guardians_command(invoke, tmp_path):
    invoke("pupils", str(write_csv(tmp_path / "p.csv", [pupil_row(1)])))
    headers = ["PESEL", "Imię", "Nazwisko", "Pokrewieństwo"]
    rows = [{"PESEL": pupil_row(1)["PESEL"], "Imię": "Jan", "Nazwisko": "Nowak", "Pokrewieństwo": "ojciec"}]
    result = invoke("guardians", str(write_csv(tmp_path / "g.csv", rows, headers=headers)))
    assert result.exit_code == 0, result.output
    assert result.output == "Wierszy: 1; dodano: 1, zaktualizowano: 0, bez zmian: 0, odrzucono: 0.\n"


def test_missing_file_is_a_usage_error(invoke, tmp_path):
    result = invoke("pupils", str(tmp_path / "nie-ma.csv"))
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_through_the_zszo_command(db, tmp_path):
    from zszo.cli import main

    if "import" not in main.commands["node"].commands:
        pytest.skip("node_agent/cli.py does not attach the import commands")
    config_path = tmp_path / "node.toml"
    config_path.write_text(render_toml(config.OPTIONS, {"paths.data_dir": str(tmp_path)}), encoding="utf-8")
    path = write_csv(tmp_path / "p.csv", [pupil_row(0), pupil_row(1, **{"Płeć": "?"})])
    result = CliRunner().invoke(main, ["node", "-c", str(config_path), "import", "pupils", str(path)])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        "Wierszy: 2; dodano: 1, zaktualizowano: 0, bez zmian: 0, odrzucono: 1.",
        "Wiersz 3, kolumna „Płeć”: wpisz K (kobieta) lub M (mężczyzna)",
    ]

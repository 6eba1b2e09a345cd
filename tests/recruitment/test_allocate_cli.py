"""`zszo recruitment allocate` and `verify`: the audit commands on real files (exit codes 0/1/2/3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.recruitment.allocation import lottery_number
from zszo.cli import main

INPUT = {
    "classes": [{"id": "1A", "seats": 1}, {"id": "1B", "seats": 1}],
    "candidates": [
        {"id": "Ala", "preferences": ["1A", "1B"], "keys": {"1A": [0, 154.45, 0, 1], "1B": [0, 150.45, 0, 1]}},
        {"id": "Bartek", "preferences": ["1A"], "keys": {"1A": [0, 160, 0, 0]}},
        {"id": "Celina", "preferences": ["1B", "1A"], "keys": {"1A": [0, 120, 0, 0], "1B": [0, 150.45, 0, 0]}},
    ],
    "lottery_seed": None,
}


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["recruitment", *args])


def write(tmp_path: Path, data: object, name: str = "in.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_allocate_writes_the_result_and_says_what_it_did(tmp_path):
    source, out = write(tmp_path, INPUT), tmp_path / "out.json"
    result = run("allocate", str(source), "--out", str(out))
    assert result.exit_code == 0, result.output
    # 1A: Bartek (160) over Ala (154.45). 1B: Ala and Celina level on points (150.45); Ala's
    # statutory criterion (the last number) decides. The decimals are compared exactly.
    assert json.loads(out.read_text(encoding="utf-8")) == {
        "assignments": {"Ala": "1B", "Bartek": "1A", "Celina": None},
        "cutoffs": {"1A": [0, 160, 0, 0], "1B": [0, 150.45, 0, 1]},
    }
    assert result.stdout.startswith("Przydzielono miejsca 2 z 3 kandydatów; pełnych oddziałów: 2 z 2; "
                                    "sprawdzono certyfikatem progów w ")
    assert result.stdout.endswith(f" s. Wynik: {out}\n")


def test_allocate_with_a_lottery_lists_the_numbers(tmp_path):
    data = {**INPUT, "lottery_seed": 2026}
    source, out = write(tmp_path, data), tmp_path / "out.json"
    assert run("allocate", str(source), "--out", str(out)).exit_code == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["lottery"] == {cid: lottery_number(2026, cid) for cid in ("Ala", "Bartek", "Celina")}
    assert written["cutoffs"]["1A"] == [0, 160, 0, 0, lottery_number(2026, "Bartek")]
    assert run("verify", str(source), str(out)).exit_code == 0


def test_ties_exit_3_print_them_and_write_nothing(tmp_path):
    data = json.loads(json.dumps(INPUT))
    data["candidates"][0]["keys"]["1B"] = [0, 150.450, 0, 0]  # now exactly level with Celina at 1B
    source, out = write(tmp_path, data), tmp_path / "out.json"
    result = run("allocate", str(source), "--out", str(out))
    assert result.exit_code == 3
    assert result.stdout == (
        "O miejscach decydują dokładne remisy, więc tego wyniku nie wolno opublikować. Rozstrzyga je komisja "
        "albo losowanie przyjęte przez miasto (lottery_seed):\n"
        "  oddział 1B: remis na progu [0, 150.45, 0, 0]: Ala, Celina\n")
    assert not out.exists()
    # The same in English, and the city's lottery settles it.
    english = run("allocate", str(source), "--out", str(out), "--lang", "en")
    assert english.exit_code == 3
    assert "  class 1B: level at the cut-off [0, 150.45, 0, 0]: Ala, Celina\n" in english.stdout
    assert run("allocate", str(write(tmp_path, {**data, "lottery_seed": 1}, "lot.json")), "--out", str(out)
               ).exit_code == 0


def candidates_with(**changes) -> dict:
    data = json.loads(json.dumps(INPUT))
    for path, value in changes.items():
        target = data
        *parents, last = path.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value
    return data


@pytest.mark.parametrize(("data", "polish"), [
    (candidates_with(candidates__0__preferences=["1A", "1C"]),
     "candidates[0] ('Ala').preferences[1]: nieznany oddział '1C'"),
    (candidates_with(candidates__0__preferences=["1A", "1A"]),
     "candidates[0] ('Ala').preferences[1]: oddział '1A' jest na liście dwa razy"),
    (candidates_with(candidates__1__preferences=["1A", "1B"]),
     "candidates[1] ('Bartek').keys: brak klucza dla oddziału '1B' z listy"),
    (candidates_with(classes__1__seats=-3), "classes[1].seats: liczba miejsc nie może być ujemna"),
    (candidates_with(classes__1__seats="3"), "classes[1].seats: liczba miejsc musi być liczbą całkowitą"),
    (candidates_with(candidates__2__keys={"1A": [0, 120, 0, 0], "1B": "150"}),
     "candidates[2] ('Celina').keys['1B']: klucz musi być niepustą listą liczb"),
    (candidates_with(candidates__2__keys={"1A": [0, 120, 0, 0], "1B": [0, True, 0, 0]}),
     "candidates[2] ('Celina').keys['1B']: klucz może zawierać tylko liczby dokładne (całkowite lub dziesiętne)"),
    (candidates_with(lottery_seed=1.5), "lottery_seed: ziarno losowania musi być liczbą całkowitą lub null"),
    (candidates_with(lotery_seed=7), "lotery_seed: nieznane pole"),
    (candidates_with(candidates__1__prefs=["1A"]), "candidates[1].prefs: nieznane pole"),
    ({"classes": []}, "JSON: brak pola 'candidates'"),
    ([], "JSON: oczekiwano obiektu JSON"),
    ('{"classes": [], "candidates": [}', "line 1, column 32: błędny JSON: Expecting value"),
    ('{"classes": [], "classes": [], "candidates": []}',
     "JSON: nazwa 'classes' występuje dwa razy w jednym obiekcie"),
    ('{"classes": [{"id": "A", "seats": 1}], "candidates": [{"id": "k", "preferences": ["A"], '
     '"keys": {"A": [NaN]}}]}', "JSON: NaN nie jest liczbą"),
    ('{"classes": [{"id": "A", "seats": 1}], "candidates": [{"id": "k", "preferences": ["A"], '
     '"keys": {"A": [0.12345678901234567890]}}]}',
     "JSON: liczby 0.12345678901234567890 nie da się zachować dokładnie (użyj najwyżej 15 cyfr znaczących)"),
])
def test_bad_input_exits_2_saying_what_and_where(tmp_path, data, polish):
    source, out = write(tmp_path, data), tmp_path / "out.json"
    result = run("allocate", str(source), "--out", str(out))
    assert result.exit_code == 2
    assert result.stderr == f"Błędne dane w {source}: {polish}\n"
    assert not out.exists()


def test_a_file_that_is_not_utf8_exits_2(tmp_path):
    source = tmp_path / "in.json"
    source.write_bytes('{"classes": [{"id": "Ł"'.encode("cp1250"))
    result = run("allocate", str(source), "--out", str(tmp_path / "out.json"))
    assert result.exit_code == 2
    assert result.stderr == f"Błędne dane w {source}: byte 22: plik nie jest tekstem w UTF-8\n"


def test_verify_finds_a_tampered_result(tmp_path):
    source, out = write(tmp_path, INPUT), tmp_path / "out.json"
    assert run("allocate", str(source), "--out", str(out)).exit_code == 0
    ok = run("verify", str(source), str(out))
    assert ok.exit_code == 0
    assert ok.stdout.startswith("Wynik jest poświadczony:")

    tampered = json.loads(out.read_text(encoding="utf-8"))
    tampered["assignments"]["Celina"], tampered["assignments"]["Ala"] = "1B", None  # Celina instead of Ala
    write(tmp_path, tampered, "out.json")
    result = run("verify", str(source), str(out))
    assert result.exit_code == 1
    assert result.stderr == ("Wynik łamie certyfikat progów (ustaleń: 1):\n"
                             "  cutoffs['1B']: próg musi wynosić [0, 150.45, 0, 0]\n")

    tampered["cutoffs"]["1B"] = [0, 150.45, 0, 0]  # a consistent forgery: Ala now reaches 1B but has no seat
    write(tmp_path, tampered, "out.json")
    result = run("verify", str(source), str(out))
    assert result.exit_code == 1
    assert result.stderr == ("Wynik łamie certyfikat progów (ustaleń: 1):\n"
                             "  assignments['Ala']: najwyższy na liście oddział, którego próg kandydat osiąga, "
                             "to '1B'\n")


def test_verify_reports_a_wrong_lottery_number(tmp_path):
    data = {**INPUT, "lottery_seed": 3}
    source, out = write(tmp_path, data), tmp_path / "out.json"
    assert run("allocate", str(source), "--out", str(out)).exit_code == 0
    tampered = json.loads(out.read_text(encoding="utf-8"))
    tampered["lottery"]["Ala"] += 1
    write(tmp_path, tampered, "out.json")
    result = run("verify", str(source), str(out), "--lang", "en")
    assert result.exit_code == 1
    assert result.stderr == ("The result breaks the cut-off certificate (1 findings):\n"
                             "  lottery['Ala']: the number is not the one the seed gives\n")

"""`zszo demo generate`: writes node databases and the manifest, prints totals in Polish."""

from __future__ import annotations

import json

from click.testing import CliRunner

from zszo.cli import main


def _generate(out, *extra):
    args = ["demo", "generate", "--schools", "3", "--scale", "0.05", "--jobs", "1", "--out", str(out), *extra]
    return CliRunner().invoke(main, args)


def test_generate_writes_the_manifest_and_prints_totals(tmp_path):
    out = tmp_path / "city"
    result = _generate(out)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "city.json").read_text(encoding="utf-8"))
    totals = manifest["totals"]
    assert [s["index"] for s in manifest["schools"]] == [0, 1, 2]
    assert all((out / s["db"]).is_file() for s in manifest["schools"])
    assert result.stdout.splitlines() == [
        "Placówki: 3",
        f"Uczniowie: {totals['pupils']}",
        f"Nauczyciele: {totals['teachers']}",
        f"Opiekunowie: {totals['counts']['guardian']}",
        f"Oddziały: {totals['counts']['class_unit']}",
        f"Spis placówek z kontami demonstracyjnymi: {out / 'city.json'}",
    ]


def test_generate_refuses_an_existing_demo_with_exit_1(tmp_path):
    out = tmp_path / "city"
    assert _generate(out).exit_code == 0
    before = (out / "city.json").read_bytes()
    result = _generate(out)
    assert result.exit_code == 1
    message = f"{out} zawiera już miasto demonstracyjne: wybierz inny katalog --out albo usuń ten"
    assert message in result.stderr
    assert (out / "city.json").read_bytes() == before


def test_generate_rejects_bad_options_with_exit_2(tmp_path):
    assert _generate(tmp_path / "a", "--scale", "0").exit_code == 2
    result = CliRunner().invoke(main, ["demo", "generate", "--schools", "98", "--out", str(tmp_path / "b")])
    assert result.exit_code == 2
    assert not (tmp_path / "b").exists()

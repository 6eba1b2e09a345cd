"""The analytical layer as partitioned Parquet: every table, every row, pruned by school."""

from __future__ import annotations

import duckdb
import pytest

from hub.warehouse import model
from hub.warehouse.export import export_parquet
from protocol.entities import ENTITIES
from tests.hub.web_factories import LO2, SP1, City


def test_every_table_round_trips_and_is_partitioned_by_school(city: City, tmp_path):
    cur = city.hub.warehouse.cursor()
    tables = export_parquet(cur, tmp_path / "eksport")
    assert model.is_built(cur)  # the city's merges built the analytical model: it is exported too
    assert [t.name for t in tables] == [*ENTITIES, *model.MODEL_TABLES]
    reader = duckdb.connect()
    for table in tables:
        expected = cur.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0]
        assert table.rows == expected
        pattern = str(tmp_path / "eksport" / table.name / "**" / "*.parquet")
        got = reader.execute(f"SELECT count(*) FROM read_parquet('{pattern}', hive_partitioning = true)").fetchone()[0]
        assert got == expected, table.name
    pupils = {t.name: t for t in tables}["pupil"]
    assert pupils.partitions == 3
    only_lo2 = reader.execute(
        f"SELECT count(*) FROM read_parquet('{tmp_path}/eksport/pupil/**/*.parquet', hive_partitioning = true) "
        f"WHERE _rspo = '{LO2.rspo}'").fetchone()[0]
    assert only_lo2 == cur.execute("SELECT count(*) FROM pupil WHERE _rspo = ?", [LO2.rspo]).fetchone()[0] > 0
    assert (tmp_path / "eksport" / "pupil" / f"_rspo={SP1.rspo}").is_dir()
    by_name = {t.name: t for t in tables}
    assert by_name["dim_school"].partitions == 3 and by_name["dim_school"].rows == 3
    assert by_name["dim_date"].partitions == 0 and by_name["dim_date"].rows > 0  # one file, no school
    assert (tmp_path / "eksport" / "dim_class" / f"rspo={LO2.rspo}").is_dir()


def test_a_non_empty_directory_is_refused_unless_replaced(city: City, tmp_path):
    target = tmp_path / "eksport"
    target.mkdir()
    (target / "notatka.txt").write_text("nie kasować", encoding="utf-8")
    with pytest.raises(FileExistsError):
        export_parquet(city.hub.warehouse.cursor(), target)
    assert (target / "notatka.txt").exists()
    export_parquet(city.hub.warehouse.cursor(), target, replace=True)
    assert not (target / "notatka.txt").exists() and (target / "school").is_dir()

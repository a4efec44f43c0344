"""`licit.spark.decide` on a local Spark session: the same decisions as `decide_frame`, dotted
columns and structs, one rulebook load per worker process, and the example end to end."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pandas
import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import licit
from licit import spark as licit_spark

ROOT = pathlib.Path(__file__).resolve().parents[3]
EU = ROOT / "policies" / "eu" / "dual-use"
sys.path.insert(0, str(ROOT / "examples" / "python"))
from orders import CASE_COLUMNS, as_cases, orders  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_decides_as_decide_frame(spark):
    history = as_cases(pandas.DataFrame(list(orders(3000))))
    frame = spark.createDataFrame(history).repartition(3)
    screened = licit_spark.decide(frame, str(EU), columns=CASE_COLUMNS).toPandas()
    expected = licit.Rulebook.load(EU).decide_frame(history, columns=CASE_COLUMNS)
    assert list(screened.columns) == list(expected.columns)
    screened = screened.sort_values("order").reset_index(drop=True)
    def plain(column):
        return [None if pandas.isna(value) else value for value in column]

    for name in ("verdict", "basis", "decided_by", "citation"):
        assert plain(screened[name]) == plain(expected[name]), name
    assert [list(o) for o in screened["obligations"]] == [list(o) for o in expected["obligations"]]
    assert screened["verdict"].nunique() >= 3


def test_spark_with_a_struct_column_and_an_error_column(spark):
    rows = [
        ("2022-03-01", "export", "NL", "CN", (None, True), ["internal_repression"]),
        ("2022-03-01", "export", "NL", "XX", (None, False), []),
    ]
    frame = spark.createDataFrame(
        rows,
        "date string, activity string, exporter_state string, destination string, "
        "item struct<annex_i: string, cyber_surveillance: boolean>, informed array<string>",
    )
    screened = licit_spark.decide(frame, str(EU), errors="column").orderBy(F.col("destination")).collect()
    assert screened[0]["verdict"] == "licence_required"
    assert screened[0]["decided_by"] == "cyber_catch_all"
    assert screened[1]["verdict"] is None and "XX" in screened[1]["error"]


def test_a_policy_that_does_not_load_fails_before_any_job(spark, tmp_path):
    frame = spark.createDataFrame([("2022-03-01",)], "date string")
    with pytest.raises(licit.PolicyError):
        licit_spark.decide(frame, str(tmp_path / "missing"))


def test_the_rulebook_is_loaded_once_per_process():
    before = licit_spark.loads
    first = licit_spark.rulebook(str(EU))
    assert licit_spark.rulebook(str(EU)) is first
    assert licit_spark.loads - before <= 1


def test_the_spark_example_writes_a_table_and_a_plot(tmp_path):
    run = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "python" / "spark_screening.py"), "4000", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    table = pandas.read_csv(tmp_path / "verdicts-by-month.csv")
    assert list(table.columns) == ["month", "destination", "verdict", "count"]
    assert table["count"].sum() == 4000
    assert (tmp_path / "verdicts-by-month.png").stat().st_size > 10_000
    assert "cases/s" in run.stdout

"""Screen a generated order history on a local Spark session with `licit.spark.decide`, and
write the verdict counts per month and destination as a table and a plot.

    python examples/python/spark_screening.py [orders] [output-folder]

Run from the repository's root after `pip install ./bindings/python pyspark pandas pyarrow
matplotlib` (Spark needs Java 17). Writes `verdicts-by-month.csv` and `.png` to the output folder
(default `examples/python/output/`) and prints the throughput.
"""

from __future__ import annotations

import os
import pathlib
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

from licit import spark as licit_spark  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from orders import CASE_COLUMNS, as_cases, orders  # noqa: E402

RULEBOOK = ROOT / "policies" / "eu" / "dual-use"


def session() -> SparkSession:
    """A local Spark session on every core, quiet, with Arrow for the pandas exchange."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master("local[*]")
        .appName("licit screening")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    out = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else HERE / "output"
    out.mkdir(parents=True, exist_ok=True)
    spark = session()

    # The order history, as a data team would have it in a table.
    history = as_cases(pandas.DataFrame(list(orders(count))))
    frame = spark.createDataFrame(history).repartition(4)
    frame.cache().count()

    started = time.perf_counter()
    screened = licit_spark.decide(frame, str(RULEBOOK), columns=CASE_COLUMNS)
    counts = (
        screened.withColumn("month", F.substring("date", 1, 7))
        .groupBy("month", "destination", "verdict")
        .count()
        .orderBy("month", "destination", "verdict")
        .toPandas()
    )
    seconds = time.perf_counter() - started
    decided = int(counts["count"].sum())
    print(f"{decided} order lines screened in {seconds:.1f} s: {decided / seconds:,.0f} cases/s on Spark local[*]")

    counts.to_csv(out / "verdicts-by-month.csv", index=False)
    plot(counts, out / "verdicts-by-month.png")
    print(counts.head(12).to_string(index=False))
    print(f"\nwritten to {out}")
    spark.stop()


def plot(counts: pandas.DataFrame, path: pathlib.Path) -> None:
    """Per destination, the order lines a month that need a licence (or are prohibited)."""
    needs = counts[counts["verdict"].isin(["licence_required", "prohibited"])]
    table = needs.pivot_table(index="month", columns="destination", values="count", aggfunc="sum").fillna(0)
    figure, axes = plt.subplots(figsize=(11, 5))
    table.rolling(3, min_periods=1).mean().plot(ax=axes, linewidth=1.4)
    axes.set_title("Order lines needing a licence or prohibited, per month and destination (3-month mean)")
    axes.set_xlabel("month")
    axes.set_ylabel("order lines")
    axes.legend(title="destination", ncols=2, fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


if __name__ == "__main__":
    main()

"""Screening on Spark: `licit.spark.decide(df, rulebook)` decides every row of a Spark DataFrame
with `mapInPandas`, loading the rulebook once per Python worker process.

    >>> from licit import spark as licit_spark
    >>> screened = licit_spark.decide(orders, "policies/eu/dual-use",
    ...     columns=["date", "activity", "exporter_state", "destination", "item.annex_i"])
    >>> screened.groupBy("destination", "verdict").count().show()

The rulebook is a path that every executor can read (a shared file system, or a folder sent with
`SparkContext.addFile(path, recursive=True)` and named by `SparkFiles.get`). Columns are the
case's fields as for `Rulebook.decide_frame`: structs or dotted names for nested fields.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from . import Rulebook

_rulebooks: dict[tuple[str, tuple[tuple[str, str], ...]], Rulebook] = {}
_lock = threading.Lock()
_DOT = "__licit_dot__"
# How many times this process loaded a rulebook: one per (path, params) and worker process.
loads = 0


def rulebook(path: str, params: Mapping[str, Any] | None = None) -> Rulebook:
    """The rulebook at `path` with `params`, loaded once in this process and kept: Spark reuses
    its Python workers, so each loads a rulebook once whatever the number of batches."""
    global loads
    key = (str(path), tuple(sorted((k, str(v)) for k, v in (params or {}).items())))
    with _lock:
        found = _rulebooks.get(key)
        if found is None:
            found = Rulebook.load(path, params=params)
            _rulebooks[key] = found
            loads += 1
        return found


def output_schema(schema: Any, errors: str = "raise") -> Any:
    """The schema of `decide`'s result: the input's columns and the decision's."""
    from pyspark.sql.types import ArrayType, StringType, StructField, StructType

    added = ["verdict", "basis", "decided_by", "citation"]
    fields = [field for field in schema.fields if field.name not in (*added, "obligations", "error")]
    fields += [StructField(name, StringType(), True) for name in added]
    fields.append(StructField("obligations", ArrayType(StringType(), True), True))
    if errors == "column":
        fields.append(StructField("error", StringType(), True))
    return StructType(fields)


def decide(
    df: Any,
    rulebook_path: str,
    *,
    params: Mapping[str, Any] | None = None,
    columns: Iterable[str] | None = None,
    errors: str = "raise",
) -> Any:
    """`df` with the columns `verdict`, `basis`, `decided_by`, `citation` and `obligations`
    (see `Rulebook.decide_frame`), decided on the executors. A row that does not fit fails the
    job with its `CaseError`, or with `errors="column"` gets its message in an `error` column."""
    path = str(rulebook_path)
    params = dict(params) if params else None
    # Loading here first reports a policy that does not load before any job starts.
    rulebook(path, params)
    # Spark does not pass columns with a dot in their name to `mapInPandas`: they cross it
    # under another name and get theirs back on both sides.
    hidden = {name: name.replace(".", _DOT) for name in df.columns if "." in name}
    shown = {safe: name for name, safe in hidden.items()}
    fields = [hidden.get(name, name) for name in columns] if columns is not None else None
    for name, safe in hidden.items():
        df = df.withColumnRenamed(name, safe)

    def screen(batches: Iterator[Any]) -> Iterator[Any]:
        book = rulebook(path, params)
        for batch in batches:
            batch = batch.rename(columns=shown)
            decided = book.decide_frame(
                batch, columns=[shown.get(f, f) for f in fields] if fields is not None else None, errors=errors
            )
            yield decided.rename(columns=hidden)

    screened = df.mapInPandas(screen, schema=output_schema(df.schema, errors))
    for name, safe in hidden.items():
        screened = screened.withColumnRenamed(safe, name)
    return screened

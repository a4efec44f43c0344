"""`Rulebook.decide_frame`: the rows of a pandas or polars DataFrame or a pyarrow Table as cases,
and their decisions as five new columns."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ._errors import CaseError

if TYPE_CHECKING:
    from . import Rulebook

COLUMNS = ("verdict", "basis", "decided_by", "citation", "obligations")


def _kind(frame: Any) -> str:
    module = type(frame).__module__.split(".")[0]
    if module in ("pandas", "polars", "pyarrow"):
        return module
    raise TypeError(
        f"decide_frame takes a pandas or polars DataFrame or a pyarrow Table, not {type(frame).__name__}"
    )


def records(frame: Any, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """The rows of a frame as Python dicts of plain values (through Arrow for pandas, whose
    missing values and numpy scalars Arrow turns into `None` and Python values)."""
    kind = _kind(frame)
    if columns is not None:
        frame = frame.select(columns) if kind != "pandas" else frame[columns]
    if kind == "polars":
        return frame.to_dicts()
    if kind == "pyarrow":
        return frame.to_pylist()
    import pyarrow

    return pyarrow.Table.from_pandas(frame, preserve_index=False).to_pylist()


def _clean(value: Any) -> Any:
    """A value without its missing parts: `None` and NaN in records are fields left out."""
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items() if not _missing(item)}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def case_of(row: dict[str, Any]) -> dict[str, Any]:
    """A row as a case: dotted column names (`item.annex_i`) become nested fields."""
    case: dict[str, Any] = {}
    for name, value in row.items():
        if _missing(value):
            continue
        value = _clean(value)
        if "." not in name:
            if isinstance(value, dict) and isinstance(case.get(name), dict):
                case[name].update(value)
            else:
                case[name] = value
            continue
        *parents, leaf = name.split(".")
        place = case
        for parent in parents:
            place = place.setdefault(parent, {})
        place[leaf] = value
    return case


def decide_frame(
    rulebook: "Rulebook",
    frame: Any,
    *,
    columns: Iterable[str] | None = None,
    errors: str = "raise",
    jobs: int | None = None,
) -> Any:
    kind = _kind(frame)
    rows = records(frame, list(columns) if columns is not None else None)
    cases = [json.dumps(case_of(row), separators=(",", ":"), default=_default) for row in rows]
    verdict, basis, decided_by, citation, obligations, problems = rulebook._native.decide_columns(cases, jobs)
    columns: dict[str, list[Any]] = {
        "verdict": verdict,
        "basis": basis,
        "decided_by": decided_by,
        "citation": citation,
        "obligations": obligations,
    }
    messages: list[str | None] = []
    for index, problem in enumerate(problems):
        if problem is None:
            messages.append(None)
            continue
        error = _case_error(index, problem)
        if errors == "raise":
            raise error
        messages.append(str(error))
    if errors == "column":
        columns["error"] = messages
    if kind == "pandas":
        import pandas

        # Object columns keep `None` as `None` (a text column would make it NaN).
        return frame.assign(
            **{name: pandas.Series(values, index=frame.index, dtype=object) for name, values in columns.items()}
        )
    if kind == "polars":
        import polars

        return frame.with_columns(
            [
                polars.Series(name, values, dtype=polars.List(polars.String) if name == "obligations" else polars.String)
                for name, values in columns.items()
            ]
        )
    import pyarrow

    table = frame
    for name, values in columns.items():
        kind_type = pyarrow.list_(pyarrow.string()) if name == "obligations" else pyarrow.string()
        if name in table.column_names:
            table = table.drop_columns([name])
        table = table.append_column(name, pyarrow.array(values, type=kind_type))
    return table


def _case_error(index: int, line: str) -> CaseError:
    from . import _line_result

    error = _line_result(index, line, "return")
    assert isinstance(error, CaseError)
    return error


def _default(value: Any) -> Any:
    from . import _json_default

    return _json_default(value)

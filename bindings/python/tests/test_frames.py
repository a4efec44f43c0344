"""`decide_frame` on pandas, polars and pyarrow: columns as fields, nested by structs or dots."""

from __future__ import annotations

import pytest

import licit
from conftest import CATCH_ALL

pandas = pytest.importorskip("pandas")
polars = pytest.importorskip("polars")
pyarrow = pytest.importorskip("pyarrow")

ROWS = [
    dict(CATCH_ALL, general_authorisations=[]),
    {"date": "2022-05-10", "activity": "export", "exporter_state": "NL", "destination": "JP",
     "item": {"annex_i": "5A002.a.1", "cyber_surveillance": False},
     "informed": [], "general_authorisations": ["EU001"]},
    {"date": "2022-05-10", "activity": "export", "exporter_state": "DE", "destination": "US",
     "item": {"annex_i": None, "cyber_surveillance": False},
     "informed": [], "general_authorisations": []},
]
NEW = ["verdict", "basis", "decided_by", "citation", "obligations"]


def dotted(row):
    flat = {k: v for k, v in row.items() if k != "item"}
    flat.update({f"item.{k}": v for k, v in row["item"].items()})
    return flat


def expected(eu):
    return [eu.decide(row) for row in ROWS]


def check_columns(eu, verdict, basis, decided_by, citation, obligations):
    decisions = expected(eu)
    assert list(verdict) == [d.verdict for d in decisions]
    assert list(verdict) == ["licence_required", "authorised", "no_licence_required"]
    assert list(basis) == [None, "EU001", None]
    assert list(decided_by) == [d.decided_by for d in decisions]
    assert list(citation) == [d.citation for d in decisions]
    assert [list(o) for o in obligations] == [[o["kind"] for o in d.obligations] for d in decisions]


def test_pandas_with_dotted_columns(eu):
    frame = pandas.DataFrame([dotted(row) for row in ROWS])
    out = eu.decide_frame(frame)
    assert isinstance(out, pandas.DataFrame)
    assert list(out.columns) == list(frame.columns) + NEW
    assert "verdict" not in frame.columns  # the input is left as it was
    check_columns(eu, *(out[name] for name in NEW))


def test_pandas_with_nested_dicts_and_missing_values(eu):
    frame = pandas.DataFrame(ROWS)
    # `item.annex_i` is None (JSON null) and `leaves_from` is a missing value: left out.
    frame["leaves_from"] = [None, float("nan"), None]
    out = eu.decide_frame(frame)
    check_columns(eu, *(out[name] for name in NEW))


def test_polars_with_structs(eu):
    frame = polars.DataFrame(ROWS)
    assert isinstance(frame.schema["item"], polars.Struct)
    out = eu.decide_frame(frame)
    assert isinstance(out, polars.DataFrame)
    assert out.columns == frame.columns + NEW
    check_columns(eu, *(out[name].to_list() for name in NEW))


def test_polars_with_dotted_columns(eu):
    out = eu.decide_frame(polars.DataFrame([dotted(row) for row in ROWS]))
    check_columns(eu, *(out[name].to_list() for name in NEW))


def test_pyarrow_table(eu):
    table = pyarrow.Table.from_pylist(ROWS)
    out = eu.decide_frame(table)
    assert isinstance(out, pyarrow.Table)
    check_columns(eu, *(out[name].to_pylist() for name in NEW))


def test_a_bad_row_raises_or_fills_an_error_column(eu):
    rows = [dotted(row) for row in ROWS]
    rows[1]["destination"] = "XX"
    frame = pandas.DataFrame(rows)
    with pytest.raises(licit.CaseError) as caught:
        eu.decide_frame(frame)
    assert caught.value.index == 1
    out = eu.decide_frame(frame, errors="column")
    assert out["verdict"][1] is None
    assert out["error"][0] is None and "XX" in out["error"][1]
    assert out["verdict"][0] == "licence_required"


def test_not_a_frame(eu):
    with pytest.raises(TypeError):
        eu.decide_frame([CATCH_ALL])

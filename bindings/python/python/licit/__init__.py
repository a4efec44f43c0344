"""licit from Python: load a rulebook once, then decide export-control cases one at a time, by
the hundred thousand on every core, or as the rows of a pandas/polars DataFrame or Arrow table.

    >>> import licit
    >>> rulebook = licit.Rulebook.load("policies/eu/dual-use")
    >>> decision = rulebook.decide({"date": "2022-03-01", "activity": "export",
    ...     "exporter_state": "NL", "destination": "CN",
    ...     "item": {"annex_i": None, "cyber_surveillance": True},
    ...     "informed": ["internal_repression"]})
    >>> decision.verdict, decision.decided_by
    ('licence_required', 'cyber_catch_all')

A case is a `dict` (or its JSON text) of the fields the rulebook's `input` declares. Every
method that decides releases the GIL. A policy that does not load raises `PolicyError`, a case
that does not fit raises `CaseError`; both carry the diagnostics as data.
"""

from __future__ import annotations

import datetime as _datetime
import decimal as _decimal
import json as _json
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from . import _licit
from ._errors import CaseError, Diagnostic, Label, LicitError, PolicyError

__all__ = [
    "CaseError",
    "Decision",
    "Diagnostic",
    "Label",
    "LicitError",
    "PolicyError",
    "Rulebook",
    "Analysis",
    "DiffReport",
    "TestReport",
    "case_json",
    "cases_of",
]

__version__: str = _licit.__versions__["licit"]

Case = Mapping[str, Any] | str | bytes


def _json_default(value: Any) -> Any:
    """JSON for the Python values a case may hold beyond JSON's own: dates, decimals, sets, and
    numpy's scalars and arrays (as pandas gives them)."""
    if isinstance(value, _datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, _datetime.date):
        return value.isoformat()
    if isinstance(value, _decimal.Decimal):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()[:10]
    raise TypeError(f"a case cannot hold {type(value).__name__} values: {value!r}")


def _case_error(code: str, message: str, help: str) -> CaseError:
    """A `CaseError` made on this side, for a case that cannot even become JSON text."""
    diagnostic = {
        "code": code,
        "message": message,
        "severity": "error",
        "file": "",
        "line": 1,
        "column": 1,
        "end_line": 1,
        "end_column": 1,
        "help": help,
    }
    return CaseError(f"{code}\n\n  × {message}\n  help: {help}", [diagnostic])


def case_json(case: Case) -> str:
    """The JSON text of a case: a `str` as it is, a `dict` serialised (dates as `YYYY-MM-DD`,
    decimals and sets as JSON allows). A case that cannot be JSON text (NaN, bytes or a `str`
    that are not UTF-8, nesting deeper than Python recurses) raises `CaseError` with a code,
    as a case the library rejects does."""
    if isinstance(case, str):
        try:
            case.encode("utf-8")
        except UnicodeEncodeError as error:
            raise _case_error(
                "licit::io::not_utf8",
                f"the case holds {case[error.start:error.end]!r}, a lone surrogate that UTF-8 cannot hold",
                "give the case as text without lone surrogates",
            ) from None
        return case
    if isinstance(case, (bytes, bytearray)):
        try:
            return bytes(case).decode("utf-8")
        except UnicodeDecodeError as error:
            raise _case_error(
                "licit::io::not_utf8",
                f"the case is not valid UTF-8: byte {error.start} is `{bytes(case)[error.start]:#04x}`",
                "give the case as UTF-8",
            ) from None
    if isinstance(case, Mapping):
        try:
            return _json.dumps(case, default=_json_default, separators=(",", ":"), allow_nan=False)
        except ValueError as error:
            raise _case_error(
                "licit::case::json_syntax",
                f"the case cannot be written as JSON: {str(error)[:1].lower()}{str(error)[1:]}",
                "JSON has no NaN or infinity: give a number, or leave the field out",
            ) from None
        except RecursionError:
            raise _case_error(
                "licit::case::json_too_deep",
                "the case is nested too deeply to be written as JSON",
                "a case's fields nest a few levels deep; flatten it",
            ) from None
    raise TypeError(f"a case is a dict or a JSON str, not {type(case).__name__}")


def _param_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _datetime.date):
        return value.isoformat()
    return str(value)


def _params(params: Mapping[str, Any] | None) -> list[tuple[str, str]] | None:
    if params is None:
        return None
    return [(name, _param_text(value)) for name, value in params.items()]


class Decision:
    """What a rulebook decided for a case: the verdict with its arguments, the rule that decided
    it and its citation (both `None` when the `otherwise` verdict holds), the obligations, and
    the receipt where the library gives one. `to_dict()` is the decision JSON of
    docs/decision-json.md without its explanation."""

    __slots__ = ("_json", "_text")

    def __init__(self, decision: Mapping[str, Any] | str):
        # A decision from `decide_many` keeps its JSON line and reads it when first asked.
        if isinstance(decision, str):
            self._json: dict[str, Any] | None = None
            self._text: str | None = decision
        else:
            self._json = dict(decision)
            self._text = None

    @property
    def _data(self) -> dict[str, Any]:
        if self._json is None:
            parsed = _json.loads(self._text or "{}")
            parsed.pop("line", None)
            self._json, self._text = parsed, None
        return self._json

    @property
    def verdict(self) -> str:
        """The verdict kind, such as `licence_required`."""
        return self._data["verdict"]["kind"]

    @property
    def args(self) -> dict[str, Any]:
        """The verdict's arguments by name (`{"basis": "EU001"}`), `{}` when it has none."""
        return self._data["verdict"]["args"]

    @property
    def basis(self) -> Any:
        """The verdict's `basis` argument (`authorised(basis: …)`), or `None`."""
        return self._data["verdict"]["args"].get("basis")

    @property
    def decided_by(self) -> str | None:
        """The name of the rule whose conclusion is the verdict, `None` for the `otherwise`."""
        rule = self._data.get("decided_by")
        return rule["rule"] if rule else None

    @property
    def citation(self) -> str | None:
        """The citation of the rule that decided, such as `Art. 5(1) Regulation (EU) 2021/821`."""
        rule = self._data.get("decided_by")
        return rule["citation"] if rule else None

    @property
    def obligations(self) -> list[dict[str, Any]]:
        """Every obligation of every applied rule: `kind`, `args`, `rule`, `citation`."""
        return self._data["obligations"]

    @property
    def date(self) -> str:
        """The date the case was decided as of, `YYYY-MM-DD`."""
        return self._data["date"]

    @property
    def policy_in_force(self) -> bool:
        """False when the policy itself is not in force on the date."""
        return self._data["policy_in_force"]

    @property
    def receipt(self) -> Any:
        """The decision's receipt, when the library gives one; otherwise `None`."""
        return self._data.get("receipt")

    def to_dict(self) -> dict[str, Any]:
        """The decision as the JSON object of docs/decision-json.md, without the explanation."""
        return _json.loads(_json.dumps(self._data))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Decision) and self._data == other._data

    def __hash__(self) -> int:
        return hash(_json.dumps(self._data, sort_keys=True))

    def __repr__(self) -> str:
        verdict = self.verdict
        if self.args:
            verdict += "(" + ", ".join(f"{k}: {v!r}" for k, v in self.args.items()) + ")"
        by = f"{self.decided_by} ({self.citation})" if self.decided_by else "otherwise"
        return f"<Decision {verdict} by {by}>"


def _decision_of(explained: Mapping[str, Any]) -> Decision:
    """The decision part of a decision JSON object (explained or a batch line)."""
    kept = {key: value for key, value in explained.items() if key not in ("line", "policy", "explanation")}
    return Decision(kept)


class TestReport:
    """The outcome of a rulebook's own `test` blocks: `passed` and `failed` counts, `ok`, the
    `tests` (each a dict of `licit test --format json`), and the whole object as `json`."""

    def __init__(self, report: Mapping[str, Any]):
        self.passed: int = report["passed"]
        self.failed: int = report["failed"]
        self.json: dict[str, Any] = report["json"]
        self.tests: list[dict[str, Any]] = list(_find_tests(self.json))

    @property
    def ok(self) -> bool:
        """Whether every test passed."""
        return self.failed == 0

    def __repr__(self) -> str:
        return f"<TestReport {self.passed} passed, {self.failed} failed>"


def _find_tests(report: Any) -> list[dict[str, Any]]:
    """The test entries of a `licit test --format json` object."""
    if isinstance(report, list):
        return [item for entry in report for item in _find_tests(entry)]
    if isinstance(report, Mapping):
        if isinstance(report.get("tests"), list):
            return [dict(item) for item in report["tests"]]
        return [item for value in report.values() if isinstance(value, (list, dict)) for item in _find_tests(value)]
    return []


class Analysis:
    """What `check()` found (`licit check --analyze`): `findings` (warnings such as rules that
    can never apply or conflict, and broken assertions as errors, each a `Diagnostic`),
    `proven` (the assertions proven), `approximations`, and `text` as the command line prints
    the findings."""

    def __init__(self, report: Mapping[str, Any]):
        self.findings = [Diagnostic.from_json(item) for item in report["findings"]]
        self.proven: list[str] = report["proven"]
        self.approximations: list[str] = report["approximations"]
        self.text: str = report["text"].rstrip()

    @property
    def ok(self) -> bool:
        """No finding at all."""
        return not self.findings

    def __repr__(self) -> str:
        return f"<Analysis {len(self.findings)} findings, {len(self.proven)} assertions proven>"


class DiffReport:
    """What changes from one rulebook to another (`licit diff --format json`): `json` is that
    object; `changed` says whether any case is decided differently; `changes` lists its
    `changed` entries (`case` is `case N` for the N-th given case, from 0, or a difference the
    search found, with a `witness`); `skipped` the given cases that could not be compared (a
    `CaseError`, or `None`), `notes` what the search says of itself."""

    def __init__(self, report: Mapping[str, Any]):
        self.json: dict[str, Any] = report["report"]
        self.changed: bool = report["changed"]
        self.changes: list[dict[str, Any]] = list(self.json.get("changed", []))
        self.notes: list[str] = report["notes"]
        self.skipped = CaseError(report["skipped_text"], report["skipped"]) if report["skipped"] else None

    def case_index(self, change: Mapping[str, Any]) -> int | None:
        """The position of a given case in `cases` for one of `changes`, `None` for a
        difference the search found."""
        label = change.get("case", "")
        if label.startswith("case ") and label[5:].isdigit():
            return int(label[5:])
        return None

    def __repr__(self) -> str:
        return f"<DiffReport {len(self.changes)} changes of {self.json.get('cases')} cases>"


class Rulebook:
    """A checked rulebook, ready to decide cases; safe to share between threads."""

    __slots__ = ("_native",)

    def __init__(self, native: _licit.Rulebook):
        self._native = native

    @classmethod
    def load(cls, path: str | Any, params: Mapping[str, Any] | None = None) -> "Rulebook":
        """Loads the policy at a path (a `.licit` file or a policy's folder, with the files it
        `use`s and the policies it amends) and sets parameters by name
        (`{"china_counts_as_arms_embargo": True}`). Raises `PolicyError`."""
        return cls(_licit.Rulebook.load(str(path), _params(params)))

    @classmethod
    def from_sources(
        cls,
        sources: Mapping[str, str],
        entry: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> "Rulebook":
        """Loads a policy from texts by file name (`{"policy.licit": text, "art2.licit": …}`),
        without the disk. `entry` is the file or folder to start from: by default the only
        file, or `policy.licit`, or the folder holding every file. Raises `PolicyError`."""
        names = list(sources)
        if entry is None:
            if len(names) == 1:
                entry = names[0]
            elif "policy.licit" in sources:
                entry = "policy.licit"
            else:
                entry = "."
        return cls(_licit.Rulebook.from_sources(list(sources.items()), entry, _params(params)))

    def explain(self, case: Case) -> dict[str, Any]:
        """The decision JSON of docs/decision-json.md, with the explanation of every rule.
        Raises `CaseError`."""
        return _json.loads(self._native.explain(case_json(case)))

    def decide(self, case: Case) -> Decision:
        """Decides a case as of its `date`. Raises `CaseError`."""
        return _decision_of(self.explain(case))

    def decide_many(
        self,
        cases: Iterable[Case],
        *,
        errors: Literal["raise", "return"] = "raise",
        jobs: int | None = None,
    ) -> list[Decision | CaseError]:
        """Decides many cases on every core (or `jobs` threads) with the GIL released, and
        returns their decisions in order. A case that does not fit raises its `CaseError`
        (with `index`), or with `errors="return"` takes its place in the list."""
        texts = []
        for index, case in enumerate(cases):
            try:
                texts.append(case_json(case))
            except CaseError as error:
                error.index = index
                raise
        lines = self._native.decide_lines(texts, jobs)
        return [_line_result(index, line, errors) for index, line in enumerate(lines)]

    def decide_frame(
        self,
        frame: Any,
        *,
        columns: Iterable[str] | None = None,
        errors: Literal["raise", "column"] = "raise",
        jobs: int | None = None,
    ) -> Any:
        """Decides each row of a pandas or polars DataFrame or a pyarrow Table, whose columns
        are the case's fields (nested fields as structs or dotted names such as
        `item.annex_i`; a missing value is a field left out; `columns` names the columns that
        are fields when the frame has others, such as an order number), and returns it with the
        columns `verdict`, `basis`, `decided_by`, `citation` and `obligations` (the kinds,
        a list of text). A row that does not fit raises its `CaseError`, or with
        `errors="column"` gets `None` verdicts and its message in an `error` column."""
        from . import _frame

        return _frame.decide_frame(self, frame, columns=columns, errors=errors, jobs=jobs)

    def why_not(self, case: Case, verdict: str) -> dict[str, Any]:
        """Why a case does not get `verdict` (a kind, or a kind with arguments such as
        `authorised(basis: "EU001")`) and the smallest changes that would give it: the JSON of
        `licit eval --why-not VERDICT --format json`. Raises `CaseError`."""
        return _json.loads(self._native.why_not(case_json(case), verdict))

    def what_if(self, case: Case, changes: Mapping[str, Any]) -> dict[str, Any]:
        """The decision JSON (with explanation) of the case with some fields changed, by dotted
        path (`{"item.annex_i": "5A002"}`), as `licit eval --what-if`. Raises `CaseError`."""
        text = _json.dumps(dict(changes), default=_json_default)
        return _json.loads(self._native.what_if(case_json(case), text))

    def check(self) -> Analysis:
        """The analysis of the rulebook (`licit check --analyze`): rules that can never apply,
        conflicts, assertions proven or broken. Raises `PolicyError` when it cannot be made."""
        return Analysis(_json.loads(self._native.analyze()))

    def test(self) -> TestReport:
        """Runs the rulebook's own `test` blocks (`licit test`): a `TestReport`."""
        return TestReport(_json.loads(self._native.test()))

    def diff(
        self,
        other: "Rulebook",
        cases: Iterable[Case] | None = None,
        *,
        as_of: str | _datetime.date | None = None,
        search: bool | None = None,
    ) -> DiffReport:
        """What changes from this rulebook to `other` (`licit diff`): with `cases`, each decided
        under both; without, the symbolic search for every kind of case decided differently,
        each with a witness (`search` forces the search on or off). `as_of` decides every case
        as of one date. Raises `PolicyError` when the two cannot be compared."""
        texts = [case_json(case) for case in cases] if cases is not None else []
        if search is None:
            search = cases is None
        date = as_of.isoformat() if isinstance(as_of, _datetime.date) else as_of
        return DiffReport(_json.loads(self._native.diff(other._native, texts, date, search)))


def cases_of(frame: Any, columns: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The rows of a pandas or polars DataFrame or a pyarrow Table as cases (dicts), as
    `decide_frame` reads them: for `diff(other, cases=…)` or `decide_many`."""
    from . import _frame

    rows = _frame.records(frame, list(columns) if columns is not None else None)
    return [_frame.case_of(row) for row in rows]


def _line_result(index: int, line: str, errors: str) -> Decision | CaseError:
    # A batch line starts `{"line":N,"date":…`; a case that could not be decided has its
    # `"errors"` at the start.
    if '"errors"' not in line[:32]:
        return Decision(line)
    obj = _json.loads(line)
    if "errors" in obj:
        error = CaseError(obj.get("text") or _render_errors(obj["errors"]), obj["errors"])
        error.index = index
        if errors == "raise":
            raise error
        return error
    return _decision_of(obj)


def _render_errors(diagnostics: list[Mapping[str, Any]]) -> str:
    return "\n".join(f"error[{d.get('code')}]: {d.get('message')}" for d in diagnostics)

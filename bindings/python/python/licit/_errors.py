"""The errors of licit: a policy or a case that does not fit, with its diagnostics as data."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Label:
    """A labelled place of a diagnostic: lines and columns from 1."""

    message: str | None
    line: int
    column: int
    end_line: int
    end_column: int
    file: str | None = None


@dataclass(frozen=True)
class Diagnostic:
    """One problem, as `licit check --format json` reports it (docs/decision-json.md).

    `file` is empty and `line`/`column` are 1 when the problem has no place; `help` says how to
    fix it where that is known.
    """

    code: str
    message: str
    severity: str
    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    help: str | None = None
    labels: tuple[Label, ...] = ()
    data: Any = None

    @staticmethod
    def from_json(obj: dict[str, Any]) -> "Diagnostic":
        """A diagnostic from its JSON object."""
        labels = tuple(
            Label(
                message=label.get("message"),
                line=label["line"],
                column=label["column"],
                end_line=label["end_line"],
                end_column=label["end_column"],
                file=label.get("file"),
            )
            for label in obj.get("labels", [])
        )
        return Diagnostic(
            code=obj["code"],
            message=obj["message"],
            severity=obj["severity"],
            file=obj["file"],
            line=obj["line"],
            column=obj["column"],
            end_line=obj["end_line"],
            end_column=obj["end_column"],
            help=obj.get("help"),
            labels=labels,
            data=obj.get("data"),
        )


class LicitError(Exception):
    """Something given to licit could not be used. `str(error)` is the text the command line
    prints; `diagnostics` is every problem as a `Diagnostic`."""

    text: str
    diagnostics: list[Diagnostic]

    def __init__(self, text: str, diagnostics: str | list[Diagnostic] | list[dict[str, Any]] = "[]"):
        if isinstance(diagnostics, str):
            diagnostics = json.loads(diagnostics)
        self.text = text.rstrip()
        self.diagnostics = [
            item if isinstance(item, Diagnostic) else Diagnostic.from_json(item)
            for item in diagnostics
        ]
        super().__init__(self.text)

    def __str__(self) -> str:
        return self.text

    @property
    def codes(self) -> list[str]:
        """The codes of the diagnostics, in order."""
        return [diagnostic.code for diagnostic in self.diagnostics]


class PolicyError(LicitError):
    """A policy that does not load: syntax, names, types, a parameter that does not exist."""


class CaseError(LicitError):
    """A case that does not fit the rulebook's input, has no date or breaks an assumption.

    From `decide_many` and `decide_frame`, `index` is the case's position (from 0)."""

    index: int | None = None

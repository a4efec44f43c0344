"""The README's Python example runs as printed and prints what it says; the screening example
runs end to end."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT


def test_the_readme_example_works_as_printed(monkeypatch):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    expected = [line[2:] for line in code.splitlines() if line.startswith("# ")]
    monkeypatch.chdir(ROOT)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {})
    assert printed.getvalue().splitlines() == expected


def test_the_screening_example(tmp_path):
    pytest.importorskip("matplotlib")
    run = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "python" / "screening.py"),
         str(ROOT / "examples" / "python" / "orders.csv"), str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, check=False, env=dict(os.environ, MPLBACKEND="Agg"),
    )
    assert run.returncode == 0, run.stderr[-3000:]
    import pandas

    counts = pandas.read_csv(tmp_path / "verdicts-by-destination.csv", index_col=0)
    assert counts.to_numpy().sum() == 2000
    assert {"licence_required", "no_licence_required", "prohibited"} <= set(counts.columns)
    assert (tmp_path / "verdicts-by-destination.png").stat().st_size > 10_000
    diff = pandas.read_csv(tmp_path / "proposal-2016-diff.csv")
    assert list(diff.columns) == ["order", "destination", "verdict_now", "rule_now", "verdict_proposal", "rule_proposal"]
    assert "would be decided differently under the 2016 proposal" in run.stdout

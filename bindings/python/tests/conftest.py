"""Shared fixtures: the repository's root, the EU rulebook, a case, and the `licit` command."""

from __future__ import annotations

import pathlib
import subprocess

import pytest

import licit

ROOT = pathlib.Path(__file__).resolve().parents[3]
EU = ROOT / "policies" / "eu" / "dual-use"

CATCH_ALL = {
    "date": "2022-03-01",
    "activity": "export",
    "exporter_state": "NL",
    "destination": "CN",
    "item": {"annex_i": None, "cyber_surveillance": True},
    "informed": ["internal_repression"],
}


@pytest.fixture(scope="session")
def eu() -> licit.Rulebook:
    return licit.Rulebook.load(EU)


def cargo(*args: str, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    """`cargo run --quiet` at the root: the `licit` command or an example, as CI builds them."""
    return subprocess.run(
        ["cargo", "run", "--quiet", *args],
        cwd=ROOT,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )

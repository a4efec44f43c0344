"""why_not, what_if, check, test and diff: the library's answers, equal to the command line's."""

from __future__ import annotations

import json

import pytest

import licit
from conftest import CATCH_ALL, EU, ROOT, cargo

CATCH_ALL_FILE = ROOT / "examples" / "example-catch-all.json"
CYBER = ROOT / "policies" / "examples" / "cyber-catch-all"
AMENDED = ROOT / "tests" / "commands" / "diff" / "amendment"
PROPOSAL = ROOT / "policies" / "eu" / "proposal-2016"
HUMAN_RIGHTS = ROOT / "examples" / "proposal-2016-human-rights.json"


def cli_json(*args: str) -> dict:
    run = cargo(*args, "--format", "json")
    assert run.stdout, run.stderr
    return json.loads(run.stdout)


def test_why_not_is_the_cli_answer(eu):
    answer = eu.why_not(CATCH_ALL, "no_licence_required")
    assert answer  # a real answer: what would change the verdict
    path = ROOT / "target" / "py-why-not-case.json"
    path.write_text(json.dumps(CATCH_ALL))
    assert answer == cli_json("eval", str(EU), "--case", str(path), "--why-not", "no_licence_required")


def test_why_not_a_bad_case_is_a_case_error(eu):
    with pytest.raises(licit.CaseError):
        eu.why_not({"date": "2022-03-01"}, "no_licence_required")


def test_what_if_is_the_cli_answer(eu):
    changed = eu.what_if(CATCH_ALL, {"destination": "JP", "item.cyber_surveillance": False})
    assert changed["verdict"]["kind"] == "no_licence_required"
    path = ROOT / "target" / "py-what-if-case.json"
    path.write_text(json.dumps(CATCH_ALL))
    cli = cli_json("eval", str(EU), "--case", str(path), "--what-if", "destination=JP",
                   "--what-if", "item.cyber_surveillance=false")
    assert changed == cli


def test_what_if_an_unknown_field_is_a_case_error(eu):
    with pytest.raises(licit.CaseError) as caught:
        eu.what_if(CATCH_ALL, {"no_such_field": 1})
    assert caught.value.diagnostics


def test_check_on_a_clean_rulebook_and_on_one_with_findings():
    clean = licit.Rulebook.load(CYBER).check()
    assert clean.ok and clean.findings == []
    dead = licit.Rulebook.from_sources({"dead.licit": """policy "Dead"

input Case {
  date: date
  listed: bool
}

verdicts licence_required > no_licence_required
otherwise no_licence_required

rule never "Art. 1"
  when case.listed and not case.listed
  then licence_required
"""})
    analysis = dead.check()
    assert not analysis.ok
    [finding] = analysis.findings
    assert finding.code == "licit::analyze::never_applies"
    assert finding.file == "dead.licit" and finding.line == 11
    assert "never" in analysis.text


def test_test_runs_the_rulebooks_tests():
    report = licit.Rulebook.load(EU).test()
    assert report.ok and report.passed > 10 and report.failed == 0
    failing = licit.Rulebook.load(ROOT / "tests" / "commands" / "failing").test()
    assert not failing.ok and failing.failed >= 1
    assert failing.passed + failing.failed == len(failing.tests) or failing.tests == []


def test_diff_on_given_cases_is_the_cli_answer():
    current, proposal = licit.Rulebook.load(EU), licit.Rulebook.load(PROPOSAL)
    case = json.loads(HUMAN_RIGHTS.read_text())
    report = current.diff(proposal, cases=[CATCH_ALL, case])
    assert report.changed and report.skipped is None
    assert [report.case_index(c) for c in report.changes] == [1]
    cli = cli_json("diff", str(EU), str(PROPOSAL), "--cases", str(HUMAN_RIGHTS))
    [theirs], [ours] = cli["changed"], report.changes
    for key in ("old_verdict", "new_verdict", "old_obligations", "new_obligations", "rules_responsible"):
        assert ours[key] == theirs[key]


def test_diff_skips_a_case_that_does_not_fit():
    current, proposal = licit.Rulebook.load(EU), licit.Rulebook.load(PROPOSAL)
    report = current.diff(proposal, cases=[{"date": "2022-01-01"}])
    assert isinstance(report.skipped, licit.CaseError)
    assert not report.changed


def test_diff_searches_without_cases():
    old, new = licit.Rulebook.load(CYBER), licit.Rulebook.load(AMENDED)
    report = old.diff(new)
    cli = cli_json("diff", str(CYBER), str(AMENDED))
    assert report.changed
    assert [c["case"] for c in report.changes] == [c["case"] for c in cli["changed"]]
    assert all(report.case_index(c) is None and "witness" in c for c in report.changes)
    assert report.notes
    assert not old.diff(old).changed

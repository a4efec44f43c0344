"""Loading, deciding, explaining and the errors, one function at a time."""

from __future__ import annotations

import json

import pytest

import licit
from conftest import CATCH_ALL, EU, ROOT, cargo

PARAM_POLICY = ROOT / "tests" / "commands" / "param-policy"


def test_decide_gives_verdict_rule_citation_and_obligations(eu):
    decision = eu.decide(CATCH_ALL)
    assert decision.verdict == "licence_required"
    assert decision.args == {}
    assert decision.basis is None
    assert decision.decided_by == "cyber_catch_all"
    assert decision.citation == "Art. 5(1) Regulation (EU) 2021/821"
    assert decision.date == "2022-03-01"
    assert decision.policy_in_force is True
    assert [o["kind"] for o in decision.obligations] == ["keep_records"]
    assert "cyber_catch_all" in repr(decision)


def test_to_dict_is_the_decision_json_without_explanation(eu):
    decision = eu.decide(CATCH_ALL)
    explained = eu.explain(CATCH_ALL)
    as_dict = decision.to_dict()
    assert "explanation" not in as_dict and "policy" not in as_dict
    for key in ("date", "policy_in_force", "verdict", "decided_by", "obligations"):
        assert as_dict[key] == explained[key]
    # The receipt is taken from the decision JSON when the library gives one.
    assert decision.receipt == explained.get("receipt")


def test_a_json_text_decides_as_its_dict_does(eu):
    # The same decision; only the receipt's case hash differs, since the texts differ.
    pretty, compact = eu.decide(json.dumps(CATCH_ALL, indent=2)), eu.decide(CATCH_ALL)
    assert pretty.receipt["case_sha256"] != compact.receipt["case_sha256"]
    assert _without_receipt(pretty) == _without_receipt(compact)
    encoded = eu.decide(json.dumps(CATCH_ALL).encode())
    assert _without_receipt(encoded) == _without_receipt(compact)


def _without_receipt(decision):
    data = decision.to_dict()
    data.pop("receipt", None)
    return data


def test_authorised_has_a_basis(eu):
    case = json.loads((ROOT / "examples" / "eu001-japan.json").read_text())
    decision = eu.decide(case)
    assert decision.verdict == "authorised"
    assert decision.basis == "EU001"
    assert decision.args == {"basis": "EU001"}


def test_python_dates_and_sets_become_json(eu):
    import datetime

    case = dict(CATCH_ALL, date=datetime.date(2022, 3, 1), informed={"internal_repression"})
    assert eu.decide(case) == eu.decide(CATCH_ALL)


def test_explain_is_the_cli_json(eu):
    explained = eu.explain(CATCH_ALL)
    assert explained["verdict"]["kind"] == "licence_required"
    statuses = {entry["rule"]: entry["status"] for entry in explained["explanation"]}
    assert statuses["cyber_catch_all"] == "applied"
    case_file = ROOT / "examples" / "eu001-japan.json"
    cli = cargo("eval", str(EU), "--case", str(case_file), "--format", "json")
    assert cli.returncode == 0, cli.stderr
    assert eu.explain(case_file.read_text()) == json.loads(cli.stdout)


def test_params_change_the_decision():
    case = (PARAM_POLICY / "china.json").read_text()
    default = licit.Rulebook.load(PARAM_POLICY)
    embargoed = licit.Rulebook.load(PARAM_POLICY, params={"china_embargoed": True})
    assert default.decide(case).verdict != embargoed.decide(case).verdict
    cli = cargo("eval", str(PARAM_POLICY), "--case", str(PARAM_POLICY / "china.json"),
                "--param", "china_embargoed=true", "--format", "json")
    assert embargoed.explain(case) == json.loads(cli.stdout)


def test_an_unknown_param_is_a_policy_error():
    with pytest.raises(licit.PolicyError) as caught:
        licit.Rulebook.load(EU, params={"no_such_param": True})
    assert caught.value.codes == ["licit::param::unknown"]
    assert "china_counts_as_arms_embargo" in caught.value.diagnostics[0].help


SMALL = '''policy "Example"

input Case {
  date: date
  listed: bool
}

verdicts licence_required > no_licence_required
otherwise no_licence_required

rule listed "Art. 3(1)"
  when case.listed
  then licence_required
'''


def test_from_sources_one_file():
    rulebook = licit.Rulebook.from_sources({"example.licit": SMALL})
    decision = rulebook.decide({"date": "2024-01-01", "listed": True})
    assert (decision.verdict, decision.decided_by, decision.citation) == (
        "licence_required", "listed", "Art. 3(1)")
    assert rulebook.decide('{"date": "2024-01-01", "listed": false}').decided_by is None


def test_from_sources_a_whole_policy_folder():
    policies = ROOT / "policies"
    sources = {
        str(path.relative_to(policies)): path.read_text()
        for folder in (EU, policies / "common")
        for path in folder.glob("*.licit")
    }
    # `use "../../common/…"` reaches outside the policy's folder: the project's root says where
    # the project ends, as on the disk.
    sources["licit.toml"] = (ROOT / "licit.toml").read_text()
    rulebook = licit.Rulebook.from_sources(sources, entry="eu/dual-use")
    assert rulebook.decide(CATCH_ALL).verdict == "licence_required"


def test_a_policy_error_carries_diagnostics_and_prints_like_the_cli(tmp_path):
    broken = SMALL.replace("listed: bool", "listed: boool")
    with pytest.raises(licit.PolicyError) as caught:
        licit.Rulebook.from_sources({"broken.licit": broken})
    error = caught.value
    assert isinstance(error, licit.LicitError)
    [diagnostic] = error.diagnostics
    assert diagnostic.code == "licit::check::unknown_type"
    assert (diagnostic.file, diagnostic.line, diagnostic.column) == ("broken.licit", 5, 11)
    assert diagnostic.help == "did you mean `bool`?"
    assert diagnostic.severity == "error"
    # The text is what `licit check` prints for the same file.
    path = tmp_path / "broken.licit"
    path.write_text(broken)
    cli = cargo("check", str(path))
    assert cli.returncode != 0
    assert str(error) in cli.stderr.replace(str(path), "broken.licit")


def test_a_missing_policy_is_a_policy_error(tmp_path):
    with pytest.raises(licit.PolicyError) as caught:
        licit.Rulebook.load(tmp_path / "nothing-here")
    assert caught.value.diagnostics[0].code.startswith("licit::")


def test_a_case_error_carries_diagnostics(eu):
    with pytest.raises(licit.CaseError) as caught:
        eu.decide({"date": "2022-03-01", "activity": "exprt", "exporter_state": "NL", "destination": "CN"})
    error = caught.value
    [diagnostic] = error.diagnostics
    assert diagnostic.code == "licit::case::not_a_member"
    assert diagnostic.file == "case"
    assert diagnostic.line == 1 and diagnostic.column > 1
    assert "`export`" in diagnostic.help
    assert "exprt" in str(error)


def test_a_case_that_is_not_a_case_is_a_type_error(eu):
    with pytest.raises(TypeError):
        eu.decide(42)
    with pytest.raises(TypeError):
        eu.decide({"date": object()})


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ({**CATCH_ALL, "destination": float("nan")}, "licit::case::json_syntax"),
        ({**CATCH_ALL, "destination": float("inf")}, "licit::case::json_syntax"),
        ('{"date": "\ud800"}', "licit::io::not_utf8"),
        (b'{"date": "\xff"}', "licit::io::not_utf8"),
    ],
)
def test_a_case_that_cannot_be_json_text_is_a_case_error_with_a_code(eu, case, code):
    # Before, NaN raised a bare ValueError, a lone surrogate a UnicodeEncodeError and bytes
    # that are not UTF-8 a UnicodeDecodeError, none with a code.
    with pytest.raises(licit.CaseError) as raised:
        eu.decide(case)
    assert raised.value.codes == [code]
    with pytest.raises(licit.CaseError) as raised:
        eu.decide_many([CATCH_ALL, case])
    assert raised.value.index == 1 and raised.value.codes == [code]


def test_a_case_nested_deeper_than_python_recurses_is_a_case_error(eu):
    deep: dict = {}
    inner = deep
    for _ in range(100_000):
        inner["a"] = {}
        inner = inner["a"]
    with pytest.raises(licit.CaseError) as raised:
        eu.decide({**CATCH_ALL, "item": deep})
    assert raised.value.codes == ["licit::case::json_too_deep"]

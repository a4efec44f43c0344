"""`decide_many`: in order, on every core, with the GIL released, equal to `licit eval --batch`."""

from __future__ import annotations

import json
import threading
import time

import pytest

import licit
from conftest import CATCH_ALL, EU, cargo


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """100,000 cases of the EU mix, and what `licit eval --batch` says of them."""
    folder = tmp_path_factory.mktemp("batch")
    cases = folder / "cases.jsonl"
    with cases.open("w") as out:
        made = cargo("--example", "gen-cases", "--", "100000", stdout=out)
    assert made.returncode == 0, made.stderr
    decided = cargo("eval", str(EU), "--batch", str(cases))
    assert decided.returncode == 0, decided.stderr
    return cases.read_text().splitlines(), decided.stdout.splitlines()


def test_decide_many_equals_the_cli_batch_on_100000_cases(eu, generated):
    cases, cli_lines = generated
    assert len(cases) == 100_000
    decisions = eu.decide_many(cases)
    assert len(decisions) == len(cli_lines)
    verdicts = set()
    for number, (decision, line) in enumerate(zip(decisions, cli_lines), start=1):
        expected = json.loads(line)
        assert expected.pop("line") == number
        assert decision.to_dict() == expected
        verdicts.add(decision.verdict)
    assert len(verdicts) >= 4  # the mix reaches every kind of outcome, not one answer


def test_decide_many_takes_dicts_and_any_iterable_in_order(eu):
    other = dict(CATCH_ALL, destination="JP", informed=[])
    cases = (case for case in [CATCH_ALL, other, CATCH_ALL])
    decisions = eu.decide_many(cases, jobs=2)
    assert [d.verdict for d in decisions] == ["licence_required", "no_licence_required", "licence_required"]
    assert decisions[0] == eu.decide(CATCH_ALL)
    assert eu.decide_many([]) == []


def test_decide_many_one_job_and_all_agree(eu):
    cases = [dict(CATCH_ALL, destination=code) for code in ("CN", "JP", "US", "RU", "BY", "IR")] * 20
    assert eu.decide_many(cases, jobs=1) == eu.decide_many(cases)


def test_a_bad_case_raises_with_its_index(eu):
    cases = [CATCH_ALL, {"date": "2022-03-01"}, CATCH_ALL]
    with pytest.raises(licit.CaseError) as caught:
        eu.decide_many(cases)
    assert caught.value.index == 1
    assert "licit::case::missing_field" in caught.value.codes


def test_bad_cases_can_be_returned_in_place(eu):
    pretty = json.dumps(CATCH_ALL, indent=2)
    newline_in_a_string = '{"date": "2022-03-01\n"}'
    cases = [CATCH_ALL, "", pretty, newline_in_a_string, "{not json", CATCH_ALL]
    results = eu.decide_many(cases, errors="return")
    assert [type(r).__name__ for r in results] == [
        "Decision", "CaseError", "Decision", "CaseError", "CaseError", "Decision"]
    # The same decision; the receipts differ only by the case's hash (the texts differ).
    first, third = results[0].to_dict(), results[2].to_dict()
    first.pop("receipt", None)
    third.pop("receipt", None)
    assert third == first
    # An error's diagnostics are those of `decide` on that case alone: places in the case.
    for index in (1, 3, 4):
        with pytest.raises(licit.CaseError) as alone:
            eu.decide(cases[index])
        assert results[index].diagnostics == alone.value.diagnostics
        assert results[index].index == index
    assert results[4].diagnostics[0].code == "licit::case::json_syntax"


def test_the_gil_is_released_while_deciding(eu):
    """One thread decides a batch while the main thread decides cases one by one: the main
    thread's decisions happen inside the batch call, so the two overlap."""
    cases = [json.dumps(dict(CATCH_ALL, destination=code)) for code in ("CN", "JP", "US", "RU")] * 10_000
    window: dict[str, float] = {}

    def batch() -> None:
        window["start"] = time.perf_counter()
        window["decided"] = len(eu.decide_many(cases))
        window["end"] = time.perf_counter()

    worker = threading.Thread(target=batch)
    stamps: list[float] = []
    worker.start()
    while worker.is_alive():
        assert eu.decide(CATCH_ALL).verdict == "licence_required"
        stamps.append(time.perf_counter())
    worker.join()
    assert window["decided"] == len(cases)
    inside = [t for t in stamps if window["start"] < t < window["end"]]
    # Holding the GIL, the batch call would let the main thread run at most a few bytecodes of
    # it (the switch interval is 5 ms): here the main thread decides all along.
    assert len(inside) >= 20, (len(inside), window["end"] - window["start"])

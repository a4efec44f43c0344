"""Cases per second of `decide_many` and `decide_frame` on the EU mix (BENCHMARKS.md, "Python").

    cargo run --release --example gen-cases -- 200000 > /tmp/cases.jsonl
    python bindings/python/bench.py /tmp/cases.jsonl

Each figure is the best of three runs, the input already in memory in the form named."""

from __future__ import annotations

import json
import pathlib
import sys
import time

import licit

ROOT = pathlib.Path(__file__).resolve().parents[2]


def best(label: str, count: int, run) -> None:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    seconds = min(times)
    print(f"{label:<44} {count:>9,} cases {seconds:7.2f} s {count / seconds:>12,.0f} cases/s")


def main() -> None:
    lines = pathlib.Path(sys.argv[1]).read_text().splitlines()
    rulebook = licit.Rulebook.load(ROOT / "policies" / "eu" / "dual-use")
    cases = [json.loads(line) for line in lines]
    n = len(lines)
    native = rulebook._native
    best("the library's batch alone (eval --batch)", n, lambda: native.decide_lines(lines))
    best("decide_many, JSON texts", n, lambda: rulebook.decide_many(lines))
    best("decide_many, dicts", n, lambda: rulebook.decide_many(cases))
    best("decide_many, JSON texts, 1 job", n, lambda: rulebook.decide_many(lines, jobs=1))
    best("decide_many, every verdict read", n, lambda: [d.verdict for d in rulebook.decide_many(lines)])
    small = cases[: min(n, 10_000)]
    best("decide, one at a time (explained)", len(small), lambda: [rulebook.decide(c) for c in small])
    try:
        import pandas
        import polars
    except ImportError:
        return
    frame = pandas.DataFrame(cases)
    best("decide_frame, pandas (nested dicts)", n, lambda: rulebook.decide_frame(frame))
    flat = pandas.json_normalize(cases)
    best("decide_frame, pandas (dotted columns)", n, lambda: rulebook.decide_frame(flat))
    pl = polars.DataFrame(cases, infer_schema_length=None)
    best("decide_frame, polars (structs)", n, lambda: rulebook.decide_frame(pl))


if __name__ == "__main__":
    main()

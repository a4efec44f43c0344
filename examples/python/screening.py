"""Screen a CSV of order lines against the EU dual-use rulebook, chart the verdicts by
destination, and see what the 2016 proposal would have changed for the same orders.

    python examples/python/screening.py [orders.csv] [output-folder]

Run from the repository's root after `pip install ./bindings/python pandas matplotlib`. Writes
`verdicts-by-destination.csv` and `.png` and `proposal-2016-diff.csv` to the output folder
(default `examples/python/output/`).
"""

from __future__ import annotations

import pathlib
import sys

import matplotlib

matplotlib.use("Agg")  # files, not windows
import matplotlib.pyplot as plt  # noqa: E402
import pandas  # noqa: E402

import licit  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from orders import CASE_COLUMNS, as_cases  # noqa: E402

VERDICT_ORDER = ["prohibited", "licence_required", "notify_authority", "authorised", "no_licence_required"]


def main() -> None:
    source = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "orders.csv"
    out = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else HERE / "output"
    out.mkdir(parents=True, exist_ok=True)

    # 1. The rulebook in force, and the order lines as cases.
    current = licit.Rulebook.load(ROOT / "policies" / "eu" / "dual-use")
    orders = as_cases(pandas.read_csv(source, keep_default_na=True))

    # 2. Every order line decided: five new columns.
    screened = current.decide_frame(orders, columns=CASE_COLUMNS)
    print(screened[["order", "destination", "verdict", "decided_by"]].head(8).to_string(index=False))

    # 3. Verdicts by destination, as a table and a chart.
    counts = pandas.crosstab(screened["destination"], screened["verdict"])
    counts = counts[[v for v in VERDICT_ORDER if v in counts.columns]]
    counts.to_csv(out / "verdicts-by-destination.csv")
    print()
    print(counts.to_string())
    axes = counts.plot.bar(stacked=True, figsize=(10, 5), colormap="RdYlGn")
    axes.legend(title="verdict", bbox_to_anchor=(1.01, 1), loc="upper left")
    axes.set_title(f"Verdicts by destination, {len(screened)} order lines")
    axes.set_xlabel("destination")
    axes.set_ylabel("order lines")
    plt.tight_layout()
    plt.savefig(out / "verdicts-by-destination.png", dpi=110)

    # 4. The same orders under the 2016 proposal (which amends the rulebook): the lines whose
    # decision would change.
    proposal = licit.Rulebook.load(ROOT / "policies" / "eu" / "proposal-2016")
    cases = licit.cases_of(orders, CASE_COLUMNS)
    diff = current.diff(proposal, cases=cases)
    changed = diff_rows(diff, orders)
    changed.to_csv(out / "proposal-2016-diff.csv", index=False)
    print()
    print(f"{len(changed)} of {len(orders)} order lines would be decided differently under the 2016 proposal")
    if len(changed):
        print(changed.head(10).to_string(index=False))
    print(f"\nwritten to {out}")


def diff_rows(diff: licit.DiffReport, orders: pandas.DataFrame) -> pandas.DataFrame:
    """One row per order line whose decision changes: the order, its destination, the verdict
    and rule now and under the proposal."""
    rows = []
    for change in diff.changes:
        index = diff.case_index(change)
        if index is None:
            continue
        rows.append(
            {
                "order": orders["order"].iloc[index],
                "destination": orders["destination"].iloc[index],
                "verdict_now": change["old_verdict"],
                "rule_now": (change["old_decision"].get("decided_by") or {}).get("rule"),
                "verdict_proposal": change["new_verdict"],
                "rule_proposal": (change["new_decision"].get("decided_by") or {}).get("rule"),
            }
        )
    return pandas.DataFrame(
        rows, columns=["order", "destination", "verdict_now", "rule_now", "verdict_proposal", "rule_proposal"]
    )


if __name__ == "__main__":
    main()

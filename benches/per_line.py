#!/usr/bin/env python3
"""Instructions per batch line, as BENCHMARKS.md reports them.

    python3 benches/per_line.py BINARY POLICY CASES.jsonl [--explain]

Runs `BINARY eval POLICY --batch CASES.jsonl --jobs 1 [--explain]` twice under valgrind's
callgrind, collecting only inside `licit::api::batch::decide_batch*`: once on the cases and
once on an empty batch (the loading). Prints (cases' count - the empty batch's count), each
less the receipt's SHA-256 (`compress256`, which callgrind counts in software: about 20,700 a
line where the machine has SHA-NI for about 1,000), divided by the number of lines; and the
part of it inside `decide_piece`, which has nothing of the loading in it and so compares two
runs without the empty batch's noise.
"""

import os
import re
import subprocess
import sys
import tempfile


def count(out_file: str) -> tuple[int, int, int]:
    """The run's total, the inclusive count of the hash's compression and that of
    `decide_piece` (the lines' own work, with nothing of the loading in it)."""
    text = subprocess.run(
        ["callgrind_annotate", "--inclusive=yes", out_file],
        capture_output=True, text=True, check=True,
    ).stdout
    total = int(re.search(r"([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", text).group(1).replace(",", ""))
    def inclusive(name: str) -> int:
        for line in text.splitlines():
            if name in line:
                return int(line.split()[0].replace(",", ""))
        return 0

    return total, inclusive("compress256"), inclusive("licit::api::batch::decide_piece")


def run(binary: str, policy: str, cases: str, explain: bool, out_file: str) -> None:
    command = [
        "valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}",
        "--toggle-collect=licit::api::batch::decide_batch*",
        binary, "eval", policy, "--batch", cases, "--jobs", "1",
    ] + (["--explain"] if explain else [])
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)


def main() -> None:
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    binary, policy, cases = sys.argv[1:4]
    explain = "--explain" in sys.argv[4:]
    with open(cases, "rb") as file:
        lines = sum(1 for line in file if line.strip())
    with tempfile.TemporaryDirectory() as folder:
        empty = os.path.join(folder, "empty.jsonl")
        open(empty, "w").close()
        run(binary, policy, empty, explain, os.path.join(folder, "empty.out"))
        run(binary, policy, cases, explain, os.path.join(folder, "full.out"))
        full_total, full_hash, pieces = count(os.path.join(folder, "full.out"))
        empty_total, empty_hash, _ = count(os.path.join(folder, "empty.out"))
    per_line = ((full_total - full_hash) - (empty_total - empty_hash)) / max(lines, 1)
    print(f"{per_line:,.0f} instructions a line over {lines:,} lines")
    # The empty batch's count moves by a few million between runs (hash maps seeded at
    # random): `decide_piece` less the hash has no loading in it, for comparing two runs.
    print(f"{(pieces - full_hash) / max(lines, 1):,.0f} of them in decide_piece, the hash apart")


if __name__ == "__main__":
    main()

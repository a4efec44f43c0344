"""A generated order history for the Python examples: order lines of EU exporters, one per row,
with the case's fields as columns (`item.annex_i`, `item.cyber_surveillance` by dotted name) and
columns that are not case fields (`order`, `customer`, `value_eur`).

    python examples/python/orders.py 2000 > examples/python/orders.csv
"""

from __future__ import annotations

import csv
import datetime
import random
import sys
from collections.abc import Iterator

# The columns that are the case's fields (docs/case-format.md).
CASE_COLUMNS = [
    "date",
    "activity",
    "exporter_state",
    "destination",
    "item.annex_i",
    "item.cyber_surveillance",
    "informed",
]
COLUMNS = ["order", "customer", "value_eur", *CASE_COLUMNS]

EXPORTERS = ["NL", "DE", "FR", "IT", "SE"]
DESTINATIONS = ["CN", "US", "JP", "RU", "IR", "BR", "IN", "AU", "EG", "BY"]
ITEMS = [None, None, None, None, "5A002.a.1", "4A005", "5A004.a", "1C350", "5D001.a", "3A001"]
CONCERNS = ["", "", "", "", "", "", "internal_repression", "wmd", "military_end_use"]


def orders(count: int, seed: int = 18, start: datetime.date = datetime.date(2019, 1, 1),
           days: int = 6 * 365) -> Iterator[dict]:
    """`count` order lines between `start` and `days` later, the same for the same seed. A
    line's `informed` is the concerns the authorities told the exporter of, `;`-separated."""
    rng = random.Random(seed)
    for number in range(1, count + 1):
        date = start + datetime.timedelta(days=rng.randrange(days))
        yield {
            "order": f"PO-{number:06d}",
            "customer": f"C{rng.randrange(400):03d}",
            "value_eur": rng.randrange(500, 250_000),
            "date": date.isoformat(),
            "activity": "export",
            "exporter_state": rng.choice(EXPORTERS),
            "destination": rng.choice(DESTINATIONS),
            "item.annex_i": rng.choice(ITEMS),
            "item.cyber_surveillance": rng.random() < 0.08,
            "informed": rng.choice(CONCERNS),
        }


def as_cases(frame):
    """A pandas frame of order lines (read from the CSV) with `informed` as a list, ready for
    `decide_frame(frame, columns=CASE_COLUMNS)`."""
    frame = frame.copy()
    frame["informed"] = [
        [concern for concern in str(text).split(";") if concern] if isinstance(text, str) else []
        for text in frame["informed"]
    ]
    return frame


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in orders(count):
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})


if __name__ == "__main__":
    main()

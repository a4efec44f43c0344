"""Writes N generated EU dual-use cases, one JSON object a line, for the batch benchmarks.

Usage: python3 benches/gen_cases.py 1000000 > /tmp/cases-1m.jsonl
"""
import json
import random
import sys

random.seed(1)
count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
destinations = ["CN", "JP", "US", "RU", "DE", "BY", "IR", "AU", "EG", "VE"]
activities = ["export", "export", "export", "transit", "brokering", "intra_eu_transfer", "technical_assistance"]
out = sys.stdout
for _ in range(count):
    case = {
        "date": f"202{random.randint(0, 4)}-0{random.randint(1, 9)}-1{random.randint(0, 9)}",
        "activity": random.choice(activities),
        "exporter_state": "NL",
        "destination": random.choice(destinations),
        "item": {
            "annex_i": random.choice([None, None, "5A002.a.1", "4A005", "5A004.a", "1C350"]),
            "cyber_surveillance": random.random() < 0.3,
        },
        "informed": random.choice([[], [], ["internal_repression"], ["wmd"]]),
        "general_authorisations": random.choice([[], ["EU001"]]),
    }
    out.write(json.dumps(case))
    out.write("\n")

"""Writes a policy of N rules, each in force from its own day (all for destination AA and the
concern `repression`), a case, and 100,000 cases of mixed dates, into a folder: the worst case
for epochs, measured in BENCHMARKS.md.

Usage: python3 benches/gen_dated_policy.py 10000 /tmp/many
"""
import datetime
import os
import random
import sys

count = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
folder = sys.argv[2] if len(sys.argv) > 2 else "/tmp/many"
os.makedirs(folder, exist_ok=True)
parts = [
    'policy "many dates"\n  in force from 2000-01-01\n',
    "enum Country { AA, BB, CC }",
    "enum Concern { wmd, repression }",
    "input Case {\n  date: date\n  destination: Country\n  informed: set of Concern = {}\n}",
    "verdicts licence_required > no_licence_required\notherwise no_licence_required\n",
]
first = datetime.date(2000, 1, 1)
for index in range(count):
    day = first + datetime.timedelta(days=index)
    parts.append(
        f'rule r{index} "Art. {index}"\n  in force from {day.isoformat()}\n'
        "  when case.destination == AA\n   and repression in case.informed\n"
        "  then licence_required\n"
    )
with open(os.path.join(folder, "policy.licit"), "w") as out:
    out.write("\n".join(parts))
with open(os.path.join(folder, "case.json"), "w") as out:
    out.write('{"date":"2020-01-01","destination":"AA","informed":["repression"]}\n')
random.seed(2)
with open(os.path.join(folder, "cases.jsonl"), "w") as out:
    for _ in range(100000):
        date = f"{random.randint(1999, 2030)}-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}"
        destination = random.choice(["AA", "BB", "CC"])
        informed = random.choice(["[]", '["repression"]', '["wmd"]'])
        out.write(f'{{"date":"{date}","destination":"{destination}","informed":{informed}}}\n')

"""Writes a policy with a sanctions list of N entities, each listed from its own day, and a rule
prohibiting exports to a listed end user, with a case: the worst case for dated set members,
measured in BENCHMARKS.md.

Usage: python3 benches/gen_sanctions_list.py 5000 /tmp/sanc
"""
import datetime
import os
import sys

count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
folder = sys.argv[2] if len(sys.argv) > 2 else "/tmp/sanc"
os.makedirs(folder, exist_ok=True)
first = datetime.date(2014, 1, 1)
members = ",\n  ".join(
    f'"ENTITY-{i:05d}" from {(first + datetime.timedelta(days=i)).isoformat()}' for i in range(count)
)
text = f'''policy "sanctions list"
  in force from 2014-01-01

enum Country {{ AA, BB }}

input Case {{
  date: date
  destination: Country
  end_user: text
}}

verdicts prohibited > no_licence_required
otherwise no_licence_required

set listed_entities: text = {{
  {members}
}}

rule listed "Art. 2"
  when case.end_user in listed_entities
  then prohibited
'''
with open(os.path.join(folder, "policy.licit"), "w") as out:
    out.write(text)
with open(os.path.join(folder, "case.json"), "w") as out:
    out.write('{"date":"2020-01-01","destination":"AA","end_user":"ENTITY-00005"}\n')

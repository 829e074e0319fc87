#!/usr/bin/env bash
# `make run`: import real list versions into the embedded SQLite store, then screen the example
# parties. Reads the official files from the shared data folder when present (no network
# needed), otherwise downloads them from the official URLs (`clearance lists fetch`).
set -euo pipefail
cd "$(dirname "$0")/.."
clearance=".venv/bin/clearance"
lists="${CLEARANCE_LISTS_DIR:-../shared/data/lists}"

if [ -d "$lists" ]; then
  echo "== importing list versions from $lists"
  # OFAC CSV files carry no date: each snapshot's publication date is given here. The 2018-12
  # and 2021-07 sets are dated by the day they were known to be current (see the data README).
  # A version with over 10% fewer entries than the one before it is refused as likely truncated
  # (import_max_drop). The Consolidated list really did shrink from 639 entries (2018) to 442
  # (2025): that snapshot is imported with --allow-drop, which its audit record keeps.
  while read -r path published flags; do
    # shellcheck disable=SC2086  # flags is empty or one word
    "$clearance" lists import "$lists/$path" --published "$published" $flags
  done <<'SNAPSHOTS'
ofac/sdn_csv/2018-12 2019-01-04
ofac/sdn_csv/2021-07 2021-07-07
ofac/sdn_csv/2022-02-17 2022-02-17
ofac/sdn_csv/2022-06-17 2022-06-17
ofac/sdn_csv/2022-06-28 2022-06-28
ofac/sdn_csv/2023-12-28 2023-12-28
ofac/consolidated/2018-04-06 2018-04-06
ofac/consolidated/2025-12 2025-12-19 --allow-drop
SNAPSHOTS
  # These carry their own publication dates.
  "$clearance" lists import "$lists/un/2026-02-27/consolidated.xml"
  "$clearance" lists import "$lists/uk/2018-04-13/sanctionsconlist.csv"
else
  echo "== $lists not found: downloading the official lists"
  "$clearance" lists fetch
fi

echo
echo "== list versions in the store"
"$clearance" lists versions

echo
echo "== what OFAC changed for the FSB (SDN 21344) on 28 June 2022"
"$clearance" lists diff ofac-sdn 2022-06-17 2022-06-28 --format json \
  | .venv/bin/python -c 'import json,sys; d=json.load(sys.stdin); print(d["counts"]); [print(c["id"], c["name"], [(f["field"], f["before"], f["after"]) for f in c["fields"] if f["field"]=="programs"]) for c in d["changed"] if c["id"]=="21344"]'

if "$clearance" screen --help >/dev/null 2>&1; then
  echo
  echo "== screening examples/parties.csv (as of 2023-12-28, the newest SDN set with aliases)"
  mkdir -p var
  "$clearance" screen --input examples/parties.csv --output var/example-hits.csv --as-of 2023-12-28
  .venv/bin/python - <<'PY'
import csv
rows = list(csv.DictReader(open("var/example-hits.csv", encoding="utf-8")))
queries = {r["id"]: r["name"] for r in csv.DictReader(open("examples/parties.csv", encoding="utf-8"))}
hits = {}
for row in rows:
    hits.setdefault(row["query_id"], []).append(row)
for qid, name in queries.items():
    best = hits.get(qid, [])
    if not best:
        print(f"{name:45} no hit")
        continue
    top = best[0]
    print(f"{name:45} {top['score']:>5} {'MATCH ' if top['match'] == 'true' else 'review'} "
          f"{top['list']} {top['source_id']} {top['entry_name']}")
PY
fi

echo
echo "== deciding examples/fsb-fees.jsonl (the FSB notification fee before and after 28 June 2022)"
"$clearance" decide examples/fsb-fees.jsonl --format json | .venv/bin/python scripts/summarize_decisions.py
echo "(full trace: .venv/bin/clearance decide examples/fsb-fees.jsonl --format text)"

echo
echo "== the HTTP service (yente-compatible /match, and every use case above; docs/api.md)"
echo "   .venv/bin/clearance keys create --name me --role analyst   # prints a key, once"
echo "   .venv/bin/clearance serve --port 8000                      # then http://127.0.0.1:8000/docs"

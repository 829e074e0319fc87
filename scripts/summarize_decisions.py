"""One line per decision from `clearance decide --format json` output (used by `make run`)."""

import json
import sys

for line in sys.stdin:
    if not line.strip():
        continue
    decision = json.loads(line)
    licenses = sorted({a["license"] for a in decision["authorizations"]})
    uncovered = [
        u.get("authority", str(u)) if isinstance(u, dict) else str(u)
        for u in decision["uncovered_authorities"]
    ]
    detail = f"by {', '.join(licenses)}" if licenses else ""
    if uncovered:
        detail += f" uncovered: {', '.join(uncovered)}"
    print(f"{decision['transaction_id']:26} {decision['date']} {decision['decision']:11} {detail}")

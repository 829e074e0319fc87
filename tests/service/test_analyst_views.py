"""The use cases behind the web UI's pages, on SQLite and PostgreSQL with real SDN data: an
entry's timeline, a hit's explanation taken apart, the alert queue and who may review, the
audit trail a page at a time, a decision's caps with what is left."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from clearance.access import Permission
from clearance.audit.review import Outcome
from clearance.model import Party
from clearance.service import Clearance
from clearance.service.decisions import decide
from clearance.service.entries import entry_page
from clearance.service.errors import StoreError
from clearance.service.explain import explain_hit
from clearance.service.lists import import_list_file
from clearance.service.queue import PENDING, alert_queue, review_permission
from clearance.service.review import review_alert, show_alert
from clearance.service.screening import ScreenRequest, screen_party
from clearance.service.trace import cap_lines, purposes
from clearance.service.trail import browse_records, kinds, record_summary

REPO = Path(__file__).resolve().parents[2]
FEE = json.loads((REPO / "examples" / "fsb-fees.jsonl").read_text().splitlines()[1])


@pytest.mark.slow
def test_the_pages_use_cases(app: Clearance, lists_dir: Path) -> None:
    for day in ("2022-06-17", "2022-06-28"):
        import_list_file(
            app, lists_dir / "ofac" / "sdn_csv" / day, published=date.fromisoformat(day)
        )

    # The entry as in force on a date, and its timeline with what changed on 2022-06-28.
    page = entry_page(app, "ofac-sdn", "21344", date(2022, 6, 20))
    assert page.in_force is not None and page.in_force.published == date(2022, 6, 17)
    assert dict(page.fields)["Programs"] == ("NPWMD", "CYBER2", "CAATSA - RUSSIA")
    first, second = page.timeline
    assert (first.status, first.in_force, second.status, second.in_force) == (
        "added",
        True,
        "changed",
        False,
    )
    changes = {c.label: c for c in second.changes}
    assert changes["Programs"].added == ("RUSSIA-EO14024",) and changes["Programs"].removed == ()
    assert changes["Names"].added == ("FSB (weak)",)
    assert changes["Remarks"].before is None and "a.k.a. 'FSB'" in (changes["Remarks"].after or "")
    assert list(changes)[:2] == ["Names", "Programs"]  # in the page's order of fields
    # Before the first stored version: nothing in force, the timeline still shown.
    early = entry_page(app, "ofac-sdn", "21344", date(2020, 1, 1))
    assert early.view is None and early.in_force is None and len(early.timeline) == 2
    with pytest.raises(StoreError):
        entry_page(app, "ofac-sdn", "no-such-entry")

    # A screening's hit, its explanation taken apart token by token.
    screening = screen_party(
        app.as_actor("ana"),
        Party("Federal Security Service", country="RU"),
        ScreenRequest(as_of=date(2022, 7, 15)),
    )
    hit = screening.to_dict()["hits"][0]
    why = explain_hit(hit)
    assert [(t.query, t.listed, t.similarity) for t in why.tokens] == [
        ("federal", "FEDERAL", 1.0),
        ("security", "SECURITY", 1.0),
        ("service", "SERVICE", 1.0),
    ]
    assert (why.query_coverage, why.listed_coverage, why.listed_kind) == (1.0, 1.0, "primary")
    # The country the FSB is listed with is unknown in sdn.csv-only versions: the attribute
    # features say what they did, each with its effect on the score.
    assert all(a.detail for a in why.attributes)
    weak = screen_party(app, Party("FSB"), ScreenRequest(as_of=date(2022, 7, 15)))
    weak_why = explain_hit(weak.to_dict()["hits"][0])
    assert weak_why.tokens == () and "weak aliases match only exactly" in (
        weak_why.exact_only or ""
    )

    # The queue: the new alert, filters, and who may review it under four-eyes.
    alert_id = hit["review"]["alert"]
    weak_alert = weak.to_dict()["hits"][0]["review"]["alert"]
    queue = alert_queue(app, state="open")
    assert [a.id for a in queue.alerts] == [weak_alert, alert_id]  # newest first
    assert queue.lists == ("ofac-sdn",) and queue.counts["open"] == 2
    assert [a.id for a in alert_queue(app, text="fsb").alerts] == [weak_alert]
    assert [a.id for a in alert_queue(app, text="21344").alerts] == [weak_alert, alert_id]
    assert alert_queue(app, state="open", text="nobody at all").alerts == ()
    assert alert_queue(app, state="open", list_name="un").alerts == ()
    strict = app.as_actor("ana")
    strict = Clearance(strict.engine, strict.loaded.overridden("flag", four_eyes=True), "ana")
    review_alert(strict, alert_id, Outcome.TRUE_MATCH, "it is the FSB")
    alert = show_alert(app, alert_id).alert
    assert alert.pending_confirmation
    assert alert_queue(app, state=PENDING).counts[PENDING] == 1
    assert review_permission(alert, "ana") is Permission.REVIEW  # the first reviewer's own
    assert review_permission(alert, "abe") is Permission.APPROVE  # the second review

    # A decision's caps with what is left.
    from clearance.decisions import Transaction

    result = decide(app, Transaction.from_dict(FEE)).to_dict()
    assert result["decision"] == "PROHIBITED"
    (cap,) = cap_lines(result)
    assert (cap.limit, cap.after, cap.left, cap.drawn) == ("5000.00", "1200.00", "3800.00", False)
    labels = dict(purposes(app))
    assert labels["import-authorization-fee"].startswith("FSB license, permit, certification")

    # The trail a page at a time, newest first, by kind and by actor.
    assert {"list_import", "screening", "review", "decision"} <= set(kinds(app))
    everything = browse_records(app, limit=3)
    assert everything.total == 6 and len(everything.records) == 3
    assert [r.seq for r in everything.records] == [6, 5, 4]
    older = browse_records(app, limit=3, before=everything.next_before)
    assert [r.seq for r in older.records] == [3, 2, 1] and older.next_before is None
    by_ana = browse_records(app, actor="ana")
    assert [r.kind for r in by_ana.records] == ["review", "screening"]
    screenings = browse_records(app, kinds=["screening"], start=date.today(), end=date.today())
    assert screenings.total == 2
    assert record_summary(screenings.records[-1]) == (
        "'Federal Security Service' as of 2022-07-15: 1 hit, 1 match"
    )
    assert browse_records(app, end=date(2000, 1, 1)).total == 0

"""The decision flow: screening, the store and the ledger wired around the pure evaluation.

Unaudited, and so not the library's door: programs decide through `clearance.decide`
(`clearance.service.decisions.decide`), which runs `evaluate_and_draw` inside a unit of work
that also writes the audit record. `decide` and `decide_screened` here are the same flow on
an engine, for the engine's own tests and benchmarks (ledger races, scenario tables).

    decision = decide(engine, txn, rules=rules, settings=settings, record=True)

1. Every party is screened as of the transaction date (or against pinned `version_ids`, for
   an audit replay) with the settings' thresholds.
2. Registered specific licenses and the current ownership data (or a pinned import) are read.
3. Without `record`, the cap usage is read and the transaction evaluated.
   With `record`, the caps the evaluation may touch are locked (`ledger.lock_caps`), their
   usage read under the lock, the transaction evaluated, and an AUTHORIZED decision's
   drawdowns written, all in one database transaction. A repeated transaction id returns the
   earlier recorded decision (`replayed: true`) instead of drawing down twice; the same id with
   other content is refused.

`decide_screened` is the same from step 2 on, for callers that screened already (tests that
race the ledger, batch jobs).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from clearance.decisions import ledger
from clearance.decisions.analysis import DEFAULT_CAP_HOLDER, Context, candidate_caps
from clearance.decisions.evaluate import evaluate
from clearance.decisions.identity import canonical_holder
from clearance.decisions.ownership import (
    ListedOwner,
    OwnershipView,
    build_view,
    latest_import,
    load_links,
)
from clearance.decisions.rules import RuleSet
from clearance.decisions.screened import ScreenedParty, version_ref
from clearance.decisions.specific import load_specific
from clearance.decisions.trace import Decision, Outcome
from clearance.decisions.transaction import Transaction, TransactionError
from clearance.model import ListVersion
from clearance.schema import PartyError
from clearance.settings import Settings
from clearance.store.contents import list_warnings
from clearance.store.db import begin_write
from clearance.store.versions import get_entry, list_names, version_as_of, versions_in_force


def default_cap_holder(settings: Settings) -> str:
    """The cap holder when neither the call nor the transaction names one.

    Configured with `CLEARANCE_CAP_HOLDER`; recorded with every decision.
    """
    return settings.cap_holder or DEFAULT_CAP_HOLDER


def screen_parties(
    engine: Engine,
    txn: Transaction,
    settings: Settings,
    version_ids: Sequence[int] | None = None,
) -> list[ScreenedParty]:
    """Every party screened as of the transaction date (or against pinned `version_ids`).

    A list the store holds with no version in force on the date (the date is before its
    first stored version) is named in `ScreenedParty.unavailable`, so that the decision says
    so (REVIEW on a blocking list) instead of failing the whole request: one such date in a
    batch must not stop the others. A store with no list at all is an error.
    """
    from clearance.screening import screen  # imported late: screening builds heavy indexes

    unavailable: tuple[str, ...] = ()
    if version_ids is None:
        known = set(list_names(engine))
        in_force = versions_in_force(engine, txn.date, known)
        unavailable = tuple(sorted(known - {v.list_name for v in in_force}))
        if known and not in_force:
            return [
                ScreenedParty(
                    party,
                    (),
                    (),
                    settings.screening_algorithm,
                    settings.match_threshold,
                    settings.review_threshold,
                    unavailable,
                )
                for party in txn.parties
            ]
    screened = []
    for number, party in enumerate(txn.parties):
        try:
            result = screen(
                engine,
                party,
                as_of=None if version_ids is not None else txn.date,
                settings=settings,
                version_ids=version_ids,
            )
        except PartyError as exc:  # a name the version refuses (a bidi override)
            raise PartyError(f"parties.{number}.{exc}") from exc
        screened.append(
            dataclasses.replace(ScreenedParty.from_result(result), unavailable=unavailable)
        )
    return screened


def ownership_view(
    engine: Engine,
    txn: Transaction,
    screened: Sequence[ScreenedParty],
    rules: RuleSet,
    *,
    import_id: int | None = None,
    pinned: bool = False,
) -> OwnershipView | None:
    """The ownership data in force on the transaction date, owners resolved against the list
    versions screening used (or, for lists screening did not use, those in force)."""
    if import_id is None:
        latest = latest_import(engine)
        if latest is None:
            return None
        import_id, origin = latest.id, latest.origin
    else:
        origin = None
    links = load_links(engine, import_id)
    by_list: dict[str, ListVersion] = {}
    for party in screened:
        for version in party.list_versions:
            by_list.setdefault(version.list_name, version)

    def resolve(ref: str) -> ListedOwner | None:
        list_name, _, source_id = ref.partition(":")
        if rules.list_effect(list_name) != "blocking":
            return None
        version = by_list.get(list_name)
        if version is None and not pinned:
            version = version_as_of(engine, list_name, txn.date)
        if version is None:
            return None
        entry = get_entry(engine, version.id, source_id)
        return ListedOwner(ref, version_ref(version), entry) if entry is not None else None

    return build_view(links, txn.date, resolve, import_id, origin)


def decide(
    engine: Engine,
    txn: Transaction,
    *,
    rules: RuleSet,
    settings: Settings,
    record: bool = False,
    version_ids: Sequence[int] | None = None,
    cap_holder: str | None = None,
    ownership_import: int | None = None,
    screened: Sequence[ScreenedParty] | None = None,
) -> Decision:
    """Screen, evaluate and (with `record`) draw down; see the module docstring.

    `screened`: the parties as the caller screened them already (with these `settings` and
    `version_ids`), so that they are not screened twice.
    """
    check_purpose(txn, rules)
    if record:
        earlier = ledger.find_recorded(engine, txn.id)
        if earlier is not None:
            return replay_of(earlier, txn)
    if screened is None:
        screened = screen_parties(engine, txn, settings, version_ids)
    return decide_screened(
        engine,
        txn,
        screened,
        rules=rules,
        cap_holder=cap_holder or txn.cap_holder or default_cap_holder(settings),
        record=record,
        ownership_import=ownership_import,
        pinned=version_ids is not None,
        stale_days=settings.list_stale_days,
    )


def decision_context(
    engine: Engine,
    txn: Transaction,
    screened: Sequence[ScreenedParty],
    *,
    rules: RuleSet,
    cap_holder: str,
    ownership_import: int | None = None,
    pinned: bool = False,
    stale_days: int = Settings.model_fields["list_stale_days"].default,
) -> Context:
    """What the evaluation needs besides the parties: licenses, ownership data, the holder
    (as the ledger keys it: `identity.canonical_holder`), and the warnings the list versions
    screening used call for (`store.contents.list_warnings`)."""
    versions = {v.id: v for s in screened for v in s.list_versions}
    return Context(
        rules=rules,
        specific_licenses=tuple(load_specific(engine)),
        ownership=ownership_view(
            engine, txn, screened, rules, import_id=ownership_import, pinned=pinned
        ),
        cap_holder=canonical_holder(cap_holder),
        cap_holder_given=cap_holder,
        warnings=tuple(
            list_warnings(engine, [versions[k] for k in sorted(versions)], txn.date, stale_days)
        ),
    )


def evaluate_and_draw(
    conn: Connection,
    txn: Transaction,
    screened: Sequence[ScreenedParty],
    ctx: Context,
    *,
    record: bool,
) -> Decision:
    """Evaluate on `conn`'s open transaction; with `record`, lock the caps and draw down.

    The caller owns the transaction (begun with `store.db.begin_write` when recording): the
    drawdowns commit with whatever else it writes there, such as the decision's audit record.
    A repeated transaction id answers with the earlier recorded decision.
    """
    keys = candidate_caps(txn, screened, ctx)
    if not record or not keys:
        return evaluate(txn, screened, ctx, ledger.usage_in(conn, keys))
    usage = ledger.lock_caps(conn, keys)
    earlier = ledger.recorded(conn, txn.id)
    if earlier is not None:
        return replay_of(earlier, txn)
    decision = evaluate(txn, screened, ctx, usage)
    if decision.decision is Outcome.AUTHORIZED and decision.drawdowns:
        decision = dataclasses.replace(decision, recorded=True)
        ledger.write_drawdowns(conn, txn, decision)
    return decision


def decide_screened(
    engine: Engine,
    txn: Transaction,
    screened: Sequence[ScreenedParty],
    *,
    rules: RuleSet,
    cap_holder: str,
    record: bool = False,
    ownership_import: int | None = None,
    pinned: bool = False,
    stale_days: int = Settings.model_fields["list_stale_days"].default,
) -> Decision:
    check_purpose(txn, rules)
    ctx = decision_context(
        engine,
        txn,
        screened,
        rules=rules,
        cap_holder=cap_holder,
        ownership_import=ownership_import,
        pinned=pinned,
        stale_days=stale_days,
    )
    try:
        with engine.connect() as conn, conn.begin():
            if record:
                begin_write(conn)
            return evaluate_and_draw(conn, txn, screened, ctx, record=record)
    except IntegrityError:
        # The same transaction id recorded concurrently under other caps: answer as a repeat.
        earlier = ledger.find_recorded(engine, txn.id)
        if earlier is None:
            raise
        return replay_of(earlier, txn)


def check_purpose(txn: Transaction, rules: RuleSet) -> None:
    if txn.purpose not in rules.purposes:
        raise TransactionError(
            f"transaction {txn.id}: purpose: {txn.purpose!r} is not defined in the rules "
            f"(known: {', '.join(rules.purposes)})"
        )


def replay_of(earlier: ledger.Recorded, txn: Transaction) -> Decision:
    """The earlier recorded decision for a repeated transaction id.

    Refused when the content differs, and when the earlier transaction's drawdowns were
    reversed: a reversal records that the payment was cancelled. A payment made after all is
    a new transaction; under a new id it is decided afresh on its own date and drawn down, so
    it counts against the cap. Answering the old id with the old decision would draw nothing;
    deciding it again would give one id two recorded decisions. Neither is honest.
    """
    if earlier.reversal is not None:
        note = f" ({earlier.reversal.note})" if earlier.reversal.note else ""
        raise ledger.LedgerError(
            f"transaction id {txn.id!r} was recorded and its drawdowns reversed on "
            f"{earlier.reversal.at.date()}{note}: a reversed transaction is not decided "
            "again. If the payment is made after all, send it as a new transaction with a "
            "new id: it is then decided on its own date and drawn down."
        )
    if earlier.transaction_sha256 != txn.content_hash():
        raise ledger.LedgerError(
            f"transaction id {txn.id!r} was already recorded with other content; give a new "
            "transaction a new id (or reverse the earlier drawdowns first: "
            "`clearance ledger reverse`)"
        )
    return dataclasses.replace(earlier.decision, replayed=True)

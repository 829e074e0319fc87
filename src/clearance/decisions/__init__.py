"""Licensing decisions: rules as dated data, the evaluation, the cap ledger.

    from clearance.decisions import RuleSet, load_rules, Transaction, Decision

See docs/decisions.md for the rule files, the evaluation steps and the ledger's guarantees.
"""

from clearance.decisions.analysis import Context, candidate_caps
from clearance.decisions.evaluate import evaluate
from clearance.decisions.ledger import LedgerError
from clearance.decisions.ownership import OwnershipError
from clearance.decisions.rules import RuleError, RuleSet, load_rules
from clearance.decisions.screened import ScreenedParty
from clearance.decisions.trace import Decision, Outcome
from clearance.decisions.transaction import Transaction, TransactionError

__all__ = [
    "Context",
    "Decision",
    "LedgerError",
    "Outcome",
    "OwnershipError",
    "RuleError",
    "RuleSet",
    "ScreenedParty",
    "Transaction",
    "TransactionError",
    "candidate_caps",
    "evaluate",
    "load_rules",
]

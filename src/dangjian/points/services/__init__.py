"""Writes of the points module, by concern: the rule book (:mod:`.book`), who may take a step
(:mod:`.permissions`), balances (:mod:`.balances`), the automatic entries synced from other modules'
records (:mod:`.ledger`), rules and schemes (:mod:`.schemes`), and claims, awards and their approval
(:mod:`.claims`). Every person's write validates everything at once (``ValidationError`` naming the
field, nothing written) and records exactly one audit event in its transaction.

The public names are re-exported here: ``from dangjian.points import services; services.claim_propose``.
"""

from dangjian.points.services.balances import RECOMPUTE_PART, rebuild_year_balances, refresh_balances
from dangjian.points.services.book import (
    AUTOMATIC,
    BULK_KEY,
    ONE_PLACE,
    PRESENT,
    STEP_ORDER,
    RuleBook,
    cap_window,
    window_bounds,
)
from dangjian.points.services.claims import (
    MANUAL,
    Asked,
    award_bulk,
    awarded_before,
    bulk_threshold,
    claim_propose,
    entry_approve,
    entry_reject,
    post_tie,
    rules_for,
    validate_claim_fields,
)
from dangjian.points.services.ledger import Feed, entry_source, feeds, recompute_year, service_points, sync_entries
from dangjian.points.services.permissions import can_propose_for, holds_step, is_group_leader
from dangjian.points.services.schemes import (
    REVISABLE,
    RULE_FIELDS,
    rule_create,
    rule_end,
    rule_revise,
    scheme_create,
    validate_rule,
)

__all__ = [
    "AUTOMATIC",
    "BULK_KEY",
    "MANUAL",
    "ONE_PLACE",
    "PRESENT",
    "RECOMPUTE_PART",
    "REVISABLE",
    "RULE_FIELDS",
    "STEP_ORDER",
    "Asked",
    "Feed",
    "RuleBook",
    "award_bulk",
    "awarded_before",
    "bulk_threshold",
    "can_propose_for",
    "cap_window",
    "claim_propose",
    "entry_approve",
    "entry_reject",
    "entry_source",
    "feeds",
    "holds_step",
    "is_group_leader",
    "post_tie",
    "rebuild_year_balances",
    "recompute_year",
    "refresh_balances",
    "rule_create",
    "rule_end",
    "rule_revise",
    "rules_for",
    "scheme_create",
    "service_points",
    "sync_entries",
    "validate_claim_fields",
    "validate_rule",
    "window_bounds",
]

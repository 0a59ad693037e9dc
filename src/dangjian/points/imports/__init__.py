"""The points registers' spreadsheets: the rules of a scheme, and the ledger.

``point_rules`` — one row per rule (its latest version). A row finds its rule by the scheme
(方案编号, or the scheme's name) and the rule's code. A new code is added with ``rule_create``; a
changed row is a new version from its 生效日期 through ``rule_revise`` (the old version ends the day
before, so no past entry is rewritten); an unchanged row does nothing, whatever its date.

``point_entries`` — the ledger exported with the list's filters; imported rows are manual claims
and awards, proposed through ``claim_propose`` (the same checks, caps, chain and audit as the form;
the steps the importer holds are taken at once). A row with 条目编号 is an entry already recorded
and is left as it is; a row without one is matched by member, rule code and date, so importing the
same file again creates nothing. Automatic points (meeting attendance, base points) come from the
records and cannot be imported.

``point_awards`` — the branch's awards (and deductions), one row per member: rows with the same rule,
date and 事由 are one award, written by one ``award_bulk`` (so the township confirms one above
``points.bulk_confirm_above`` members, as on the page); matched like the ledger's rows. Its rows are
planned in chunks of ``AWARD_ROWS`` so that an award is never split between two calls.

Both ledger registers have 岗位: the post (一编三定) an entry was for, by the post's name among the
member's posts on duty that day; blank, a rule of 岗位职责和任务 takes the one post on duty.

The templates live in :mod:`.rules` and :mod:`.ledger`, the choices and helpers they share in
:mod:`.common`; importing this package registers them.
"""

from dangjian.points.imports.common import (
    AUTOMATIC_REFUSED,
    CATEGORIES,
    DIRECTIONS,
    PERIODS,
    SEPARATORS,
    SOURCES,
    STATUSES,
    STEP_NAMES,
    chain_of,
    chain_text,
)
from dangjian.points.imports.ledger import AWARD_ROWS, POST_COLUMN, AwardTemplate, EntryTemplate, entry_filters
from dangjian.points.imports.rules import RULE_COLUMNS, RuleTemplate

__all__ = [
    "AUTOMATIC_REFUSED",
    "AWARD_ROWS",
    "CATEGORIES",
    "DIRECTIONS",
    "PERIODS",
    "POST_COLUMN",
    "RULE_COLUMNS",
    "SEPARATORS",
    "SOURCES",
    "STATUSES",
    "STEP_NAMES",
    "AwardTemplate",
    "EntryTemplate",
    "RuleTemplate",
    "chain_of",
    "chain_text",
    "entry_filters",
]

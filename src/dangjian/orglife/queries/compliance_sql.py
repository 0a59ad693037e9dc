"""The subtree compliance table summed by the database (issue 15: at the city root the Python engine
looped over 19,000 organizations × kinds × periods after fetching 383,000 kind entries).

The rules are those of :mod:`.compliance`, and so are the obligations: which requirement a kind of
organization (level, sector, committee) owes in which period is worked out in Python once per kind
of organization, a few dozen rows. The database then joins every organization of the subtree to the
obligations of its kind (those it existed for), measures each against the kind entries of its months
(or its decided appraisal) and adds the cells up per child organization, sector, requirement kind,
phase and outcome. What comes back is a few hundred rows whatever the size of the subtree; the
drill-down and the calendars keep the cell engine (:func:`.compliance.compute_cells`), which the tests
use as the recomputation this must equal.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.db import connection
from django.db.models import BooleanField, Case, Count, Q, Value, When
from django.utils.translation import gettext_lazy as _

from dangjian.core import tree
from dangjian.organizations.models import Sector
from dangjian.organizations.queries import committee_recorded
from dangjian.orglife.models import Appraisal, Meeting, MeetingKindEntry, RequirementKind
from dangjian.orglife.queries.compliance import (
    FULL,
    HELD,
    ComplianceTable,
    TableRow,
    Tally,
    _Prepared,
    as_of,
    subtree_orgs,
)

PHASE_ENDED, PHASE_DUE_SOON = "ended", "due_soon"


class Signature(NamedTuple):
    """A kind of organization: what decides which requirements it owes."""

    level: str
    sector: str
    has_committee: bool


class SubtreeTallies(NamedTuple):
    by_kind: dict[tuple[str, str, str], Tally]  # (child key, sector, requirement kind) → tally
    organizations: dict[tuple[str, str], int]  # (child key, sector) → organizations owing anything
    lead_days: int


def _with_committee(orgs):
    """``orgs`` with ``hc``: a committee recorded (an open seat), else the flag (as ``org_infos``)."""
    return orgs.annotate(
        recorded=committee_recorded(),
        hc=Case(
            When(Q(has_committee=True) | Q(recorded=True), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def _slot_rows(prepared: _Prepared, signatures: list[Signature], year: int) -> tuple[str, list]:
    """The obligations of each kind of organization as a ``VALUES`` list and its parameters; periods
    not yet begun are left out (they count for nobody)."""
    rows, params = [], []
    adapt = connection.ops.adapt_datefield_value
    for sid, (signature, slot) in enumerate((s, slot) for s in signatures for slot in prepared.slots(s)):
        if slot.phase == "upcoming":
            continue
        rows.append("(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)")
        params += [
            sid,
            signature.level,
            signature.sector,
            signature.has_committee,
            slot.kind,
            adapt(slot.period.start),
            adapt(slot.period.end),
            year * 100 + slot.first + 1,  # the period's months as ``MeetingKindEntry.month`` values
            year * 100 + slot.last,
            slot.column,
            slot.requirement.minimum,
            slot.phase,
        ]
    return ", ".join(rows), params


def subtree_tallies(orgs, root, year: int, on: dt.date, *, quarter: int | None = None) -> SubtreeTallies:
    """The tallies of ``orgs`` (a queryset of ``root``'s subtree) summed per child of ``root``, sector
    and requirement kind: four queries (the kinds of organization, the requirements, the reminder
    lead time, the sum), whatever the number of organizations and meetings."""
    orgs = _with_committee(orgs)
    signatures = [
        Signature(level, sector, bool(hc))
        for level, sector, hc in orgs.order_by().values_list("level", "sector", "hc").distinct()
    ]  # 1
    prepared = _Prepared([], year, on, paths=None, kinds=None, requirements=None, lead_days=None, quarter=quarter)
    by_kind: dict[tuple[str, str, str], Tally] = {}
    counted_orgs: dict[tuple[str, str], int] = {}
    values, slot_params = _slot_rows(prepared, signatures, year)
    if not values:
        return SubtreeTallies(by_kind, counted_orgs, prepared.lead_days)
    org_sql, org_params = (
        orgs.order_by()
        .values_list("id", "path", "level", "sector", "hc", "established_on", "dissolved_on")
        .query.sql_with_params()
    )
    held = Q(state=Meeting.State.HELD)
    entry_sql, entry_params = (
        MeetingKindEntry.objects.filter(
            tree.subtree_q("org_path", root.path), month__gte=year * 100 + 1, month__lte=year * 100 + 12
        )
        .exclude(state=Meeting.State.CANCELLED)
        .order_by()
        .values("org_id", "kind", "month")
        .annotate(
            h=Count("id", filter=held),
            f=Count("id", filter=held & Q(full_quorum=True)),
            m=Count("id", filter=held & Q(majority_quorum=True)),
        )
        .values_list("org_id", "kind", "month", "h", "f", "m")
        .query.sql_with_params()
    )
    appraisal_sql, appraisal_params = (
        Appraisal.objects.filter(tree.subtree_q("org_path", root.path), year=year, state=Appraisal.State.DECIDED)
        .order_by()
        .values_list("org_id")
        .distinct()
        .query.sql_with_params()
    )
    width = len(root.path) + tree.STEP
    sql = f"""
        WITH slot (sid, level, sector, hc, kind, pstart, pend, m0, m1, col, minimum, phase) AS (VALUES {values}),
        o (id, path, level, sector, hc, established_on, dissolved_on) AS ({org_sql}),
        c (org_id, kind, month, h, f, m) AS ({entry_sql}),
        a (org_id) AS ({appraisal_sql}),
        measured AS (
            SELECT o.id AS id, SUBSTR(o.path, 1, %s) AS k, o.sector AS sector, s.kind AS kind, s.phase AS phase,
                   s.minimum AS minimum,
                   COALESCE(SUM(CASE s.col WHEN {HELD} THEN c.h WHEN {FULL} THEN c.f ELSE c.m END), 0)
                   + COUNT(a.org_id) AS counted
            FROM o JOIN slot s ON s.level = o.level AND s.sector = o.sector AND s.hc = o.hc
                AND (o.established_on IS NULL OR o.established_on <= s.pstart)
                AND (o.dissolved_on IS NULL OR o.dissolved_on > s.pend)
            LEFT JOIN c ON c.org_id = o.id AND c.kind = s.kind AND c.month >= s.m0 AND c.month <= s.m1
            LEFT JOIN a ON a.org_id = o.id AND s.kind = %s
            GROUP BY o.id, o.path, o.sector, s.sid, s.kind, s.phase, s.minimum
        )
        SELECT k, sector, kind, phase, CASE WHEN counted >= minimum THEN 1 ELSE 0 END, COUNT(*)
        FROM measured GROUP BY k, sector, kind, phase, CASE WHEN counted >= minimum THEN 1 ELSE 0 END
        UNION ALL
        SELECT k, sector, '', '', -1, COUNT(DISTINCT id) FROM measured GROUP BY k, sector
    """  # noqa: S608 - the SQL is the ORM's and this module's; every value is a parameter
    params = [*slot_params, *org_params, *entry_params, *appraisal_params, width, RequirementKind.APPRAISAL]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)  # 4
        rows = cursor.fetchall()
    for key, sector, kind, phase, met, n in rows:
        if met == -1:
            counted_orgs[(key, sector)] = n
            continue
        tally = by_kind.get((key, sector, kind))
        if tally is None:
            tally = by_kind[(key, sector, kind)] = Tally()
        if phase == PHASE_ENDED:
            tally.due += n
            tally.done += n if met else 0
        elif met:
            tally.current_done += n
        elif phase == PHASE_DUE_SOON:
            tally.due_soon += n
        else:
            tally.open += n
    return SubtreeTallies(by_kind, counted_orgs, prepared.lead_days)


def compliance_table(
    visible_orgs, root, year: int, on: dt.date | None = None, *, quarter: int | None = None
) -> ComplianceTable:
    """Rates per child of ``root`` (per township, at the district) and per sector: five queries, a few
    hundred rows summed by the database whatever the size of the subtree. With ``quarter`` (1–4), only
    the obligations whose periods fall within that quarter (its months and the quarter itself), judged
    on the quarter's end (today while it runs)."""
    on = on or as_of(year, quarter=quarter)
    orgs = subtree_orgs(visible_orgs, root, year)
    found = subtree_tallies(orgs, root, year, on, quarter=quarter)
    children = {path: (name, pk) for path, name, pk in orgs.filter(parent=root).values_list("path", "name", "id")}
    groups: dict[str, TableRow] = {}
    sectors: dict[str, TableRow] = {}
    total = TableRow("total", str(_("Total")), org_id=root.pk)
    sector_labels = dict(Sector.choices)

    def rows_of(key: str, sector: str) -> tuple[TableRow, TableRow, TableRow]:
        group = groups.get(key)
        if group is None:
            name, pk = children.get(key) or (str(_("%(name)s itself") % {"name": root.name}), root.pk)
            group = groups[key] = TableRow(key, name, org_id=pk)
        row = sectors.get(sector)
        if row is None:
            label = str(sector_labels.get(sector, sector))
            row = sectors[sector] = TableRow(sector, label, org_id=root.pk, sector=sector)
        return group, row, total

    for (key, sector), n in found.organizations.items():
        for row in rows_of(key, sector):
            row.organizations += n
    for (key, sector, kind), tally in found.by_kind.items():
        for row in rows_of(key, sector):
            row.tally(kind).merge(tally)
            row.total.merge(tally)
    seen = {kind for _key, _sector, kind in found.by_kind}
    order = list(sector_labels)
    return ComplianceTable(
        root=root,
        year=year,
        on=on,
        kinds=[(k, str(label)) for k, label in RequirementKind.choices if k in seen],
        groups=sorted(groups.values(), key=lambda r: r.key),
        sectors=sorted(sectors.values(), key=lambda r: order.index(r.key) if r.key in sector_labels else 99),
        total=total,
        lead_days=found.lead_days,
        quarter=quarter,
    )

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
        # typed, so that SQLite can index the join on them (a VALUES column has no affinity of its own)
        rows.append("(%s, CAST(%s AS TEXT), CAST(%s AS TEXT), %s, CAST(%s AS TEXT), %s, %s, %s, %s, %s, %s, %s)")
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
    adapt = connection.ops.adapt_datefield_value
    # The kind of organization decides what is owed: a join of the slots to the organizations grouped by
    # child, sector, kind and the foundation or dissolution within the year (a few dozen groups). What
    # was met needs the organizations that held something: the kind entries' monthly counts (and the
    # decided appraisals) joined to their slots, each organization's slot summed and judged.
    owns = """s.level = {o}.level AND s.sector = {o}.sector AND s.hc = {o}.hc
        AND ({o}.est IS NULL OR {o}.est <= s.pstart) AND ({o}.dis IS NULL OR {o}.dis > s.pend)"""
    sql = f"""
        WITH slot (sid, level, sector, hc, kind, pstart, pend, m0, m1, col, minimum, phase) AS (VALUES {values}),
        o (id, path, level, sector, hc, est, dis) AS MATERIALIZED ({org_sql}),
        c (org_id, kind, month, h, f, m) AS MATERIALIZED ({entry_sql}),
        a (org_id) AS ({appraisal_sql}),
        og AS (
            SELECT SUBSTR(path, 1, %s) AS k, sector, level, hc,
                   CASE WHEN est > %s THEN est END AS est, CASE WHEN dis <= %s THEN dis END AS dis, COUNT(*) AS n
            FROM o GROUP BY 1, 2, 3, 4, 5, 6
        ),
        e AS (SELECT org_id, kind, month, h, f, m FROM c UNION ALL SELECT org_id, %s, %s, 1, 1, 1 FROM a),
        measured AS (
            SELECT SUBSTR(o.path, 1, %s) AS k, o.sector AS sector, s.kind AS kind, s.phase AS phase,
                   s.minimum AS minimum, SUM(CASE s.col WHEN {HELD} THEN e.h WHEN {FULL} THEN e.f ELSE e.m END) AS n
            FROM e JOIN o ON o.id = e.org_id
            JOIN slot s ON s.kind = e.kind AND e.month >= s.m0 AND e.month <= s.m1 AND {owns.format(o="o")}
            GROUP BY o.id, o.path, o.sector, s.sid, s.kind, s.phase, s.minimum
        )
        SELECT 'owed', og.k, og.sector, s.kind, s.phase, SUM(og.n), SUM(CASE WHEN s.minimum <= 0 THEN og.n ELSE 0 END)
        FROM og JOIN slot s ON {owns.format(o="og")} GROUP BY og.k, og.sector, s.kind, s.phase
        UNION ALL
        SELECT 'met', k, sector, kind, phase, COUNT(*), 0 FROM measured
        WHERE minimum > 0 AND n >= minimum GROUP BY k, sector, kind, phase
        UNION ALL
        SELECT 'orgs', og.k, og.sector, '', '', SUM(og.n), 0 FROM og
        WHERE EXISTS (SELECT 1 FROM slot s WHERE {owns.format(o="og")}) GROUP BY og.k, og.sector
    """  # noqa: S608 - the SQL is the ORM's and this module's; every value is a parameter
    jan1, dec31 = adapt(dt.date(year, 1, 1)), adapt(dt.date(year, 12, 31))
    params = [
        *slot_params,
        *org_params,
        *entry_params,
        *appraisal_params,
        *(width, jan1, dec31),
        *(RequirementKind.APPRAISAL, year * 100 + 1, width),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)  # 4
        rows = cursor.fetchall()
    owed: dict[tuple[str, str, str, str], list[int]] = {}
    for part, key, sector, kind, phase, n, zero_met in rows:
        if part == "orgs":
            counted_orgs[(key, sector)] = int(n)
            continue
        found = owed.setdefault((key, sector, kind, phase), [0, 0])
        if part == "owed":
            found[0] += int(n)
            found[1] += int(zero_met)
        else:
            found[1] += int(n)
    for (key, sector, kind, phase), (n, met) in owed.items():
        tally = by_kind.get((key, sector, kind))
        if tally is None:
            tally = by_kind[(key, sector, kind)] = Tally()
        if phase == PHASE_ENDED:
            tally.due += n
            tally.done += met
        else:
            tally.current_done += met
            if phase == PHASE_DUE_SOON:
                tally.due_soon += n - met
            else:
                tally.open += n - met
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

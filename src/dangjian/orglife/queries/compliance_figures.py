"""The subtree compliance table read from the maintained figures (issue 15).

At the city root the cell engine fetched the whole subtree-year's kind entries (383,000 rows) and
judged 19,000 organizations × kinds × periods in Python; summing the cells in SQL from the meetings
was slower still (it joined and sorted every organization's periods per request). Instead each cell
is kept as a :class:`ComplianceFigure` row, written when a change affects it
(:mod:`dangjian.orglife.services.figures`). Judging them on a day is then one ``GROUP BY`` over the
root's path prefix, child by child, with the phases as conditions on dates:

- a period not begun on the day counts for nobody;
- ended before the day: due, and done when it was met;
- running: done when met, else due soon within the reminder lead time before its deadline, else
  not yet due.

These are the rules of :mod:`.compliance`, and the tests compare the two after every kind of change.
A year whose figures are not maintained (:class:`ComplianceFigureYear`) is computed by the engine.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.db import connection
from django.db.models import CharField, Count, JSONField, Q, Value
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from dangjian.core import parameters, tree
from dangjian.core.models import Parameter
from dangjian.core.parameters import DEFAULTS
from dangjian.organizations.models import Sector
from dangjian.orglife.models import ComplianceFigure, ComplianceFigureYear, RequirementKind
from dangjian.orglife.periods import Period
from dangjian.orglife.queries import compliance as engine
from dangjian.orglife.queries.compliance import (
    LEAD_KEY,
    ComplianceTable,
    DrillRow,
    TableRow,
    Tally,
    as_of,
    window_of,
)


class SubtreeTallies(NamedTuple):
    by_kind: dict[tuple[str, str, str], Tally]  # (child key, sector, requirement kind) → tally
    organizations: dict[tuple[str, str], int]  # (child key, sector) → organizations owing anything
    lead_days: int


def is_maintained(year: int) -> bool:
    return ComplianceFigureYear.objects.filter(year=year).exists()


def maintained_and_lead(year: int, on: dt.date) -> tuple[bool, int]:
    """Whether ``year`` is maintained, and the reminder lead time in force on ``on``: one query (the
    engine's table, for a year not maintained, then costs no more than it did)."""
    flag = (
        ComplianceFigureYear.objects.filter(year=year)
        .order_by()
        .annotate(k=Value("", output_field=CharField()), v=Value(None, output_field=JSONField()))
        .values_list("k", "v")
    )
    lead = Parameter.objects.filter(key=LEAD_KEY).in_force_on(on).order_by().values_list("key", "value")
    rows = list(flag.union(lead, all=True))
    values = {key: value for key, value in rows if key}
    return any(not key for key, _value in rows), values.get(LEAD_KEY, DEFAULTS[LEAD_KEY][0])


def _figures(root, year: int, on: dt.date, quarter: int | None):
    """The figures of ``root``'s subtree in ``year`` begun by ``on`` (within ``quarter`` when given)."""
    figures = ComplianceFigure.objects.filter(tree.subtree_q("org_path", root.path), year=year, period_start__lte=on)
    if quarter:
        window = window_of(year, quarter)
        figures = figures.filter(period_start__gte=window.start, period_end__lte=window.end)
    return figures.order_by()


def _judged(figures, on: dt.date, lead_days: int, *fields: str) -> list[tuple[tuple, Tally]]:
    """``figures`` grouped by ``fields``, each group's periods judged on ``on``: one query."""
    ended, met = Q(period_end__lt=on), Q(met_on__isnull=False)
    running, unmet = Q(period_end__gte=on), Q(met_on__isnull=True)
    soon = on + dt.timedelta(days=lead_days)
    rows = figures.values(*fields).annotate(
        due=Count("id", filter=ended),
        done=Count("id", filter=ended & met),
        current_done=Count("id", filter=running & met),
        due_soon=Count("id", filter=running & unmet & Q(period_end__lt=soon)),
        open=Count("id", filter=running & unmet & Q(period_end__gte=soon)),
    )
    return [
        (tuple(r[f] for f in fields), Tally(r["due"], r["done"], r["due_soon"], r["open"], r["current_done"]))
        for r in rows
    ]


def subtree_tallies(
    root, year: int, on: dt.date, *, quarter: int | None = None, lead_days: int | None = None
) -> SubtreeTallies:
    """The maintained figures of ``root``'s subtree in ``year`` judged on ``on``, summed per child of
    ``root``, sector and kind: two queries (the tallies, the organizations; three without
    ``lead_days``), some rows per child whatever the number of organizations."""
    if lead_days is None:
        lead_days = parameters.get(LEAD_KEY, on)
    width = len(root.path) + tree.STEP
    figures = _figures(root, year, on, quarter).annotate(k=Substr("org_path", 1, width))
    by_kind = dict(_judged(figures, on, lead_days, "k", "sector", "kind"))
    # The organizations owing anything: distinct (child, sector, organization) first, then counted (a
    # hash of the rows; COUNT(DISTINCT) sorts them all: a third slower on PostgreSQL).
    sql, params = figures.values("k", "sector", "org_id").distinct().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT k, sector, COUNT(*) FROM ({sql}) owing GROUP BY k, sector", params)  # noqa: S608
        organizations = {(k, sector): n for k, sector, n in cursor.fetchall()}
    return SubtreeTallies(by_kind, organizations, lead_days)


def org_tallies(
    root, year: int, on: dt.date, *, lead_days: int, quarter: int | None = None, sector: str = ""
) -> dict[tuple[int, str], Tally]:
    """``{(org_id, kind): Tally}`` of ``root``'s subtree from the maintained figures: one query, a row
    per organization and kind (the drill-down's, without the meetings)."""
    figures = _figures(root, year, on, quarter)
    if sector:
        figures = figures.filter(sector=sector)
    return dict(_judged(figures, on, lead_days, "org_id", "kind"))


def compliance_drilldown(
    visible_orgs,
    root,
    year: int,
    *,
    kind: str = "",
    sector: str = "",
    status: str = "",
    on: dt.date | None = None,
    quarter: int | None = None,
) -> tuple[list[DrillRow], list[Period]]:
    """The organizations behind a rate (see :func:`.compliance.compliance_drilldown`): without
    ``kind``, of a maintained year, their tallies come from the figures (three queries); with
    ``kind`` each row has its periods, from the engine."""
    on = on or as_of(year, quarter=quarter)
    if not kind:
        maintained, lead_days = maintained_and_lead(year, on)
        if maintained:
            qs = engine.subtree_orgs(visible_orgs, root, year)
            orgs = engine.org_infos(qs.filter(sector=sector) if sector else qs)
            tallies = org_tallies(root, year, on, lead_days=lead_days, quarter=quarter, sector=sector)
            return engine.drill_rows(orgs, tallies, status), []
    return engine.compliance_drilldown(
        visible_orgs, root, year, kind=kind, sector=sector, status=status, on=on, quarter=quarter
    )


def compliance_table(
    visible_orgs, root, year: int, on: dt.date | None = None, *, quarter: int | None = None
) -> ComplianceTable:
    """Rates per child of ``root`` (per township, at the district) and per sector: four queries from
    the maintained figures, whatever the size of the subtree (the engine's table for a year not
    maintained). With ``quarter`` (1–4), only the periods within that quarter, judged on its end
    (today while it runs). ``root`` is one of ``visible_orgs``: its whole subtree is visible."""
    on = on or as_of(year, quarter=quarter)
    maintained, lead_days = maintained_and_lead(year, on)
    if not maintained:
        return engine.compliance_table(visible_orgs, root, year, on, quarter=quarter, lead_days=lead_days)
    found = subtree_tallies(root, year, on, quarter=quarter, lead_days=lead_days)
    children = {
        path: (name, pk)
        for path, name, pk in engine.subtree_orgs(visible_orgs, root, year)
        .filter(parent=root)
        .values_list("path", "name", "id")
    }
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

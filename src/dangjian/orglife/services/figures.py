"""The maintained compliance figures (issue 15): one :class:`ComplianceFigure` row per organization,
requirement kind and period owed, holding what judging it at any date needs (what was required, the
deadline, the day it was met), so that the subtree table is one ``GROUP BY`` over a path prefix
(:mod:`dangjian.orglife.queries.compliance_figures`) instead of the cell engine over every
organization.

The rows are the cell engine's own cells (:func:`dangjian.orglife.queries.compute_cells`), written:

- for a whole year by :func:`rebuild_year` (``dangjian figures rebuild``, and the background job of
  :func:`build_missing`, which builds this year and every year with a meeting that is not yet
  maintained), which marks the year as maintained (:class:`ComplianceFigureYear`); idempotent;
- for some organizations by :func:`refresh`, in the transaction of every change that affects them:
  a meeting recorded, edited or cancelled (the meeting services and so the meetings import), an
  appraisal decided, an organization created, edited, dissolved or its committee changed (the
  ``organization_changed`` signal); a move needs nothing, the rows' ``org_path`` follow the subtree;
- for every maintained year by :func:`rebuild_maintained` when a requirement is created, revised or
  ended. That may be every row of several years: it is one function so that a background job can
  run it later; it runs inline for now.

Only the maintained years are refreshed; a year never built is computed by the cell engine.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dangjian.core import tree
from dangjian.organizations.models import Organization
from dangjian.orglife.models import (
    Appraisal,
    ComplianceFigure,
    ComplianceFigureYear,
    Meeting,
    MeetingKindEntry,
    Quorum,
    RequirementKind,
)
from dangjian.orglife.queries.compliance import Cell, OrgInfo, compute_cells, org_infos

CHUNK = 2000  # organizations per batch of a year's rebuild (bounds the memory, not the result)


def maintained_years() -> set[int]:
    return set(ComplianceFigureYear.objects.values_list("year", flat=True))


def _orgs_of_year(year: int):
    return Organization.objects.filter(
        Q(established_on__isnull=True) | Q(established_on__lte=dt.date(year, 12, 31)),
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=dt.date(year, 1, 1)),
    )


def _met_days(orgs: list[OrgInfo], year: int, paths: list[str]) -> tuple[dict, dict]:
    """The held kind entries of ``orgs`` in ``year`` by (org, kind), in date order, with their quorums;
    and the decision day of each decided appraisal: two queries."""
    query = tree.subtrees_q("org_path", paths)
    ids = {o.id for o in orgs}
    entries: dict[tuple[int, str], list[tuple[dt.date, bool, bool]]] = defaultdict(list)
    rows = (
        MeetingKindEntry.objects.filter(query, month__gte=year * 100 + 1, month__lte=year * 100 + 12)
        .filter(state=Meeting.State.HELD)
        .order_by("meeting__held_on", "id")
        .values_list("org_id", "kind", "meeting__held_on", "full_quorum", "majority_quorum")
    )
    for org_id, kind, day, full, majority in rows:
        if org_id in ids:
            entries[(org_id, kind)].append((day, full, majority))
    decided = {
        org_id: day
        for org_id, day in Appraisal.objects.filter(query, year=year, state=Appraisal.State.DECIDED).values_list(
            "org_id", "decided_on"
        )
    }
    return entries, decided


def _met_on(cell: Cell, entries: dict, decided: dict) -> dt.date | None:
    if cell.counted < cell.required:
        return None
    period = cell.period
    if cell.required <= 0:
        return period.start
    if cell.kind == RequirementKind.APPRAISAL:
        return decided.get(cell.org_id) or period.end
    seen = 0
    for day, full, majority in entries.get((cell.org_id, cell.kind), ()):
        if not period.start <= day <= period.end:
            continue
        if (cell.quorum == Quorum.FULL_MEMBERS and not full) or (cell.quorum == Quorum.EXPECTED and not majority):
            continue
        seen += 1
        if seen >= cell.required:
            return day
    return period.end  # counted by the engine but not found here: met by the period's end at the latest


def _write(orgs: list[OrgInfo], year: int) -> int:
    """Replace the figures of ``orgs`` in ``year`` by the cell engine's cells: six queries."""
    ids = [o.id for o in orgs]
    ComplianceFigure.objects.filter(year=year, org_id__in=ids).delete()
    if not orgs:
        return 0
    paths = tree.collapse(o.path for o in orgs)
    cells = compute_cells(orgs, year, dt.date(year, 1, 1), paths=paths, lead_days=0)
    entries, decided = _met_days(orgs, year, paths)
    by_id = {o.id: o for o in orgs}
    rows = [
        ComplianceFigure(
            org_id=cell.org_id,
            org_path=by_id[cell.org_id].path,
            sector=by_id[cell.org_id].sector,
            kind=cell.kind,
            year=year,
            period_start=cell.period.start,
            period_end=cell.period.end,
            required=cell.required,
            met_on=_met_on(cell, entries, decided),
        )
        for cell in cells
    ]
    ComplianceFigure.objects.bulk_create(rows, batch_size=CHUNK)
    return len(rows)


@transaction.atomic
def rebuild_year(year: int) -> int:
    """Every figure of ``year``, from the meetings, appraisals, organizations and requirements; the
    year is maintained from then on. Idempotent. Returns the number of rows."""
    ComplianceFigure.objects.filter(year=year).delete()
    orgs = org_infos(_orgs_of_year(year))
    written = 0
    for i in range(0, len(orgs), CHUNK):
        written += _write(orgs[i : i + CHUNK], year)
    ComplianceFigureYear.objects.update_or_create(year=year)
    return written


def build_missing(today: dt.date | None = None) -> list[int]:
    """Build this year and every year with a meeting that is not maintained yet (a new year, an
    installation upgraded to the figures): the periodic job ``orglife.figures``. Idempotent. Until a
    year is built, its table is computed by the cell engine, so nothing is ever wrong, only slower."""
    if not Organization.objects.exists():
        return []
    today = today or timezone.localdate()
    years = {day.year for day in Meeting.objects.dates("held_on", "year")} | {today.year}
    missing = sorted(years - maintained_years())
    for year in missing:
        rebuild_year(year)
    return missing


def rebuild_maintained() -> int:
    """Every maintained year again (a requirement changed)."""
    return sum(rebuild_year(year) for year in sorted(maintained_years()))


def refresh(org_ids: Iterable[int], years: Iterable[int] | None = None) -> int:
    """The figures of these organizations again, for ``years`` (default: every maintained year) that
    are maintained. Runs in the caller's transaction."""
    wanted = maintained_years()
    if years is not None:
        wanted &= set(years)
    ids = set(org_ids)
    written = 0
    for year in sorted(wanted):
        orgs = org_infos(_orgs_of_year(year).filter(pk__in=ids))
        gone = ids - {o.id for o in orgs}  # no longer owing anything this year (dissolved, founded later)
        if gone:
            ComplianceFigure.objects.filter(year=year, org_id__in=gone).delete()
        written += _write(orgs, year)
    return written


def on_organization_changed(sender, org_ids, **kwargs) -> None:
    """The ``organization_changed`` receiver: the organizations' figures again, in the same transaction."""
    refresh(org_ids)

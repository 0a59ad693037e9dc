"""Reads of rectification. Each takes already scoped querysets (``visible_to(user)``) and runs a
constant number of queries, whatever the number of organizations or cases.

What the screening page shows next to each branch (its organizational-life compliance of the year,
the committee and term warnings) comes from ``orglife.queries`` and ``organizations.queries``: the
suggestions are read from the records, never retyped, and never classify anything by themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q
from django.db.models.functions import Substr
from django.utils import timezone

from dangjian.core import parameters, tree
from dangjian.organizations.models import Level
from dangjian.organizations.queries import subtree_warnings
from dangjian.orglife import queries as orglife
from dangjian.orglife.queries import subtree_orgs
from dangjian.rectification.models import Classification, Problem, Rectification, Screening, ScreeningMark

BRANCH_LEVELS = (Level.BRANCH, Level.GENERAL_BRANCH)


def reminder_days(on: dt.date | None = None) -> int:
    return int(parameters.get("rectification.reminder_days", on))


# --- The screening page -------------------------------------------------------------------------------
@dataclass
class ScreeningRow:
    org: Any  # orglife.queries.OrgInfo
    compliance: Any  # orglife.queries.Tally of the year (None: nothing was due)
    warnings: list[str]
    mark: ScreeningMark | None


@dataclass
class Quota:
    branches: int
    marked: int
    min_percent: int

    @property
    def percent(self) -> str:
        return f"{self.marked * 100 / self.branches:.1f}%" if self.branches else "—"

    @property
    def below(self) -> bool:
        return self.branches > 0 and self.marked * 100 < self.min_percent * self.branches


def screening_rows(visible_orgs, screening) -> tuple[list[ScreeningRow], Quota]:
    """Every branch of the screened subtree in the year, with what the records say and its mark."""
    root = screening.org
    year = screening.year
    infos = orglife.org_infos(
        orglife.subtree_orgs(visible_orgs, root, year).filter(level__in=BRANCH_LEVELS).exclude(pk=root.pk)
    )
    tallies, _lead = orglife.compute_tallies(infos, year, orglife.as_of(year), paths=[root.path])
    per_org: dict[int, Any] = {}
    for (org_id, _kind), tally in tallies.items():
        per_org.setdefault(org_id, orglife.Tally()).merge(tally)
    warnings: dict[int, list[str]] = {}
    for warning in subtree_warnings(visible_orgs, root.path):
        warnings.setdefault(warning.org.pk, []).append(warning.message)
    marks = {
        m.org_id: m
        for m in ScreeningMark.objects.filter(screening=screening).prefetch_related("criteria").select_related("case")
    }
    rows = [ScreeningRow(o, per_org.get(o.id), warnings.get(o.id, []), marks.get(o.id)) for o in infos]
    quota = Quota(len(infos), sum(1 for r in rows if r.mark), int(parameters.get("rectification.min_share_percent")))
    return rows, quota


# --- Cases and problems -------------------------------------------------------------------------------
def case_list(cases, *, org=None, year: int | None = None, state: str = "", classification: str = ""):
    qs = cases.select_related("org").annotate(
        problem_count=Count("problems", distinct=True),
        done_count=Count("problems", filter=Q(problems__done_on__isnull=False), distinct=True),
    )
    qs = tree.narrow(qs, org, year=year, state=state, classification=classification)
    return qs.order_by("-year", "org_path")


PROBLEM_STATUSES = ("done", "open", "due_soon", "overdue")


def problem_list(problems, *, org=None, year: int | None = None, status: str = "", on: dt.date | None = None):
    """Problems of the cases, filtered by status on ``on``: done, open, due soon (within the reminder
    days) or overdue."""
    on = on or timezone.localdate()
    qs = tree.narrow(problems.select_related("rectification__org"), org, rectification__year=year)
    if status == "done":
        qs = qs.filter(done_on__isnull=False)
    elif status == "open":
        qs = qs.filter(done_on__isnull=True)
    elif status == "due_soon":
        qs = qs.filter(done_on__isnull=True, deadline__gte=on, deadline__lte=on + dt.timedelta(days=reminder_days(on)))
    elif status == "overdue":
        qs = qs.filter(done_on__isnull=True, deadline__lt=on)
    return qs.order_by("deadline", "id")


def case_detail(cases, pk):
    return (
        cases.select_related("org", "mark__screening__org")
        .prefetch_related(
            "team", "notes", Prefetch("problems", queryset=Problem.objects.order_by("deadline", "id")), "mark__criteria"
        )
        .get(pk=pk)
    )


def due_status(problem: Problem, on: dt.date, lead: int) -> str:
    if problem.done_on:
        return "done"
    if problem.deadline < on:
        return "overdue"
    if problem.deadline <= on + dt.timedelta(days=lead):
        return "due_soon"
    return "open"


# --- Figures ------------------------------------------------------------------------------------------
@dataclass
class FigureRow:
    key: str
    label: str
    org_id: int
    branches: int = 0
    screened: int = 0
    weak: int = 0
    lagging: int = 0
    cases: dict[str, int] = field(default_factory=dict)
    problems: int = 0
    done: int = 0
    due_soon: int = 0
    overdue: int = 0

    @property
    def marked(self) -> int:
        return self.weak + self.lagging

    @property
    def share(self) -> str:
        return f"{self.marked * 100 / self.screened:.1f}%" if self.screened else "—"

    def add(self, other: FigureRow) -> None:
        for name in ("branches", "screened", "weak", "lagging", "problems", "done", "due_soon", "overdue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for state, n in other.cases.items():
            self.cases[state] = self.cases.get(state, 0) + n


@dataclass
class Figures:
    root: Any
    year: int
    on: dt.date
    rows: list[FigureRow]
    total: FigureRow
    states: list[tuple[str, str]]


def figures(visible_orgs, screenings, marks, cases, problems, root, year: int, on: dt.date | None = None) -> Figures:
    """Per child of ``root``: branches, screened, weak, lagging, cases by state, problems done, due
    soon and overdue. Six queries."""
    on = on or timezone.localdate()
    lead = reminder_days(on)
    width = len(root.path) + tree.STEP
    within = tree.subtree_q("org_path", root.path)
    orgs = list(subtree_orgs(visible_orgs, root, year).values_list("id", "path", "name", "level"))
    children = {path: (pk, name) for pk, path, name, _level in orgs if len(path) == width}
    screened_paths = tree.collapse(
        p
        for p in screenings.filter(year=year).values_list("org_path", flat=True)
        if p.startswith(root.path) or root.path.startswith(p)
    )
    rows: dict[str, FigureRow] = {}
    total = FigureRow("total", "", root.pk)

    def row_of(path: str) -> FigureRow:
        key = path[:width] if len(path) >= width else root.path
        found = rows.get(key)
        if found is None:
            pk, name = children.get(key, (root.pk, root.name))
            found = rows[key] = FigureRow(key, name, pk)
        return found

    for _pk, path, _name, level in orgs:
        if level in BRANCH_LEVELS and path != root.path:
            row = row_of(path)
            row.branches += 1
            if any(path.startswith(p) and path != p for p in screened_paths):
                row.screened += 1
    for path, classification in marks.filter(within, year=year).values_list("org_path", "classification"):
        row = row_of(path)
        if classification == Classification.WEAK:
            row.weak += 1
        else:
            row.lagging += 1
    for path, state, n in (
        cases.filter(within, year=year).values_list("org_path", "state").annotate(n=Count("id")).order_by()
    ):
        row = row_of(path)
        row.cases[state] = row.cases.get(state, 0) + n
    soon = on + dt.timedelta(days=lead)
    for path, deadline, done_on in problems.filter(within, rectification__year=year).values_list(
        "org_path", "deadline", "done_on"
    ):
        row = row_of(path)
        row.problems += 1
        if done_on:
            row.done += 1
        elif deadline < on:
            row.overdue += 1
        elif deadline <= soon:
            row.due_soon += 1
    ordered = sorted(rows.values(), key=lambda r: r.key)
    for row in ordered:
        total.add(row)
    return Figures(root, year, on, ordered, total, list(Rectification.State.choices))


def figures_for(user, visible_orgs, root, year: int) -> Figures:
    """:func:`figures` of ``root``'s subtree over the records ``user`` sees (the page, the API, the dashboard)."""
    return figures(
        visible_orgs,
        Screening.objects.visible_to(user),
        ScreeningMark.objects.visible_to(user),
        Rectification.objects.visible_to(user),
        Problem.objects.visible_to(user),
        root,
        year,
    )


# --- Cases by child organization and state (the statistical tables, issue 16) -----------------------------
def case_grid(path: str, first_year: int, last_year: int) -> dict[tuple[str, str], int]:
    """``{(row, state): n}``: the rectification cases of screening years ``first_year`` … ``last_year`` in
    ``path``'s subtree, by the child of ``path`` each case's organization sits under (``path`` itself for
    its own) and by state. One GROUP BY query."""
    width = len(path) + tree.STEP
    rows = (
        Rectification.objects.filter(tree.subtree_q("org_path", path), year__gte=first_year, year__lte=last_year)
        .annotate(row=Substr("org_path", 1, width))
        .values_list("row", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(row, state): n for row, state, n in rows}

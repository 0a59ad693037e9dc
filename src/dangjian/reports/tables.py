"""Statistical tables (统计报表) as data: each table is a :class:`StatTable` — rows, columns, measure,
period — in :data:`TABLES`, evaluated by one engine, :func:`evaluate`.

The rows are the children of the scope organization (the townships, at the district), plus a row for
the records directly in the scope organization itself. The cells come from the owning module's
``queries`` in one GROUP BY per table (rows × columns), never a query per cell, and never from this
app's own aggregation of module tables: a table shows the same number as the module's page.
Every cell links to the records it counts; every table has a totals row and a totals column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core.spans import Span
from dangjian.members import queries as members
from dangjian.members.models import Education, Gender, Status
from dangjian.organizations.models import Sector
from dangjian.orglife import queries as orglife
from dangjian.rectification import queries as rectification
from dangjian.rectification.models import Rectification
from dangjian.training import queries as training


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    measure: str = ""  # the measure of a table with several (e.g. held / required); one total column each
    group: str = ""  # a header above a run of columns (the meeting kind above held / required)


@dataclass(frozen=True)
class Row:
    key: str  # the path of the row's organization (or a programme id)
    label: str
    org_id: int | None = None


@dataclass
class Scope:
    """What a table is evaluated for: the organization (its subtree) and the period."""

    org: object
    span: Span
    visible_orgs: object  # Organization.objects.visible_to(user)

    @property
    def on(self) -> dt.date:
        """The day a stock (members) is counted on: the period's end, or today while it runs."""
        return self.span.to_date()


@dataclass
class Result:
    table: StatTable
    scope: Scope
    rows: list[Row]
    columns: list[Column]
    cells: dict[tuple[str, str], int]
    links: dict[tuple[str, str], str]
    period_label: str  # the period the figures cover (the compliance tables count whole quarters or years)
    definitions: list[str] = field(default_factory=list)

    def value(self, row: str, column: str) -> int:
        return self.cells.get((row, column), 0)

    @property
    def measures(self) -> list[str]:
        return list(dict.fromkeys(c.measure for c in self.columns))

    def total_columns(self) -> list[Column]:
        labels = {c.measure: c.label for c in self.columns}
        if len(self.measures) <= 1:  # one measure, or an empty table (nothing recorded in the period)
            return [Column("total", _("Total"), self.measures[0] if self.measures else "")]
        return [Column(f"total:{m}", labels[m], m, _("Total")) for m in self.measures]

    def row_total(self, row: str, measure: str) -> int:
        return sum(self.value(row, c.key) for c in self.columns if c.measure == measure)

    def column_total(self, column: str) -> int:
        return sum(self.value(r.key, column) for r in self.rows)

    def grand_total(self, measure: str) -> int:
        return sum(self.row_total(r.key, measure) for r in self.rows)

    def grid(self) -> list[dict]:
        """The rows as the page and the export show them: label, cells (value, link), totals."""
        body = []
        for row in self.rows:
            cells = [(self.value(row.key, c.key), self.links.get((row.key, c.key), "")) for c in self.columns]
            cells += [
                (self.row_total(row.key, t.measure), self.links.get((row.key, t.key), "")) for t in self.total_columns()
            ]
            body.append({"key": row.key, "label": row.label, "cells": cells})
        return body

    def totals(self) -> list[tuple[int, str]]:
        cells = [(self.column_total(c.key), self.links.get(("total", c.key), "")) for c in self.columns]
        return cells + [
            (self.grand_total(t.measure), self.links.get(("total", t.key), "")) for t in self.total_columns()
        ]


@dataclass(frozen=True)
class StatTable:
    """One statistical table, declared: ``columns`` names the column dimension, ``source`` evaluates it."""

    slug: str
    title: object  # a lazy translation
    rows: object  # what a row is, in words (the header of the key column)
    columns: str
    source: Callable[[StatTable, Scope], Result]
    note: object = ""


def _url(name: str, **params) -> str:
    return f"{reverse(name)}?{urlencode({k: v for k, v in params.items() if v not in (None, '')})}"


def _child_rows(scope: Scope) -> list[Row]:
    """The scope organization's children the user sees (one query), and a row for its own records."""
    org = scope.org
    children = scope.visible_orgs.filter(parent=org).order_by("path").values_list("path", "name", "pk")
    own = Row(org.path, _("%(name)s itself") % {"name": org.name}, org.pk)
    return [own, *(Row(path, name, pk) for path, name, pk in children)]


def _with_found(rows: list[Row], cells: dict) -> list[Row]:
    """Rows, keeping dissolved or unseen children only when they hold something (then by their path)."""
    keys = {r.key for r in rows}
    extra = sorted({row for row, _c in cells} - keys)
    return rows + [Row(key, key) for key in extra]


# --- Members --------------------------------------------------------------------------------------------
def _member_columns(by: str) -> list[tuple[str, str, dict]]:
    """``(value, label, member-list filter)`` of each column of a member-composition table."""
    if by == "age":
        return [(label, label, {"age": label}) for label, _upper in members.AGE_BANDS]
    if by == "ethnicity":
        return [("han", _("Han"), {"ethnicity": "han"}), ("minority", _("ethnic minority"), {"ethnicity": "minority"})]
    choices = {
        "education": Education.choices,
        "gender": Gender.choices,
        "status": Status.choices,
        "sector": Sector.choices,
    }
    return [(code, str(label), {by: code}) for code, label in choices[by]]


def _fold(cells: dict[tuple[str, str], int], known: set[str]) -> dict[tuple[str, str], int]:
    """Cells whose value is not a column's counted under ``""`` (not recorded)."""
    folded: dict[tuple[str, str], int] = {}
    for (row, value), n in cells.items():
        key = (row, value if value in known else "")
        folded[key] = folded.get(key, 0) + n
    return folded


def member_table(table: StatTable, scope: Scope) -> Result:
    on = scope.on
    cells = members.member_grid(scope.org.path, table.columns, on)
    spec = _member_columns(table.columns)
    columns = [Column(value, label, "members") for value, label, _f in spec]
    known = {value for value, _label, _f in spec}
    if any(value not in known for _row, value in cells):  # blank (or outside the choices): still counted
        cells = _fold(cells, known)
        columns.append(Column("", _("not recorded"), "members"))
    rows = _with_found(_child_rows(scope), cells)
    past = on.isoformat() if on < timezone.localdate() else ""  # the member list shows that day's register
    spec = [(value, label, {**f, "on": past}) for value, label, f in spec]
    filters = {value: f for value, _label, f in spec}
    links = {}
    for row in rows:
        if row.org_id is None:
            continue
        direct = "1" if row.key == scope.org.path else ""
        for column in columns:
            if column.key in filters:
                links[(row.key, column.key)] = _url("member-list", org=row.org_id, direct=direct, **filters[column.key])
        links[(row.key, "total")] = _url("member-list", org=row.org_id, direct=direct, on=past)
    for column in columns:
        if column.key in filters:
            links[("total", column.key)] = _url("member-list", org=scope.org.pk, **filters[column.key])
    links[("total", "total")] = _url("member-list", org=scope.org.pk, on=past)
    return Result(table, scope, rows, columns, cells, links, scope.span.label, [members.count_definition(on)])


# --- Organizational life: meetings held against required --------------------------------------------------
def compliance_window(span: Span) -> tuple[int, int | None]:
    """The compliance page's year and quarter for a period: a quarter as itself, anything else as the
    year it ends in (compliance is judged per calendar period of each requirement)."""
    if span.key and "-Q" in span.key:
        return span.start.year, int(span.key[-1])
    return span.end.year, None


def meeting_table(table: StatTable, scope: Scope) -> Result:
    year, quarter = compliance_window(scope.span)
    found = orglife.compliance_table(scope.visible_orgs, scope.org, year, quarter=quarter)
    columns, cells, links = [], {}, {}
    for kind, label in found.kinds:
        columns += [
            Column(f"{kind}:done", _("periods met"), "done", label),
            Column(f"{kind}:due", _("periods due"), "due", label),
        ]
    rows = []
    for group in found.groups:
        row = Row(group.key, group.label, group.org_id)
        rows.append(row)
        for kind, _label in found.kinds:
            tally = group.by_kind.get(kind)
            cells[(row.key, f"{kind}:done")] = tally.done if tally else 0
            cells[(row.key, f"{kind}:due")] = tally.due if tally else 0

    def drill(org_id, kind=""):  # the organizations behind a figure, on the compliance page's drill-down
        return _url("orglife-compliance-orgs", org=org_id, year=year, quarter=quarter, kind=kind)

    for row in [*rows, Row("total", "", scope.org.pk)]:
        if row.key == scope.org.path:  # the drill-down has no "its own only": no link rather than a wrong one
            continue
        for measure in ("done", "due"):
            links[(row.key, f"total:{measure}")] = drill(row.org_id)
            for kind, _label in found.kinds:
                links[(row.key, f"{kind}:{measure}")] = drill(row.org_id, kind)
    label = Span.parse(f"{year}-Q{quarter}" if quarter else f"{year}").label
    definition = _(
        "Periods met: the periods already ended in which an organization held at least the required number of "
        "meetings of the kind; periods due: the periods already ended in which it had to (the compliance page's "
        "figures)."
    )
    return Result(table, scope, rows, columns, cells, links, label, [definition])


# --- Training: person-times by programme ---------------------------------------------------------------
def training_table(table: StatTable, scope: Scope) -> Result:
    span = scope.span
    cells = training.person_times_by_programme(scope.org.path, span.start, span.end)
    names = training.programme_names({programme for _row, programme in cells})
    ordered = sorted(names.items(), key=lambda item: (item[1], item[0]))
    columns = [Column(str(pk), name, "person_times") for pk, name in ordered]
    cells = {(row, str(programme)): n for (row, programme), n in cells.items()}
    rows = _with_found(_child_rows(scope), cells)
    links = {}
    year = span.start.year if span.key == str(span.start.year) else None  # the training pages count whole years
    if year:
        for row in [*rows, Row("total", "", scope.org.pk)]:
            if row.org_id is None:
                continue
            own = "1" if row.key == scope.org.path else ""
            for column in [*columns, Column("", "")]:
                links[(row.key, column.key or "total")] = _url(
                    "training-figure-attendance", org=row.org_id, year=year, own=own, programme=column.key
                )
    definition = _(
        "Person-times: each member of the organization present at a session that counts, once per session, "
        "under the member's own organization, whoever organized the session."
    )
    return Result(table, scope, rows, columns, cells, links, span.label, [definition])


# --- Rectification by state -----------------------------------------------------------------------------
def rectification_table(table: StatTable, scope: Scope) -> Result:
    span = scope.span
    cells = rectification.case_grid(scope.org.path, span.start.year, span.end.year)
    columns = [Column(state, str(label), "cases") for state, label in Rectification.State.choices]
    rows = _with_found(_child_rows(scope), cells)
    year = span.end.year if span.start.year == span.end.year else ""
    links = {}
    for row in [*rows, Row("total", "", scope.org.pk)]:
        if row.org_id is None or not year or row.key == scope.org.path:  # the case list shows subtrees only
            continue
        for column in columns:
            links[(row.key, column.key)] = _url("rectification-cases", org=row.org_id, year=year, state=column.key)
        links[(row.key, "total")] = _url("rectification-cases", org=row.org_id, year=year)
    definition = _(
        "Rectification cases opened for weak or lagging organizations found by the screenings of the "
        "period's years, by their state today, counted under the organization rectified."
    )
    label = Span.year(year).label if year else span.label
    return Result(table, scope, rows, columns, cells, links, label, [definition])


TOWNSHIP = gettext_lazy("Organization")
_MEMBER_NOTE = gettext_lazy("Members on the register at the end of the period (or today while it runs).")


def _members(slug: str, title, columns: str) -> StatTable:
    return StatTable(slug, title, TOWNSHIP, columns, member_table, _MEMBER_NOTE)


TABLES: dict[str, StatTable] = {
    t.slug: t
    for t in (
        _members("members-education", gettext_lazy("Party members by education"), "education"),
        _members("members-age", gettext_lazy("Party members by age"), "age"),
        _members("members-sector", gettext_lazy("Party members by sector"), "sector"),
        _members("members-gender", gettext_lazy("Party members by gender"), "gender"),
        _members("members-ethnicity", gettext_lazy("Party members by ethnicity"), "ethnicity"),
        _members("members-status", gettext_lazy("Full and probationary party members"), "status"),
        StatTable(
            "meetings",
            gettext_lazy("Organizational life: meetings held against required"),
            TOWNSHIP,
            "kind",
            meeting_table,
        ),
        StatTable(
            "training", gettext_lazy("Training person-times by programme"), TOWNSHIP, "programme", training_table
        ),
        StatTable(
            "rectification",
            gettext_lazy("Rectification of weak and lagging organizations by state"),
            TOWNSHIP,
            "state",
            rectification_table,
        ),
    )
}


def evaluate(table: StatTable, org, span: Span, visible_orgs) -> Result:
    """The table for ``org``'s subtree over ``span`` (``org`` among ``visible_orgs``): a few queries."""
    return table.source(table, Scope(org, span, visible_orgs))

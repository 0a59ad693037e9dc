"""The charts of the dashboard (统计图表, issue 16 point 1): each one a list of labelled figures, every figure
computed by the owning module's ``queries`` function (one number for one thing) and carrying the URL of
the list page that shows the records it counts.

A chart is plain data (:class:`Chart`): the page draws it with ECharts from ``json_script`` and writes the
same figures as a small table with the same links, for readers without JavaScript or with a screen
reader. A chart whose module holds no record for the subtree and period says so (``empty``); nothing is
invented.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.cadres import queries as cadres
from dangjian.core.spans import Span
from dangjian.members import queries as members
from dangjian.points import queries as points
from dangjian.training import queries as training


@dataclass
class Point:
    label: str
    value: float
    url: str = ""  # the list of the records this figure counts; empty when no list shows them alone


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # "pie" or "bar"
    unit: str
    points: list[Point] = field(default_factory=list)
    note: str = ""

    @property
    def empty(self) -> bool:
        return not any(p.value for p in self.points)

    def as_json(self) -> dict:
        return {**asdict(self), "empty": self.empty}


def _url(name: str, **params) -> str:
    return f"{reverse(name)}?{urlencode({k: v for k, v in params.items() if v not in (None, '')})}"


def member_charts(org, span: Span) -> list[Chart]:
    """Member composition on the period's last day counted so far (``members.queries.subtree_breakdown``,
    the organization page's figure), each slice linking to the member list with the same filter."""
    on = span.to_date()
    data = members.subtree_breakdown(org.path, on)
    unit = _("members")
    note = members.count_definition(on)

    def chart(key: str, title: str, kind: str, dimension: str, param: str) -> Chart:
        rows = [
            Point(str(label), n, _url("member-list", org=org.pk, **{param: code}) if code else "")
            for code, label, n in data[dimension]
        ]
        return Chart(key, title, kind, unit, rows, note)

    return [
        chart("gender", _("Members by gender"), "pie", "gender", "gender"),
        chart("status", _("Full and probationary members"), "pie", "status", "status"),
        chart("education", _("Members by education"), "bar", "education", "education"),
        chart("age", _("Members by age band"), "bar", "band", "age"),
    ]


def points_chart(org, span: Span) -> Chart:
    """The members of the subtree by band of points in the period's year (``points.queries.distribution``,
    the distribution page's figures, which names no member). The bands count the whole subtree whatever
    children are given: none are, which spares the per-child medians the chart does not show."""
    year = span.start.year
    data = points.distribution(org, (), year)
    url = _url("points-distribution", org=org.pk, year=year)
    rows = [Point(label, n, url) for label, n, _percent in data.buckets]
    note = _("Points of %(year)d; the distribution page shows the same bands.") % {"year": year}
    return Chart("points", _("Members by band of points"), "bar", _("members"), rows, note)


def training_chart(org, span: Span) -> Chart:
    """Training person-times of the period's year by organization (``training.queries.person_times_table``,
    the training figures page's table), each bar linking to its attendance rows."""
    year = span.start.year
    table = training.person_times_table(org, span.start.replace(month=1, day=1), span.start.replace(month=12, day=31))
    rows = [
        Point(
            _("%(name)s (own)") % {"name": row.org.name} if row.own else row.org.name,
            row.figures.person_times,
            _url("training-figure-attendance", org=row.org.pk, year=year, own="1" if row.own else ""),
        )
        for row in table.rows
    ]
    note = _("Person-times of %(year)d, as the training figures page counts them.") % {"year": year}
    return Chart("training", _("Training person-times by organization"), "bar", _("person-times"), rows, note)


def cadre_charts(org, children, span: Span) -> list[Chart]:
    """Reserve-cadre coverage of villages (``cadres.queries.figures``, the reserve figures page)."""
    fig = cadres.figures(org, span.start.year, on=span.to_date(), children=children)
    figures_url = _url("reserve-figures", org=org.pk, year=span.start.year)
    coverage = Chart(
        "villages",
        _("Villages and communities by reserve cadres kept"),
        "pie",
        _("villages"),
        [
            Point(_("At or above the minimum"), fig.villages - fig.villages_below, figures_url),
            Point(_("Below the minimum"), fig.villages_below, figures_url + "#below"),
        ],
        _("The minimum per village is %(min)s reserve cadres.") % {"min": fig.rules.get("min_per_village")},
    )
    pool = Chart(
        "pool",
        _("Reserve cadres in the pool by organization"),
        "bar",
        _("reserve cadres"),
        [Point(row.org.name, row.in_pool, _url("reserve-list", org=row.org.pk, state="pool")) for row in fig.rows],
    )
    return [coverage, pool]


def all_charts(org, children, span: Span) -> list[Chart]:
    """Every chart of the dashboard for ``org``'s subtree (``children``: its child organizations the user
    sees) over ``span``: a fixed number of queries whatever the size of the subtree."""
    return [
        *member_charts(org, span),
        points_chart(org, span),
        training_chart(org, span),
        *cadre_charts(org, children, span),
    ]

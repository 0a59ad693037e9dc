"""The charts of the dashboard (统计图表, issue 16 point 1): each one a list of labelled figures, every figure
computed by the owning module's ``queries`` function (one number for one thing) and carrying the URL of
the list page that shows the records it counts.

A chart is plain data (:class:`Chart`): the page draws it with ECharts from ``json_script`` and writes the
same figures as a small table with the same links, for readers without JavaScript or with a screen
reader. A chart whose module holds no record for the subtree and period says so (``empty``); nothing is
invented.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.cadres import queries as cadres
from dangjian.community import queries as community
from dangjian.core.spans import Span
from dangjian.members import queries as members
from dangjian.organizations.models import Sector
from dangjian.orglife import queries as orglife
from dangjian.points import queries as points
from dangjian.rectification import queries as rectification
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

    sectors = dict(Sector.choices)
    by_sector = [
        Point(str(sectors.get(code, code)), n, _url("member-list", org=org.pk, sector=code))
        for code, n in members.composition(org.path, "org__sector", on)
    ]
    by_ethnicity = [
        Point(name, n, _url("member-list", org=org.pk, ethnicity=name))
        for name, n in members.composition(org.path, "ethnicity", on)
    ]
    return [
        chart("gender", _("Members by gender"), "pie", "gender", "gender"),
        chart("status", _("Full and probationary members"), "pie", "status", "status"),
        chart("education", _("Members by education"), "bar", "education", "education"),
        chart("age", _("Members by age band"), "bar", "band", "age"),
        Chart("sector", _("Members by sector of their organization"), "bar", unit, by_sector, note),
        Chart("ethnicity", _("Members by ethnicity"), "pie", unit, by_ethnicity, note),
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


def training_charts(org, span: Span) -> list[Chart]:
    """Training person-times of the period's year by organization (``training.queries.person_times_table``,
    the training figures page's table), by programme and by month (the same count broken down), each bar
    linking to its attendance rows."""
    year = span.start.year
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    table = training.person_times_table(org, start, end)
    unit, drill = _("person-times"), "training-figure-attendance"
    note = _("Person-times of %(year)d, as the training figures page counts them.") % {"year": year}
    by_org = [
        Point(
            _("%(name)s (own)") % {"name": row.org.name} if row.own else row.org.name,
            row.figures.person_times,
            _url(drill, org=row.org.pk, year=year, own="1" if row.own else ""),
        )
        for row in table.rows
    ]
    by_programme = [
        Point(name, n, _url(drill, org=org.pk, year=year, programme=pk))
        for pk, name, n in training.programme_totals(org.path, start, end)
    ]
    by_month = [
        Point(_("month %(month)d") % {"month": month.month}, n, _url(drill, org=org.pk, year=year, month=month.month))
        for month, n in training.person_times_by_month(org.path, start, end)
    ]
    return [
        Chart("training", _("Training person-times by organization"), "bar", unit, by_org, note),
        Chart("training_programmes", _("Training person-times by programme"), "bar", unit, by_programme, note),
        Chart("training_months", _("Training person-times by month"), "bar", unit, by_month, note),
    ]


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


def _quarter(span: Span) -> int | None:
    """The quarter (1–4) of a ``YYYY-Qn`` period; None for any other (the whole year is judged)."""
    return int(span.key[-1]) if "-Q" in span.key else None


def compliance_chart(visible, org, span: Span) -> Chart:
    """Organizational-life compliance by kind of meeting in the period's year or quarter
    (``orglife.queries.compliance_table``, the compliance page's rates), each bar linking to the
    organizations behind the rate."""
    year, quarter = span.start.year, _quarter(span)
    table = orglife.compliance_table(visible, org, year, quarter=quarter)
    rows = []
    for kind, label in table.kinds:
        tally = table.total.by_kind.get(kind)
        if tally is None or tally.rate is None:
            continue
        rows.append(
            Point(
                label,
                round(tally.rate * 100),
                _url("orglife-compliance-orgs", org=org.pk, year=year, kind=kind, quarter=quarter),
            )
        )
    note = _("Share of the periods ended by %(day)s that were met, as the compliance page counts them.") % {
        "day": table.on.isoformat()
    }
    return Chart("compliance", _("Organizational life: periods met, by kind"), "bar", "%", rows, note)


def rectification_chart(user, visible, org, span: Span) -> Chart:
    """Rectification of the period's year's screening by state (``rectification.queries.figures``, the
    rectification figures page), each bar linking to the cases in that state."""
    year = span.start.year
    fig = rectification.figures_for(user, visible, org, year)
    rows = [
        Point(
            str(label), fig.total.cases.get(state, 0), _url("rectification-cases", org=org.pk, year=year, state=state)
        )
        for state, label in fig.states
    ]
    return Chart("rectification", _("Weak and lagging organizations by rectification state"), "bar", _("cases"), rows)


def community_charts(visible, org, span: Span) -> list[Chart]:
    """Check-ins of serving members and volunteer hours (``community.queries.volunteer_table``, the
    volunteer table), each figure linking to its list."""
    days = community.Span(span.start, span.end)
    table = community.volunteer_table(visible, org, days)
    total = table.total
    checkins = Chart(
        "checkins",
        _("Serving members checked in to a community"),
        "pie",
        _("members"),
        [
            Point(
                _("Checked in"), total.checked_in, _url("community-checkins", org=org.pk, side="member", state="open")
            ),
            Point(
                _("Not checked in"),
                total.serving - total.checked_in,
                _url("community-serving", org=org.pk, missing="1"),
            ),
        ],
        _("Checked in on %(day)s.") % {"day": days.on.isoformat()},
    )
    hours = Chart(
        "hours",
        _("Volunteer hours of members by organization"),
        "bar",
        _("hours"),
        [
            Point(
                row.name,
                float(row.member_hours),
                _url("community-service", org=row.org_id, side="member", year=span.start.year),
            )
            for row in table.rows
        ],
    )
    return [checkins, hours]


def all_charts(user, visible, org, children, span: Span) -> list[Chart]:
    """Every chart of the dashboard for ``org``'s subtree (``visible``: the organizations the user sees;
    ``children``: its child organizations they see) over ``span``: a fixed number of queries whatever
    the size of the subtree."""
    return [
        *member_charts(org, span),
        compliance_chart(visible, org, span),
        points_chart(org, span),
        *training_charts(org, span),
        rectification_chart(user, visible, org, span),
        *community_charts(visible, org, span),
        *cadre_charts(org, children, span),
    ]

"""Named figures (具名指标): every number a work summary, the API or a chart may quote, each with a dotted name
(``training.person_times``), a Chinese label, its definition, its unit, the module it needs, how it is computed
(ALWAYS by the owning module's ``queries``: one number for one thing) and the records it counts.

A figure is computed for a scope: an organization's subtree, a period (:class:`dangjian.core.spans.Span`) and
the user asking (who must see the organization). Figures of one module share one computation per scope
(:class:`Scope` keeps it), so a summary of every figure costs a fixed number of queries whatever the size of
the subtree. Modules whose pages count a calendar year (rectification, reserve cadres) are counted for the year
the period ends in; the definition says so.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.cadres import queries as cadres_queries
from dangjian.community import queries as community_queries
from dangjian.core.spans import Span
from dangjian.members import queries as members_queries
from dangjian.organizations.models import Organization
from dangjian.orglife import queries as orglife_queries
from dangjian.orglife.models import MeetingKind
from dangjian.rectification import queries as rectification_queries
from dangjian.rectification.models import Problem, Rectification, Screening, ScreeningMark
from dangjian.reports.phrasing import phrase
from dangjian.training import queries as training_queries


@dataclass
class Scope:
    """What a figure is computed for, and the module computations already made for it."""

    org: Organization
    span: Span
    user: Any
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def year(self) -> int:
        return self.span.end.year

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def visible(self, model):
        """``model``'s records the user sees (all of them for the operator's command, without a user)."""
        return model.objects.all() if self.user is None else model.objects.visible_to(self.user)

    def url(self, name: str, **params) -> str:
        query = "&".join(f"{k}={v}" for k, v in {"org": self.org.pk, **params}.items() if v not in ("", None))
        return f"{reverse(name)}?{query}"


@dataclass(frozen=True)
class Figure:
    name: str  # dotted: <module>.<figure>
    label: Any  # lazy Chinese label
    definition: Any
    unit: Any
    value: Callable[[Scope], Any]
    records: Callable[[Scope], str]
    say: Callable[[Any, str], str] | None = None  # a list's words; a number is said by ``phrasing.phrase``

    @property
    def module(self) -> str:
        return self.name.split(".")[0]

    def available(self) -> bool:
        """Whether the module the figure needs is installed (a summary leaves out what it cannot count)."""
        return apps.is_installed(f"dangjian.{self.module}")


REGISTRY: dict[str, Figure] = {}


def register(figure: Figure) -> Figure:
    REGISTRY[figure.name] = figure
    return figure


def available() -> list[Figure]:
    return [figure for figure in REGISTRY.values() if figure.available()]


@dataclass(frozen=True)
class Value:
    """A figure computed for a scope: what the API, the summary and its appendix show."""

    figure: Figure
    value: Any
    url: str

    @property
    def name(self) -> str:
        return self.figure.name

    def said(self, how: str = "") -> str:
        """The value in words, as a summary's placeholder ``{name|how}`` asks."""
        return self.figure.say(self.value, how) if self.figure.say else phrase(self.value, how)

    def plain(self) -> Any:
        """The value as JSON and a spreadsheet carry it: a number, or a list of rows."""
        return [asdict(row) for row in self.value] if isinstance(self.value, list) else self.value


def compute(scope: Scope, names=None) -> dict[str, Value]:
    """The figures of ``names`` (every available one by default) for ``scope``, by name."""
    figures = available() if names is None else [REGISTRY[n] for n in names if n in REGISTRY]
    return {f.name: Value(f, f.value(scope), f.records(scope)) for f in figures if f.available()}


# --- members ------------------------------------------------------------------------------------------
register(
    Figure(
        "members.total",
        _("Party members"),
        _("Party members (full and probationary) on the register on the last day of the period, in the subtree."),
        _("persons"),
        lambda s: members_queries.subtree_member_count(s.org, s.span.to_date()),
        lambda s: s.url("member-list"),
    )
)


# --- training -----------------------------------------------------------------------------------------
def _training(scope: Scope) -> training_queries.Figures:
    return scope.once(
        "training", lambda: training_queries.person_times_table(scope.org, scope.span.start, scope.span.end).total
    )


register(
    Figure(
        "training.sessions",
        _("Training sessions held"),
        _("Sessions held in the period by organizations of the subtree."),
        _("sessions"),
        lambda s: _training(s).sessions,
        lambda s: s.url("training-figure-sessions", year=s.span.start.year),
    )
)
register(
    Figure(
        "training.person_times",
        _("Training person-times"),
        _(
            "Present attendance at sessions held in the period that count, once per person per session, of the "
            "subtree's members wherever the session was."
        ),
        _("person-times"),
        lambda s: _training(s).person_times,
        lambda s: s.url("training-figure-attendance", year=s.span.start.year),
    )
)
register(
    Figure(
        "training.persons",
        _("Persons trained"),
        _("Distinct members of the subtree present at least once at a session held in the period."),
        _("persons"),
        lambda s: _training(s).persons,
        lambda s: s.url("training-figure-persons", year=s.span.start.year),
    )
)


SAID_PROGRAMMES = 5  # a summary names the programmes with the most person-times, then says how many in all


def _say_programmes(rows: list[training_queries.ProgrammeFigures], how: str) -> str:
    """“区委大讲堂”5期3000余人次、“城关镇培训班”1期20人次 (the first few, then 等N个培训项目)."""
    said = "、".join(
        f"“{r.name}”{phrase(r.sessions)}期{phrase(r.person_times, how)}人次" for r in rows[:SAID_PROGRAMMES]
    )
    return said + (f"等{len(rows)}个培训项目" if len(rows) > SAID_PROGRAMMES else "")


register(
    Figure(
        "training.programmes",
        _("Training programmes and their person-times"),
        _(
            "Programmes organized in the subtree that held sessions in the period, each with its sessions held and "
            "person-times (present attendance that counts, of every member wherever they belong)."
        ),
        _("programmes"),
        lambda s: s.once(
            "programmes", lambda: training_queries.programme_person_times(s.org.path, s.span.start, s.span.end)
        ),
        lambda s: s.url("training-programmes", year=s.span.start.year),
        _say_programmes,
    )
)


# --- reserve cadres -----------------------------------------------------------------------------------
def _cadres(scope: Scope) -> cadres_queries.Figures:
    return scope.once("cadres", lambda: cadres_queries.figures(scope.org, scope.year, scope.span.to_date()))


def _per_village(scope: Scope) -> Decimal:
    figures = _cadres(scope)
    return Decimal(figures.in_pool * 10 // figures.villages) / 10 if figures.villages else Decimal(0)


register(
    Figure(
        "cadres.reserve",
        _("Village reserve cadres"),
        _("Reserve cadres in the pool (not appointed, not dropped) in the subtree's villages today."),
        _("persons"),
        lambda s: _cadres(s).in_pool,
        lambda s: s.url("reserve-list", state="pool"),
    )
)
register(
    Figure(
        "cadres.villages",
        _("Villages"),
        _("Village organizations of the subtree that keep reserve cadres."),
        _("villages"),
        lambda s: _cadres(s).villages,
        lambda s: s.url("reserve-figures"),
    )
)
register(
    Figure(
        "cadres.reserve_per_village",
        _("Reserve cadres per village"),
        _("Reserve cadres in the pool divided by the villages of the subtree, to one decimal (rounded down)."),
        _("persons per village"),
        _per_village,
        lambda s: s.url("reserve-figures"),
    )
)


# --- rectification ------------------------------------------------------------------------------------
def _rectification(scope: Scope) -> rectification_queries.FigureRow:
    def total():
        return rectification_queries.figures(
            *(scope.visible(model) for model in (Organization, Screening, ScreeningMark, Rectification, Problem)),
            scope.org,
            scope.year,
        ).total

    return scope.once("rectification", total)


register(
    Figure(
        "rectification.screened",
        _("Weak and lagging organizations screened"),
        _("Organizations of the subtree marked weak or lagging in the screening of the year the period ends in."),
        _("organizations"),
        lambda s: _rectification(s).marked,
        lambda s: s.url("rectification-cases", year=s.year),
    )
)
register(
    Figure(
        "rectification.rectified",
        _("Organizations rectified"),
        _("Rectification cases of that year's screening closed (the rectification completed)."),
        _("organizations"),
        lambda s: _rectification(s).cases.get(Rectification.State.CLOSED, 0),
        lambda s: s.url("rectification-cases", year=s.year, state=Rectification.State.CLOSED),
    )
)


# --- community ----------------------------------------------------------------------------------------
def _community(scope: Scope) -> community_queries.Figures:
    def total():
        span = community_queries.Span(scope.span.start, scope.span.end)
        return community_queries.volunteer_table(scope.visible(Organization), scope.org, span).total

    return scope.once("community", total)


register(
    Figure(
        "community.checked_in_members",
        _("Serving members checked in to communities"),
        _(
            "Serving members (of agency, school and enterprise organizations) of the subtree checked in to a "
            "community on the last day of the period."
        ),
        _("persons"),
        lambda s: _community(s).checked_in,
        lambda s: s.url("community-checkins", side="member", state="open"),
    )
)
register(
    Figure(
        "community.volunteer_activities",
        _("Volunteer activities held"),
        _("Volunteer activities held in the period by organizations of the subtree."),
        _("activities"),
        lambda s: _community(s).activities,
        lambda s: s.url("community-activities", year=s.span.start.year, state="held"),
    )
)
register(
    Figure(
        "community.volunteer_hours",
        _("Volunteer service hours"),
        _("Hours served at the volunteer activities held in the period by organizations of the subtree."),
        _("hours"),
        lambda s: _community(s).hours,
        lambda s: s.url("community-service", year=s.span.start.year, side="activity"),
    )
)


# --- organizational life ------------------------------------------------------------------------------
def _meetings(scope: Scope) -> dict[str, int]:
    """Meetings held in the subtree by kind, month by month over the period (``orglife.queries.meeting_counts``:
    one query per calendar year of the period)."""

    def held() -> dict[str, int]:
        kinds = (MeetingKind.THEME_DAY, MeetingKind.PARTY_LECTURE)
        found = dict.fromkeys(kinds, 0)
        for year in range(scope.span.start.year, scope.span.end.year + 1):
            months = [
                m
                for m in range(1, 13)
                if scope.span.start <= _month_end(year, m) and _month_start(year, m) <= scope.span.end
            ]
            for (_org, kind), slot in orglife_queries.meeting_counts([scope.org.path], year, kinds=kinds).items():
                found[kind] += sum(slot[orglife_queries.HELD][m - 1] for m in months)
        return found

    return scope.once("orglife", held)


def _month_start(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


register(
    Figure(
        "orglife.theme_days_held",
        _("Theme days held"),
        _("Theme party days (主题党日) held by organizations of the subtree in the months of the period."),
        _("times"),
        lambda s: _meetings(s)[MeetingKind.THEME_DAY],
        lambda s: s.url("orglife-meetings", kind=MeetingKind.THEME_DAY, state="held", year=s.span.start.year),
    )
)
register(
    Figure(
        "orglife.party_lectures_held",
        _("Party lectures held"),
        _("Party lectures (党课) held by organizations of the subtree in the months of the period."),
        _("times"),
        lambda s: _meetings(s)[MeetingKind.PARTY_LECTURE],
        lambda s: s.url("orglife-meetings", kind=MeetingKind.PARTY_LECTURE, state="held", year=s.span.start.year),
    )
)

"""Reads of reserve cadres: the figures of a subtree (villages, cadres in the pool, the villages
below the minimum, the age and education structure, the appointments of a year) and the list behind
every figure. Each takes an already scoped queryset where it lists records and runs a constant
number of queries. A cadre's training is read through ``training.queries`` (a member's record).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, F, Q, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.cadres.models import ReserveCadre, ReserveState
from dangjian.core import parameters, tree
from dangjian.core.audit import action_label
from dangjian.core.models import AuditEvent
from dangjian.members.models import Education, years_before
from dangjian.organizations.models import Organization, Unit
from dangjian.training import queries as training_queries  # a sibling app (cadres' training): for the layer contract

RULE_KEYS = ["reserve.min_per_village", "reserve.max_age", "reserve.min_education"]
EDUCATION_RANK = {
    Education.PRIMARY: 1,
    Education.JUNIOR: 2,
    Education.SENIOR: 3,
    Education.VOCATIONAL: 3,
    Education.COLLEGE: 4,
    Education.BACHELOR: 5,
    Education.MASTER: 6,
    Education.DOCTOR: 6,
}
# Age bands (key, label, lowest age, highest age); the last band is "at or above the ceiling".
AGE_BANDS = (("u30", _("Under 30")), ("30_34", _("30 to 34")), ("35_ceiling", _("35 to the ceiling")))
EDUCATION_BANDS = (
    ("below", _("Below the minimum")),
    ("senior", _("Senior middle school or vocational")),
    ("college", _("Junior college")),
    ("bachelor", _("Bachelor or above")),
)
EDUCATION_OF_BAND = {
    "senior": [Education.SENIOR, Education.VOCATIONAL],
    "college": [Education.COLLEGE],
    "bachelor": [Education.BACHELOR, Education.MASTER, Education.DOCTOR],
}


def rules(on: dt.date | None = None) -> dict:
    return parameters.get_many(RULE_KEYS, on)


def villages_in(path: str):
    """Active village and community organizations of the subtree ``path``."""
    return (
        Organization.objects.filter(tree.subtree_q("path", path), dissolved_on__isnull=True)
        .filter(units__kind__in=[Unit.Kind.VILLAGE, Unit.Kind.COMMUNITY])
        .distinct()
    )


def with_person(qs):
    """Annotate ``birth`` and ``edu``: the member's when the cadre is a member, else the cadre's own."""
    return qs.annotate(
        birth=Coalesce(F("member__birth_date"), F("birth_date")),
        edu=Case(
            When(member__isnull=False, then=F("member__education")),
            default=F("education_own"),
            output_field=CharField(),
        ),
    )


def educations_below(minimum: int) -> list[str]:
    """The educations below the rule's minimum rank (1 primary … 3 高中/中专 … 6 postgraduate)."""
    return [value for value, rank in EDUCATION_RANK.items() if rank < minimum]


def age_band_range(band: str, on: dt.date, ceiling: int) -> tuple[dt.date | None, dt.date | None]:
    """Birth dates (after, at or before) of the cadres of an age band on ``on``: (earliest, latest)."""
    bounds = {"u30": (None, 30), "30_34": (30, 35), "35_ceiling": (35, ceiling), "over": (ceiling, None)}
    low, high = bounds[band]
    # Age >= low  ⇔ born on or before years_before(on, low); age < high ⇔ born after years_before(on, high).
    latest = years_before(on, low) if low is not None else None
    earliest = years_before(on, high) if high is not None else None
    return earliest, latest


def filter_list(qs, *, org=None, state: str = "", age: str = "", edu: str = "", appointed_year: int | None = None):
    """The cadres (``qs``: already scoped) of a subtree, a state, an age band, an education band or
    appointed in a year; by village, then name."""
    qs = tree.narrow(with_person(qs.select_related("org", "member")), org)
    if state in ReserveState.values:
        qs = qs.filter(state=state)
    rule = rules()
    if age in {"u30", "30_34", "35_ceiling", "over"}:
        earliest, latest = age_band_range(age, timezone.localdate(), rule["reserve.max_age"])
        if latest is not None:
            qs = qs.filter(birth__lte=latest)
        if earliest is not None:
            qs = qs.filter(birth__gt=earliest)
    below = [*educations_below(rule["reserve.min_education"]), ""]
    if edu == "below":
        qs = qs.filter(edu__in=below)
    elif edu in EDUCATION_OF_BAND:  # a band's cadres below the minimum are counted there instead
        qs = qs.filter(edu__in=[e for e in EDUCATION_OF_BAND[edu] if e not in below])
    if appointed_year:
        qs = qs.filter(state=ReserveState.APPOINTED, appointed_on__year=appointed_year)
    return qs.order_by("org_path", "id")


@dataclass
class ChildRow:
    org: Organization
    villages: int = 0
    in_pool: int = 0
    below: int = 0


@dataclass
class Figures:
    org: Organization
    year: int
    rules: dict
    villages: int = 0
    in_pool: int = 0
    appointed: int = 0
    dropped: int = 0
    below: list = field(default_factory=list)  # [(village, count in pool)]
    ages: list = field(default_factory=list)  # [(key, label, count, share %)]
    educations: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # [ChildRow] per child organization given

    @property
    def villages_below(self) -> int:
        return len(self.below)


def _share(count: int, total: int) -> float:
    return round(100.0 * count / total, 1) if total else 0.0


def figures(org: Organization, year: int | None = None, on: dt.date | None = None, children=()) -> Figures:
    """The figures of ``org``'s subtree (five queries, whatever its size), with a row of villages,
    cadres in the pool and villages below the minimum for each of ``children`` (its child
    organizations the user sees)."""
    on = on or timezone.localdate()
    year = year or on.year
    rule = rules(on)
    result = Figures(org=org, year=year, rules={k.removeprefix("reserve."): v for k, v in rule.items()})
    villages = list(villages_in(org.path).only("pk", "name", "path").order_by("path"))
    subtree = ReserveCadre.objects.filter(tree.subtree_q("org_path", org.path))
    pool = subtree.filter(state=ReserveState.POOL)
    counts = dict(pool.values_list("org_id").annotate(n=Count("id")).order_by())
    result.villages = len(villages)
    result.in_pool = sum(counts.values())
    minimum = rule["reserve.min_per_village"]
    result.below = [(v, counts.get(v.pk, 0)) for v in villages if counts.get(v.pk, 0) < minimum]
    for child in children:
        row = ChildRow(org=child)
        for v in villages:
            if v.path.startswith(child.path):
                row.villages += 1
                row.in_pool += counts.get(v.pk, 0)
                row.below += counts.get(v.pk, 0) < minimum
        result.rows.append(row)
    done = _closed_in(subtree, year)
    result.appointed = done.get(ReserveState.APPOINTED, 0)
    result.dropped = done.get(ReserveState.DROPPED, 0)
    people = list(with_person(pool).values_list("birth", "edu"))
    total = len(people)
    ceiling = rule["reserve.max_age"]
    ages = {"u30": 0, "30_34": 0, "35_ceiling": 0, "over": 0}
    below = set(educations_below(rule["reserve.min_education"])) | {""}
    edus = {"below": 0, "senior": 0, "college": 0, "bachelor": 0}
    for birth, edu in people:
        age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day)) if birth else 0
        ages["u30" if age < 30 else "30_34" if age < 35 else "35_ceiling" if age < ceiling else "over"] += 1
        band = "below" if edu in below else next((k for k, v in EDUCATION_OF_BAND.items() if edu in v), "below")
        edus[band] += 1
    labels = dict(AGE_BANDS)
    labels["over"] = _("At or above the ceiling")
    result.ages = [(k, labels[k], n, _share(n, total)) for k, n in ages.items()]
    elabels = dict(EDUCATION_BANDS)
    result.educations = [(k, elabels[k], n, _share(n, total)) for k, n in edus.items()]
    return result


def _closed_in(subtree, year: int) -> dict[str, int]:
    """Cadres appointed and dropped during ``year`` (one query)."""
    return subtree.aggregate(
        **{
            ReserveState.APPOINTED: Count("id", filter=Q(state=ReserveState.APPOINTED, appointed_on__year=year)),
            ReserveState.DROPPED: Count("id", filter=Q(state=ReserveState.DROPPED, dropped_on__year=year)),
        }
    )


def assessments_of(cadre):
    return cadre.assessments.order_by("-year", "-id")


def training_of(cadre, start: dt.date | None = None):
    """The sessions a member cadre attended (since selection by default); none for a non-member."""
    if not cadre.member_id:
        return []
    return list(training_queries.member_training(cadre.member, start or cadre.selected_on)[:100])


def history_of(cadre):
    """The audit events of ``cadre``, newest first: its history."""
    events = AuditEvent.objects.filter(object_type=ReserveCadre.audit_type, object_id=str(cadre.pk)).order_by("-id")
    return [(e, action_label(e.action)) for e in events[:50]]

"""Synthetic party members: plausible names, ages, ID numbers and histories for a population profile.

Every value comes from the ``random.Random`` handed in, and every date is computed from
:data:`REFERENCE_DATE`, so the same seed always yields the same people.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from dangjian.core import idnumber
from dangjian.demo import names
from dangjian.members.models import years_before, years_between

# History (births, admissions, full membership, leaving) is anchored here, never to "today".
REFERENCE_DATE = dt.date(2026, 6, 30)

OLD, MID, YOUNG = "old", "mid", "young"


@dataclass(frozen=True)
class Profile:
    """How the members of one kind of organization are distributed."""

    male: float  # share of men
    ages: tuple[tuple[float, int, int], ...]  # (weight, youngest, oldest) age bands on REFERENCE_DATE
    join: tuple[float, float, float]  # age at admission: (low, high, mode) of a triangular draw
    probationary: float  # share of probationary members
    mobile: float  # share of mobile members among those under 60
    hardship_old: float  # share in hardship among those 60 and over
    hardship: float  # share in hardship below 60
    post: float  # share holding a post, among members who are not leaders
    education: dict[str, tuple[tuple[str, int], ...]]  # by cohort: old (60+), mid (40-59), young
    occupation: str  # the usual occupation (national party statistics categories)
    leader_ages: tuple[int, int] = (30, 58)


def _edu(spec: str) -> tuple[tuple[str, int], ...]:
    pairs = (item.split(":") for item in spec.split())
    return tuple((name, int(weight)) for name, weight in pairs)


PROFILES: dict[str, Profile] = {
    "rural": Profile(
        male=0.70,
        ages=((0.12, 22, 35), (0.28, 36, 55), (0.42, 56, 80), (0.18, 81, 95)),
        join=(19, 48, 27),
        probationary=0.047,
        mobile=0.16,
        hardship_old=0.07,
        hardship=0.01,
        post=0.09,
        education={
            OLD: _edu("primary:45 junior:40 senior:12 vocational:2 college:1"),
            MID: _edu("primary:12 junior:50 senior:25 vocational:6 college:6 bachelor:1"),
            YOUNG: _edu("junior:20 senior:25 vocational:15 college:25 bachelor:15"),
        },
        occupation="农牧渔民",
        leader_ages=(33, 62),
    ),
    "community": Profile(
        male=0.50,
        ages=((0.20, 24, 40), (0.25, 41, 60), (0.42, 61, 82), (0.13, 83, 95)),
        join=(19, 40, 25),
        probationary=0.05,
        mobile=0.04,
        hardship_old=0.04,
        hardship=0.01,
        post=0.12,
        education={
            OLD: _edu("primary:15 junior:35 senior:30 vocational:8 college:8 bachelor:4"),
            MID: _edu("junior:15 senior:30 vocational:10 college:25 bachelor:20"),
            YOUNG: _edu("senior:8 vocational:7 college:30 bachelor:50 master:5"),
        },
        occupation="其他职业人员",
    ),
    "agency": Profile(
        male=0.62,
        ages=((0.45, 23, 40), (0.55, 41, 60)),
        join=(19, 32, 21),
        probationary=0.05,
        mobile=0.0,
        hardship_old=0.0,
        hardship=0.003,
        post=0.16,
        education={
            MID: _edu("college:25 bachelor:60 master:15"),
            YOUNG: _edu("college:5 bachelor:70 master:24 doctor:1"),
        },
        occupation="党政机关工作人员",
    ),
    "retired": Profile(
        male=0.62,
        ages=((0.6, 61, 78), (0.4, 79, 95)),
        join=(19, 38, 24),
        probationary=0.0,
        mobile=0.0,
        hardship_old=0.03,
        hardship=0.0,
        post=0.05,
        education={OLD: _edu("primary:8 junior:20 senior:30 vocational:12 college:18 bachelor:12")},
        occupation="离退休人员",
        leader_ages=(61, 72),
    ),
    "institution": Profile(
        male=0.40,
        ages=((0.55, 23, 40), (0.45, 41, 60)),
        join=(19, 35, 22),
        probationary=0.05,
        mobile=0.0,
        hardship_old=0.0,
        hardship=0.003,
        post=0.12,
        education={
            MID: _edu("vocational:10 college:30 bachelor:50 master:10"),
            YOUNG: _edu("college:20 bachelor:55 master:23 doctor:2"),
        },
        occupation="专业技术人员",
    ),
    "school": Profile(
        male=0.42,
        ages=((0.5, 22, 40), (0.5, 41, 60)),
        join=(19, 35, 21),
        probationary=0.06,
        mobile=0.0,
        hardship_old=0.0,
        hardship=0.003,
        post=0.12,
        education={
            MID: _edu("college:30 bachelor:65 master:5"),
            YOUNG: _edu("college:10 bachelor:75 master:15"),
        },
        occupation="专业技术人员",
    ),
    "state_enterprise": Profile(
        male=0.68,
        ages=((0.45, 23, 40), (0.55, 41, 60)),
        join=(19, 38, 24),
        probationary=0.05,
        mobile=0.01,
        hardship_old=0.0,
        hardship=0.005,
        post=0.14,
        education={
            MID: _edu("senior:15 vocational:15 college:35 bachelor:33 master:2"),
            YOUNG: _edu("vocational:10 college:30 bachelor:55 master:5"),
        },
        occupation="工人",
    ),
    "private_enterprise": Profile(
        male=0.66,
        ages=((0.6, 22, 40), (0.4, 41, 60)),
        join=(19, 40, 25),
        probationary=0.08,
        mobile=0.02,
        hardship_old=0.0,
        hardship=0.005,
        post=0.10,
        education={
            MID: _edu("junior:10 senior:25 vocational:20 college:30 bachelor:15"),
            YOUNG: _edu("senior:10 vocational:20 college:35 bachelor:33 master:2"),
        },
        occupation="工人",
    ),
    "social_org": Profile(
        male=0.55,
        ages=((0.45, 24, 40), (0.45, 41, 62), (0.10, 63, 75)),
        join=(19, 40, 24),
        probationary=0.06,
        mobile=0.01,
        hardship_old=0.01,
        hardship=0.005,
        post=0.10,
        education={
            OLD: _edu("senior:30 college:40 bachelor:30"),
            MID: _edu("senior:15 college:35 bachelor:45 master:5"),
            YOUNG: _edu("college:30 bachelor:60 master:10"),
        },
        occupation="专业技术人员",
    ),
    "business": Profile(
        male=0.55,
        ages=((0.5, 22, 40), (0.5, 41, 62)),
        join=(19, 40, 26),
        probationary=0.07,
        mobile=0.02,
        hardship_old=0.01,
        hardship=0.005,
        post=0.10,
        education={
            OLD: _edu("junior:30 senior:40 college:30"),
            MID: _edu("junior:15 senior:35 vocational:15 college:25 bachelor:10"),
            YOUNG: _edu("senior:20 vocational:20 college:35 bachelor:25"),
        },
        occupation="其他职业人员",
    ),
}

PHONE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 155 156 157 158 159 166 177 180 181 182 183 185 "
    "186 187 188 189 199"
).split()


def _weighted(pairs):
    values = [v for v, _w in pairs]
    cumulative = []
    total = 0
    for _v, w in pairs:
        total += w
        cumulative.append(total)
    return values, cumulative


SURNAMES = _weighted(names.SURNAMES)
ETHNICITIES = _weighted(names.ETHNICITIES)
DESTINATIONS = _weighted(names.DESTINATIONS)


@dataclass
class Person:
    """One generated member: the model fields plus the plaintext secrets and the standing history."""

    name: str
    gender: str
    birth_date: dt.date
    id_number: str
    phone: str
    ethnicity: str
    education: str
    occupation: str
    joined_on: dt.date
    full_member_on: dt.date | None
    status: str
    mobile: bool = False
    mobile_destination: str = ""
    in_hardship: bool = False
    holds_post: bool = False
    left_on: dt.date | None = None
    history: list[tuple[str, dt.date, str]] = field(default_factory=list)  # (kind, on, note)


class PersonFactory:
    """Draws people for a district: ID numbers carry its region prefix and are all distinct."""

    def __init__(self, rng: random.Random, region: str):
        self.rng = rng
        self.region = region
        self._sequence: dict[tuple[dt.date, str], int] = {}

    # --- Small draws ------------------------------------------------------------------------
    def _pick(self, weighted) -> str:
        values, cumulative = weighted
        return self.rng.choices(values, cum_weights=cumulative)[0]

    def _given(self, gender: str, year: int) -> str:
        rng = self.rng
        male = gender == "male"
        if year <= 1955:
            pool, single, mix = (names.GIVEN_OLD_MALE if male else names.GIVEN_OLD_FEMALE), 0.08, 0.3
        elif year <= 1975:
            pool, single, mix = (names.GIVEN_MID_MALE if male else names.GIVEN_MID_FEMALE), 0.15, 0.4
        elif year <= 1995:
            pool, single, mix = (names.GIVEN_YOUNG_MALE if male else names.GIVEN_YOUNG_FEMALE), 0.35, 0.4
        else:
            pool, single, mix = (names.GIVEN_NEW_MALE if male else names.GIVEN_NEW_FEMALE), 0.12, 0.0
        if rng.random() < single:
            return rng.choice(names.SINGLE_MALE if male else names.SINGLE_FEMALE)
        if rng.random() < mix:  # the first character of a name of the cohort with a common second one
            first, second = rng.choice(pool)[0], rng.choice(names.SECOND_MALE if male else names.SECOND_FEMALE)
            if first != second:
                return first + second
        return rng.choice(pool)

    def name(self, gender: str, year: int) -> str:
        return self._pick(SURNAMES) + self._given(gender, year)

    def _birth(self, age_lo: int, age_hi: int) -> dt.date:
        age = self.rng.randint(age_lo, age_hi)
        return years_before(REFERENCE_DATE, age) - dt.timedelta(days=self.rng.randint(0, 364))

    def _age_band(self, profile: Profile) -> tuple[int, int]:
        r = self.rng.random() * sum(w for w, _lo, _hi in profile.ages)
        for weight, lo, hi in profile.ages:
            r -= weight
            if r <= 0:
                return lo, hi
        return profile.ages[-1][1], profile.ages[-1][2]

    def id_number(self, birth: dt.date, gender: str) -> str:
        """A valid ID number; never the same twice in one district (500 per birth date and gender)."""
        while True:
            seq = self._sequence.get((birth, gender), 0)
            if seq < 500:
                self._sequence[(birth, gender)] = seq + 1
                return idnumber.make(self.region, birth, seq, gender)
            birth -= dt.timedelta(days=1)  # pragma: no cover - needs 500 people born the same day

    def phone(self, age: int) -> str:
        if self.rng.random() > (0.97 if age < 70 else 0.75):
            return ""
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def education(self, profile: Profile, age: int) -> str:
        cohort = OLD if age >= 60 else MID if age >= 40 else YOUNG
        table = profile.education
        options = table.get(cohort) or table.get(MID) or next(iter(table.values()))
        return self._pick(_weighted(options))

    # --- A person ---------------------------------------------------------------------------
    def person(
        self,
        profile: Profile,
        *,
        status: str,
        leader: bool = False,
        left: bool = False,
        name: str = "",
        gender: str = "",
        age: tuple[int, int] | None = None,
    ) -> Person:
        rng = self.rng
        gender = gender or (
            "male" if rng.random() < (min(0.85, profile.male + 0.1) if leader else profile.male) else "female"
        )
        if age is None:
            if leader:
                age = profile.leader_ages
            elif status == "probationary":
                age = (20, 45 if profile is PROFILES["rural"] else 38)
            else:
                age = self._age_band(profile)
        birth = self._birth(*age)
        years = years_between(birth, REFERENCE_DATE)
        history: list[tuple[str, dt.date, str]] = []

        if status == "probationary":
            joined = REFERENCE_DATE - dt.timedelta(days=rng.randint(0, 330))
            full_on = None
        else:
            low, high, mode = profile.join
            join_age = rng.triangular(low, high, mode)
            join_age = max(18.1, min(join_age, years - 1.2))
            joined = birth + dt.timedelta(days=int(join_age * 365.25))
            full_on = years_before(joined, -1)
            if rng.random() < 0.01 and years_before(joined, -2) <= REFERENCE_DATE:
                history.append(("probation_extended", full_on, "预备期延长一年"))
                full_on = years_before(joined, -2)
        history.insert(0, ("joined", joined, ""))
        if full_on:
            history.append(("became_full", full_on, ""))

        education = self.education(profile, years)
        if leader and education in {"primary", "junior"}:
            education = "senior"
        occupation = profile.occupation
        if years >= 60 and profile.occupation not in {"农牧渔民", "离退休人员"}:
            occupation = "离退休人员"
        elif profile is PROFILES["rural"] and rng.random() < 0.04:
            occupation = rng.choice(["其他职业人员", "工人", "离退休人员"])
        elif profile.occupation == "工人" and education in {"bachelor", "master"} and rng.random() < 0.5:
            occupation = "企事业单位管理人员"

        mobile = not leader and years < 60 and rng.random() < profile.mobile
        destination = ""
        if mobile:
            reasons = [
                *names.MOBILE_REASONS,
                *(["求学"] if years < 30 else []),
                *(["随子女居住"] if years >= 50 else []),
            ]
            destination = f"{self._pick(DESTINATIONS)}，{rng.choice(reasons)}"
            if profile.occupation == "农牧渔民":
                occupation = rng.choice(["工人", "工人", "其他职业人员"])
        hardship = rng.random() < (profile.hardship_old if years >= 60 else profile.hardship)

        left_on = None
        if left:
            earliest = (full_on or joined) + dt.timedelta(days=30)
            left_on = max(earliest, REFERENCE_DATE - dt.timedelta(days=rng.randint(30, 3 * 365)))
            if left_on <= REFERENCE_DATE:
                if years >= 72:
                    history.append(("died", left_on, "病故"))
                elif rng.random() < 0.85:
                    history.append(("transferred_out", left_on, f"组织关系转出至{self._pick(DESTINATIONS)}"))
                else:
                    history.append(("left", left_on, "自行脱党，予以除名"))
            else:
                left_on = None

        return Person(
            name=name or self.name(gender, birth.year),
            gender=gender,
            birth_date=birth,
            id_number=self.id_number(birth, gender),
            phone=self.phone(years),
            ethnicity=self._pick(ETHNICITIES),
            education=education,
            occupation=occupation,
            joined_on=joined,
            full_member_on=full_on,
            status=status,
            mobile=mobile,
            mobile_destination=destination,
            in_hardship=hardship and not leader,
            holds_post=leader or (left_on is None and not mobile and rng.random() < profile.post),
            left_on=left_on,
            history=history,
        )

"""The plan of the demo tree: which organizations exist, where, and how many members each holds.

Planning is pure Python (no database): :func:`plan_demo` returns :class:`OrgSpec` nodes in path
order, with their member quotas, terms of office and units. :mod:`dangjian.demo.build` writes them.

Dates: establishment and dissolution dates derive from :data:`REFERENCE_DATE`; terms of office
derive from the ``today`` handed in (the build passes ``timezone.localdate()``), because the
term warnings compare with the real today and the demo should always show a few ended and a few
ending terms, whenever it is built.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field, replace
from typing import Any

from dangjian.core import tree
from dangjian.demo import names
from dangjian.demo.people import PROFILES, REFERENCE_DATE
from dangjian.members.models import years_before
from dangjian.organizations.models import Level, Sector

COMMITTEE, WORKING, GENERAL, BRANCH = Level.COMMITTEE, Level.WORKING_COMMITTEE, Level.GENERAL_BRANCH, Level.BRANCH
NUMERALS = "一二三四五六七八九十"
SHOPS = ["商行", "超市", "餐馆", "药店", "五金店"]


@dataclass(frozen=True)
class Scale:
    """How big the demo is. A city is ``districts`` county-sized districts under a city committee."""

    name: str
    districts: int
    townships: int
    streets: int
    villages: int
    communities: int
    agencies: int
    retired: int
    hospitals: int
    high_schools: int
    urban_schools: int
    rural_schools: tuple[int, int]  # schools with their own branch, per township (min, max)
    state_enterprises: int
    private_enterprises: int
    social_orgs: int
    business: int
    park: int
    village_median: int = 80
    community_median: int = 72
    size_factor: float = 1.0  # multiplies the sizes of agencies, schools, enterprises...
    compact: bool = False  # one size class smaller: committees become general branches


COUNTY = Scale(
    name="county",
    districts=1,
    townships=11,
    streets=4,
    villages=300,
    communities=60,
    agencies=44,
    retired=3,
    hospitals=10,
    high_schools=5,
    urban_schools=16,
    rural_schools=(1, 2),
    state_enterprises=14,
    private_enterprises=115,
    social_orgs=32,
    business=30,
    park=52,
)
SCALES: dict[str, Scale] = {
    "small": Scale(
        name="small",
        districts=1,
        townships=2,
        streets=1,
        villages=10,
        communities=3,
        agencies=3,
        retired=1,
        hospitals=1,
        high_schools=1,
        urban_schools=1,
        rural_schools=(0, 1),
        state_enterprises=1,
        private_enterprises=4,
        social_orgs=3,
        business=2,
        park=2,
        village_median=38,
        community_median=38,
        size_factor=0.5,
        compact=True,
    ),
    "county": COUNTY,
    "city": replace(COUNTY, name="city", districts=10),
}

# The first township of the first district shows every data-quality warning once, on purpose:
# its first village branch is the demo secretary's, and the next two and a cooperative misbehave.
SHOWCASE_VILLAGES: list[dict[str, Any]] = [
    {"special": "demo_branch", "full": 22, "probationary": 1, "left": 1, "committee": True, "term": "normal"},
    {"full": 62, "probationary": 2, "left": 1, "committee": True, "term": "ended"},  # split, term ended
    {"full": 13, "probationary": 1, "left": 0, "committee": False, "term": "ending"},  # committee, ending
]
SHOWCASE_TINY = {"full": 2, "probationary": 1, "left": 0, "committee": False, "term": "normal"}  # joint

ESTABLISHED = {  # sector: (first year, last year)
    Sector.RURAL: (1950, 1990),
    Sector.COMMUNITY: (1998, 2018),
    Sector.AGENCY: (1978, 2008),
    Sector.INSTITUTION: (1980, 2012),
    Sector.SCHOOL: (1982, 2014),
    Sector.STATE_ENTERPRISE: (1995, 2016),
    Sector.PRIVATE_ENTERPRISE: (2008, 2024),
    Sector.SOCIAL_ORG: (2012, 2024),
    Sector.BUSINESS_DISTRICT: (2012, 2022),
    Sector.INDUSTRIAL_PARK: (2009, 2020),
}

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_code(rng: random.Random, prefix: str, region: str) -> str:
    """A unified social credit code (GB 32100) with a valid organization-code check (GB 11714)."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    check = 11 - sum(int(c) * w for c, w in zip(body, ORG_CODE_WEIGHTS, strict=True)) % 11
    first17 = prefix + region + body + ("X" if check == 10 else "0" if check == 11 else str(check))
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return first17 + CREDIT_CHARS[(31 - total % 31) % 31]


@dataclass(eq=False)
class UnitSpec:
    name: str
    kind: str
    credit_code: str = ""
    pk: int | None = None


@dataclass(eq=False)
class OrgSpec:
    """One planned organization and the quota of members placed directly in it."""

    code: str
    name: str
    level: str
    sector: str
    path: str
    parent: OrgSpec | None
    region: str
    profile: str = ""
    full: int = 0  # current full members directly in it
    probationary: int = 0
    left: int = 0  # members who have left (kept on record, with left_on)
    leaders: int | None = None  # how many of its full members hold a leading post
    has_committee: bool | None = None
    term: str = ""  # forced term state: "normal", "ended", "ending" or "none"
    term_starts_on: dt.date | None = None
    term_ends_on: dt.date | None = None
    established_on: dt.date | None = None
    dissolved_on: dt.date | None = None
    dissolve: bool = False
    units: list[UnitSpec] = field(default_factory=list)
    children: list[OrgSpec] = field(default_factory=list)
    secretary_source: OrgSpec | None = None  # where a committee's secretary holds membership
    special: str = ""  # "demo_branch", "township" (the demo township)
    index: int = 0
    end: int = 0  # index one past the last organization of its subtree
    # Filled in while writing.
    pk: int | None = None
    leader_ids: list[int] = field(default_factory=list)
    secretary_id: int | None = None
    seats: list[Any] = field(default_factory=list)  # (person, started_on, ended_on) on its committee

    @property
    def size(self) -> int:
        return self.full + self.probationary + self.left


@dataclass
class Plan:
    scale: Scale
    seed: int
    today: dt.date
    orgs: list[OrgSpec]
    units: list[UnitSpec]
    root: OrgSpec
    township: OrgSpec  # where the demo "town" organizer works
    branch: OrgSpec  # the demo secretary's village branch
    demo_member_id: int | None = None  # 张强 in that branch, once written
    # Filled while writing the members: organization index → what its meetings need of its members.
    people: dict[int, list[Any]] = field(default_factory=dict)
    # Party groups written before the meetings, with their members in ``people`` under the group's
    # ``index``: they hold group meetings (demo.orglife.Writer.group).
    groups: list[OrgSpec] = field(default_factory=list)

    @property
    def member_count(self) -> int:
        return sum(o.size for o in self.orgs)


class Planner:
    def __init__(self, scale: Scale, seed: int, today: dt.date):
        self.scale = scale
        self.today = today
        self.rng = random.Random(f"dangjian-demo:{seed}:tree")
        self.roots: list[OrgSpec] = []
        self.orgs: list[OrgSpec] = []
        self.units: list[UnitSpec] = []
        self.firm_names: set[str] = set()
        self.showcase: OrgSpec | None = None
        self.district = ""
        self.region = ""

    # --- Helpers --------------------------------------------------------------------------------
    def local(self, name: str) -> str:
        """``区财政局`` → ``安澜区财政局``."""
        name = name.replace("{d}", self.district)
        return self.district + name[1:] if name.startswith("区") else name

    def short(self) -> str:
        return self.district[:-1]

    def people(self, low: int, high: int) -> int:
        """A group size between ``low`` and ``high``, shrunk by the scale's size factor."""
        return max(min(low, 3), round(self.rng.randint(low, high) * self.scale.size_factor))

    def size_class(self, size_class: str) -> str:
        return {"xl": "l", "l": "m"}.get(size_class, size_class) if self.scale.compact else size_class

    def lognormal(self, median: float, sigma: float, low: int, high: int) -> int:
        return round(min(high, max(low, median * math.exp(self.rng.gauss(0, sigma)))))

    def partition(self, total: int, parts: int, spread: float = 0.4) -> list[int]:
        """Split ``total`` into ``parts`` uneven shares (largest remainder)."""
        weights = [self.rng.uniform(1 - spread, 1 + spread) for _ in range(parts)]
        scale = total / sum(weights)
        shares = [int(w * scale) for w in weights]
        order = sorted(range(parts), key=lambda i: (shares[i] - weights[i] * scale, i))
        for i in order[: total - sum(shares)]:
            shares[i] += 1
        return shares

    def unit(self, name: str, kind: str, credit: str = "") -> UnitSpec:
        spec = UnitSpec(name=name, kind=kind, credit_code=credit_code(self.rng, credit, self.region) if credit else "")
        self.units.append(spec)
        return spec

    def firm(self, industries=names.INDUSTRIES) -> str:
        for _ in range(50):
            name = f"{self.short()}{self.rng.choice(names.FIRM_WORDS)}{self.rng.choice(industries)}有限公司"
            if name not in self.firm_names:
                break
        else:
            name = f"{self.short()}{self.rng.choice(names.FIRM_WORDS)}{len(self.firm_names)}有限公司"
        self.firm_names.add(name)
        return name

    def firm_unit(self) -> UnitSpec:
        return self.unit(self.firm(), "enterprise", "91")

    def add(
        self,
        parent: OrgSpec | None,
        name: str,
        level: str,
        sector: str,
        *,
        code: str = "",
        region: str = "",
        profile: str = "",
        size: int = 0,
        full: int | None = None,
        probationary: int | None = None,
        left: int | None = None,
        leaders: int | None = None,
        committee: bool | None = None,
        term: str = "",
        units: list[UnitSpec] | tuple = (),
        special: str = "",
        dissolve: bool = False,
        secretary_source: OrgSpec | None = None,
    ) -> OrgSpec:
        siblings = parent.children if parent else self.roots
        number = len(siblings) + 1
        spec = OrgSpec(
            code=code or f"{parent.code}-{number:03d}",
            name=name,
            level=level,
            sector=sector,
            path=(parent.path if parent else "") + tree.step(number),
            parent=parent,
            region=region or (parent.region if parent else self.region),
            profile=profile,
            leaders=leaders,
            has_committee=committee,
            term=term,
            units=list(units),
            special=special,
            dissolve=dissolve,
            secretary_source=secretary_source,
        )
        siblings.append(spec)
        self.orgs.append(spec)
        if full is not None:
            spec.full, spec.probationary, spec.left = full, probationary or 0, left or 0
        elif size and not dissolve:
            rate = PROFILES[profile].probationary
            draws = [self.rng.random() for _ in range(size)]
            spec.left = sum(1 for r in draws if r < 0.006)
            spec.probationary = sum(1 for r in draws if 0.006 <= r < 0.006 + rate)
            spec.full = size - spec.left - spec.probationary
        return spec

    def general_branch(
        self,
        parent: OrgSpec,
        name: str,
        sector: str,
        profile: str,
        total: int,
        branch_names: list[str],
        *,
        level: str = GENERAL,
        units=(),
        direct: bool | None = None,
    ) -> OrgSpec:
        """A general branch (or committee) with branches below it; a few members may sit in it directly."""
        if direct is None:
            direct = level == GENERAL and self.rng.random() < 0.6
        n_direct = self.rng.randint(2, 4) if direct else 0
        org = self.add(parent, name, level, sector, profile=profile, units=units)
        if n_direct:
            org.full, org.leaders = n_direct, n_direct
        shares = self.partition(total - n_direct, len(branch_names), spread=0.12)
        for branch_name, share in zip(branch_names, shares, strict=True):
            self.add(org, branch_name, BRANCH, sector, profile=profile, size=share)
        return org

    # --- The tree -------------------------------------------------------------------------------
    def district_tree(self, parent: OrgSpec | None, district: str, code: str, region: str) -> OrgSpec:
        s, rng = self.scale, self.rng
        self.district, self.region = district, region
        self.firm_names = set()
        root = self.add(parent, f"{district}委", COMMITTEE, Sector.AGENCY, code=code, region=region)

        # 1. District agencies under the working committee; 区委办公室 comes first, so the
        #    district committee's secretary holds membership there.
        agencies = self.add(root, f"{district}直机关工作委员会", WORKING, Sector.AGENCY)
        by_name: dict[str, OrgSpec] = {}
        for raw, size_class in names.AGENCIES[: s.agencies]:
            by_name[raw] = self.agency(agencies, self.local(raw), size_class)
        for i in range(s.retired):
            self.add(
                agencies,
                f"{district}直机关离退休干部第{NUMERALS[i]}党支部",
                BRANCH,
                Sector.AGENCY,
                profile="retired",
                size=self.people(35, 80),
            )

        # 2. Townships and streets with their villages and communities.
        township_names = rng.sample(names.TOWNSHIPS, s.townships)
        street_names = rng.sample(names.STREETS, s.streets)
        street_villages = round(s.villages * 0.05) if s.streets else 0
        per_township = self.partition(s.villages - street_villages, s.townships)
        if self.showcase is None:
            per_township[0] = max(per_township[0], len(SHOWCASE_VILLAGES) + 1)
        per_street = self.partition(street_villages, s.streets) if s.streets else []
        seat_communities = max(1, round(s.communities * 0.1)) if s.streets else s.communities
        per_street_c = self.partition(s.communities - seat_communities, s.streets) if s.streets else []
        village_names = self.village_names(sum(per_township) + sum(per_street))
        community_names = self.community_names(s.communities)
        townships = []
        for i, name in enumerate(township_names):
            mine = [village_names.pop() for _ in range(per_township[i])]
            comms = [community_names.pop() for _ in range(seat_communities)] if i == 0 else []
            townships.append(self.township(root, name, mine, comms))
        for i, name in enumerate(street_names):
            mine_c = [community_names.pop() for _ in range(per_street_c[i])]
            mine_v = [village_names.pop() for _ in range(per_street[i])]
            self.street(root, name, mine_c, mine_v)

        # 3. Sector systems.
        self.education(root, township_names, townships)
        self.health(root)
        self.state_enterprises(root)
        self.private_enterprises(root, by_name.get("区工商业联合会") or by_name.get("区市场监督管理局"))
        self.social_orgs(root, by_name.get("区民政局"))
        self.business_district(root)
        self.industrial_park(root)
        return root

    def agency(self, parent: OrgSpec, name: str, size_class: str) -> OrgSpec:
        rng = self.rng
        size_class = self.size_class(size_class)
        unit = [self.unit(name, "agency", "11")]
        if size_class == "xl":  # 公安分局: a committee with the stations' branches
            org = self.add(parent, f"{name}党委", COMMITTEE, Sector.AGENCY, units=unit)
            self.add(org, f"{name}机关党支部", BRANCH, Sector.AGENCY, profile="agency", size=self.people(25, 45))
            stations = names.POLICE_STATIONS[: max(2, min(len(names.POLICE_STATIONS), self.scale.townships + 3))]
            for station in stations:
                suffix = "" if station.endswith("队") else "派出所"
                self.add(
                    org,
                    f"{name}{station}{suffix}党支部",
                    BRANCH,
                    Sector.AGENCY,
                    profile="agency",
                    size=self.people(9, 30),
                )
            return org
        if size_class == "l":
            k = rng.randint(2, 3)
            return self.general_branch(
                parent,
                f"{name}机关党总支",
                Sector.AGENCY,
                "agency",
                self.people(50, 100),
                [f"{name}机关第{NUMERALS[i]}党支部" for i in range(k)],
                units=unit,
            )
        size = self.people(20, 45) if size_class == "m" else self.people(8, 20)
        leaders = 6 if name.endswith(("区委办公室", "区委组织部")) else None
        return self.add(
            parent, f"{name}机关党支部", BRANCH, Sector.AGENCY, profile="agency", size=size, leaders=leaders, units=unit
        )

    def agency_branch(self, org: OrgSpec, name: str, low: int, high: int, *, unit: str = "") -> OrgSpec:
        """The branch of the organ ``name`` (机关党支部) under ``org``: six leaders, ``low`` to ``high``
        members, and its agency unit (``unit``, or the organ's own name)."""
        size = self.people(low, high)
        return self.add(
            org,
            f"{name}机关党支部",
            BRANCH,
            Sector.AGENCY,
            profile="agency",
            size=size,
            leaders=6,
            units=[self.unit(unit or name, "agency", "11")],
        )

    def village_names(self, count: int) -> list[str]:
        rng, chosen, seen = self.rng, [], set()
        surnames = [s for s, _w in names.SURNAMES[:60] if len(s) == 1]
        while len(chosen) < count:
            r = rng.random()
            if r < 0.45:
                stem = rng.choice(surnames) + rng.choice(names.VILLAGE_SUFFIX)
            elif r < 0.7:
                stem = rng.choice(names.VILLAGE_PREFIX) + rng.choice(surnames) + rng.choice(names.VILLAGE_SUFFIX)
            else:
                stem = rng.choice(names.VILLAGE_NATURE) + rng.choice(names.VILLAGE_SUFFIX)
            name = stem + "村"
            if name not in seen:
                seen.add(name)
                chosen.append(name)
        return chosen[::-1]  # popped from the end: keep the draw order

    def community_names(self, count: int) -> list[str]:
        rng, chosen, seen = self.rng, [], set()
        words = list(names.COMMUNITY_WORDS)
        while len(chosen) < count:
            word = rng.choice(words)
            if word in seen or (len(seen) > len(words) * 0.7 and rng.random() < 0.5):
                word = word + rng.choice(names.COMPASS)
            if word not in seen:
                seen.add(word)
                chosen.append(word + "社区")
        return chosen[::-1]

    def township(self, root: OrgSpec, name: str, villages: list[str], communities: list[str]) -> OrgSpec:
        rng = self.rng
        showcase = self.showcase is None
        org = self.add(root, f"{name}党委", COMMITTEE, Sector.RURAL, special="township" if showcase else "")
        if showcase:
            self.showcase = org
        self.agency_branch(org, name, 18, 42, unit=f"{name}人民政府")
        self.add(
            org,
            f"{name}卫生院党支部",
            BRANCH,
            Sector.INSTITUTION,
            profile="institution",
            size=self.people(5, 16),
            units=[self.unit(f"{name}卫生院", "institution", "12")],
        )
        for i, village in enumerate(villages):
            self.village(org, village, SHOWCASE_VILLAGES[i] if showcase and i < len(SHOWCASE_VILLAGES) else None)
        for community in communities:
            self.community(org, community)
        coop = f"{name}{rng.choice(names.FIRM_WORDS)}{rng.choice(names.COOPERATIVES)}专业合作社"
        forced = SHOWCASE_TINY if showcase else {"size": rng.randint(3, 7)}
        self.add(
            org,
            f"{coop}党支部",
            BRANCH,
            Sector.RURAL,
            profile="rural",
            units=[self.unit(coop, "other", "93")],
            **forced,
        )
        self.add(
            org,
            f"{name}非公企业联合党支部",
            BRANCH,
            Sector.PRIVATE_ENTERPRISE,
            profile="private_enterprise",
            size=self.people(4, 12),
            units=[self.firm_unit() for _ in range(rng.randint(2, 4))],
        )
        return org

    def village(self, parent: OrgSpec, name: str, force: dict[str, Any] | None = None) -> OrgSpec:
        rng = self.rng
        unit = [self.unit(f"{name}村民委员会", "village")]
        if force:
            return self.add(parent, f"{name}党支部", BRANCH, Sector.RURAL, profile="rural", units=unit, **force)
        total = self.lognormal(self.scale.village_median, 0.5, 12, 260)
        if total >= 170 and rng.random() < 0.5:
            k = math.ceil(total / 42)
            return self.general_branch(
                parent,
                f"{name}党委",
                Sector.RURAL,
                "rural",
                total,
                [f"{name}第{NUMERALS[i]}党支部" for i in range(k)],
                level=COMMITTEE,
                units=unit,
            )
        if total > 50 and (total > 90 or rng.random() < 0.85):
            k = max(2, min(6, math.ceil(total / 47)))
            return self.general_branch(
                parent,
                f"{name}党总支",
                Sector.RURAL,
                "rural",
                total,
                [f"{name}第{NUMERALS[i]}党支部" for i in range(k)],
                units=unit,
            )
        return self.add(parent, f"{name}党支部", BRANCH, Sector.RURAL, profile="rural", size=total, units=unit)

    def community(self, parent: OrgSpec, name: str) -> OrgSpec:
        rng = self.rng
        unit = [self.unit(f"{name}居民委员会", "community")]
        total = self.lognormal(self.scale.community_median, 0.55, 12, 320)
        if total >= 130:
            k = min(8, math.ceil(total / 42))
            estates = rng.sample(names.RESIDENTIAL, k)
            labels = [
                f"{name}{e}小区党支部" if rng.random() < 0.6 else f"{name}第{NUMERALS[i]}网格党支部"
                for i, e in enumerate(estates)
            ]
            return self.general_branch(
                parent, f"{name}党委", Sector.COMMUNITY, "community", total, labels, level=COMMITTEE, units=unit
            )
        if total > 50 and (total > 90 or rng.random() < 0.8):
            k = max(2, min(4, math.ceil(total / 42)))
            labels = [f"{name}第{NUMERALS[i]}党支部" for i in range(k)]
            return self.general_branch(
                parent, f"{name}党总支", Sector.COMMUNITY, "community", total, labels, units=unit
            )
        return self.add(parent, f"{name}党支部", BRANCH, Sector.COMMUNITY, profile="community", size=total, units=unit)

    def street(self, root: OrgSpec, name: str, communities: list[str], villages: list[str]) -> OrgSpec:
        rng = self.rng
        working = rng.random() < 0.75
        org = self.add(
            root, f"{name}党工委" if working else f"{name}党委", WORKING if working else COMMITTEE, Sector.COMMUNITY
        )
        self.agency_branch(org, f"{name}办事处", 15, 35, unit=f"{self.district}{name}办事处")
        for community in communities:
            self.community(org, community)
        for village in villages:
            self.village(org, village)
        self.add(
            org,
            f"{name}社会组织联合党支部",
            BRANCH,
            Sector.SOCIAL_ORG,
            profile="social_org",
            size=self.people(4, 10),
            units=[
                self.unit(f"{name}{rng.choice(names.FIRM_WORDS)}{kind}", "social_org", "52")
                for kind in rng.sample(names.SOCIAL_SERVICE, rng.randint(2, 3))
            ],
        )
        return org

    def education(self, root: OrgSpec, township_names: list[str], townships: list[OrgSpec]) -> None:
        s, rng, d = self.scale, self.rng, self.district
        org = self.add(root, f"{d}委教育工作委员会", WORKING, Sector.SCHOOL)
        self.agency_branch(org, f"{d}教育局", 20, 40)
        for i, raw in enumerate(names.HIGH_SCHOOLS[: s.high_schools]):
            school = self.local(raw)
            unit = [self.unit(school, "school", "12")]
            if i == 0 and not s.compact:
                self.general_branch(
                    org,
                    f"{school}党委",
                    Sector.SCHOOL,
                    "school",
                    self.people(100, 160),
                    [f"{school}{b}党支部" for b in names.HIGH_SCHOOL_BRANCHES],
                    level=COMMITTEE,
                    units=unit,
                )
            else:
                branches = rng.sample(names.HIGH_SCHOOL_BRANCHES, 3)
                self.general_branch(
                    org,
                    f"{school}党总支",
                    Sector.SCHOOL,
                    "school",
                    self.people(45, 95),
                    [f"{school}{b}党支部" for b in branches],
                    units=unit,
                )
        for raw in names.URBAN_SCHOOLS[: s.urban_schools]:
            school = self.local(raw)
            self.add(
                org,
                f"{school}党支部",
                BRANCH,
                Sector.SCHOOL,
                profile="school",
                size=self.people(10, 40),
                units=[self.unit(school, "school", "12")],
            )
        for name, township in zip(township_names, townships, strict=True):
            kinds = ["中心学校", "第一初级中学", "第二初级中学", "中心幼儿园"][: rng.randint(*s.rural_schools)]
            for kind in kinds:
                school = f"{name}{kind}"
                self.add(
                    org,
                    f"{school}党支部",
                    BRANCH,
                    Sector.SCHOOL,
                    profile="school",
                    size=self.people(6, 28),
                    units=[self.unit(school, "school", "12")],
                )
            villages = [
                u.name.removesuffix("村民委员会") for c in township.children for u in c.units if u.kind == "village"
            ]
            if len(villages) >= 3 and s.rural_schools[1] > 1:
                small = rng.sample(villages, min(len(villages), rng.randint(3, 5)))
                self.add(
                    org,
                    f"{name}村小联合党支部",
                    BRANCH,
                    Sector.SCHOOL,
                    profile="school",
                    size=self.people(4, 12),
                    units=[self.unit(f"{v}小学", "school", "12") for v in small],
                )

    def health(self, root: OrgSpec) -> None:
        rng, d = self.rng, self.district
        org = self.add(root, f"{d}卫生健康系统党委", COMMITTEE, Sector.INSTITUTION)
        self.agency_branch(org, f"{d}卫生健康委员会", 15, 30)
        for raw, size_class in names.HOSPITALS[: self.scale.hospitals]:
            name = self.local(raw)
            unit = [self.unit(name, "institution", "12")]
            size_class = self.size_class(size_class)
            if size_class == "xl":
                self.general_branch(
                    org,
                    f"{name}党委",
                    Sector.INSTITUTION,
                    "institution",
                    self.people(150, 240),
                    [f"{name}{b}党支部" for b in names.HOSPITAL_BRANCHES],
                    level=COMMITTEE,
                    units=unit,
                )
            elif size_class == "l":
                branches = rng.sample(names.HOSPITAL_BRANCHES[:-1], rng.randint(3, 4))
                self.general_branch(
                    org,
                    f"{name}党总支",
                    Sector.INSTITUTION,
                    "institution",
                    self.people(60, 110),
                    [f"{name}{b}党支部" for b in branches],
                    units=unit,
                )
            else:
                size = self.people(20, 45) if size_class == "m" else self.people(8, 20)
                self.add(org, f"{name}党支部", BRANCH, Sector.INSTITUTION, profile="institution", size=size, units=unit)

    def state_enterprises(self, root: OrgSpec) -> None:
        rng, d = self.rng, self.district
        org = self.add(root, f"{d}国资系统党委", COMMITTEE, Sector.STATE_ENTERPRISE)
        self.agency_branch(org, f"{d}国有资产监督管理局", 10, 20)
        for raw, size_class in names.STATE_ENTERPRISES[: self.scale.state_enterprises]:
            name = self.local(raw)
            unit = [self.unit(name, "enterprise", "91")]
            size_class = self.size_class(size_class)
            if size_class == "xl":
                branches = names.SOE_BRANCHES[: rng.randint(4, 6)]
                self.general_branch(
                    org,
                    f"{name}党委",
                    Sector.STATE_ENTERPRISE,
                    "state_enterprise",
                    self.people(120, 200),
                    [f"{name}{b}党支部" for b in branches],
                    level=COMMITTEE,
                    units=unit,
                )
            elif size_class == "l":
                self.general_branch(
                    org,
                    f"{name}党总支",
                    Sector.STATE_ENTERPRISE,
                    "state_enterprise",
                    self.people(55, 100),
                    [f"{name}{b}党支部" for b in rng.sample(names.SOE_BRANCHES, 3)],
                    units=unit,
                )
            else:
                size = self.people(20, 45) if size_class == "m" else self.people(8, 20)
                self.add(
                    org,
                    f"{name}党支部",
                    BRANCH,
                    Sector.STATE_ENTERPRISE,
                    profile="state_enterprise",
                    size=size,
                    units=unit,
                )

    def enterprise(
        self, parent: OrgSpec, sector: str, *, large: bool = False, median: int = 9, closed: bool = False
    ) -> OrgSpec:
        """One enterprise branch (or a general branch for a large one); a few closed down."""
        rng = self.rng
        unit = self.firm_unit()
        if large:
            return self.general_branch(
                parent,
                f"{unit.name}党总支",
                sector,
                "private_enterprise",
                self.people(50, 110),
                [f"{unit.name}{w}党支部" for w in rng.sample(names.WORKSHOPS, rng.randint(2, 3))],
                units=[unit],
            )
        r = rng.random()
        if r < 0.015 or closed:
            return self.add(parent, f"{unit.name}党支部", BRANCH, sector, units=[unit], dissolve=True, term="none")
        size = rng.randint(2, 4) if r < 0.13 else self.lognormal(median, 0.6, 3, 48)
        return self.add(
            parent, f"{unit.name}党支部", BRANCH, sector, profile="private_enterprise", size=size, units=[unit]
        )

    def private_enterprises(self, root: OrgSpec, source: OrgSpec | None) -> None:
        rng, d = self.rng, self.district
        org = self.add(root, f"{d}非公有制经济组织党委", COMMITTEE, Sector.PRIVATE_ENTERPRISE, secretary_source=source)
        n = self.scale.private_enterprises
        joint = max(1, n // 6)
        for i in range(n - joint):
            self.enterprise(org, Sector.PRIVATE_ENTERPRISE, large=i % 17 == 5, closed=i == n - joint - 1)
        for i in range(joint):
            self.add(
                org,
                f"{d}非公企业第{i + 1}联合党支部",
                BRANCH,
                Sector.PRIVATE_ENTERPRISE,
                profile="private_enterprise",
                size=self.people(4, 15),
                units=[self.firm_unit() for _ in range(rng.randint(2, 5))],
            )

    def social_orgs(self, root: OrgSpec, source: OrgSpec | None) -> None:
        rng, d = self.rng, self.district
        org = self.add(root, f"{d}社会组织党委", COMMITTEE, Sector.SOCIAL_ORG, secretary_source=source)
        n = self.scale.social_orgs
        first = True
        law = max(1, n // 8)
        for raw in names.SOCIAL_ORGS[: n - 2 * law]:
            name = self.local(raw)
            extra: dict[str, Any] = {"size": rng.randint(3, 12)}
            if first:  # nine full members and no committee: the "needs a committee" warning
                extra = {"full": 9, "probationary": 0, "left": 0, "committee": False}
                first = False
            self.add(
                org,
                f"{name}党支部",
                BRANCH,
                Sector.SOCIAL_ORG,
                profile="social_org",
                units=[self.unit(name, "social_org", "51")],
                **extra,
            )
        for i in range(law):
            firms = [
                self.unit(f"{self.short()}{rng.choice(names.FIRM_WORDS)}律师事务所", "social_org", "31")
                for _ in range(rng.randint(2, 6))
            ]
            self.add(
                org,
                f"{d}律师行业第{i + 1}联合党支部",
                BRANCH,
                Sector.SOCIAL_ORG,
                profile="social_org",
                size=self.people(5, 20),
                units=firms,
            )
            services = [
                self.unit(f"{self.short()}{rng.choice(names.FIRM_WORDS)}{kind}", "social_org", "52")
                for kind in rng.sample(names.SOCIAL_SERVICE, rng.randint(2, 4))
            ]
            self.add(
                org,
                f"{d}社会服务机构第{i + 1}联合党支部",
                BRANCH,
                Sector.SOCIAL_ORG,
                profile="social_org",
                size=rng.randint(3, 10),
                units=services,
            )

    def business_district(self, root: OrgSpec) -> None:
        rng, d = self.rng, self.district
        org = self.add(root, f"{d}商务中心区党工委", WORKING, Sector.BUSINESS_DISTRICT)
        self.agency_branch(org, f"{d}商务中心区管理委员会", 10, 22)
        n = self.scale.business
        for i in range(n):
            if i % 3 == 0:
                building = names.BUILDINGS[(i // 3) % len(names.BUILDINGS)]
                label = (
                    building if i // 3 < len(names.BUILDINGS) else f"{building}{i // 3 // len(names.BUILDINGS) + 1}期"
                )
                self.add(
                    org,
                    f"{self.short()}{label}楼宇联合党支部",
                    BRANCH,
                    Sector.BUSINESS_DISTRICT,
                    profile="business",
                    size=self.people(5, 25),
                    units=[self.firm_unit() for _ in range(rng.randint(3, 6))],
                )
            elif i % 3 == 1:
                market = names.MARKETS[(i // 3) % len(names.MARKETS)]
                suffix = "" if i // 3 < len(names.MARKETS) else f"{i // 3 // len(names.MARKETS) + 1}号"
                shops = [
                    self.unit(f"{self.short()}{rng.choice(names.FIRM_WORDS)}{rng.choice(SHOPS)}", "enterprise", "92")
                    for _ in range(rng.randint(2, 5))
                ]
                self.add(
                    org,
                    f"{self.short()}{market}{suffix}商户联合党支部",
                    BRANCH,
                    Sector.BUSINESS_DISTRICT,
                    profile="business",
                    size=self.people(4, 18),
                    units=shops,
                )
            else:
                self.enterprise(org, Sector.BUSINESS_DISTRICT, median=8)

    def industrial_park(self, root: OrgSpec) -> None:
        rng, d = self.rng, self.district
        org = self.add(root, f"{d}产业集聚区党工委", WORKING, Sector.INDUSTRIAL_PARK)
        self.agency_branch(org, f"{d}产业集聚区管理委员会", 12, 30)
        n = self.scale.park
        for i in range(n):
            if i % 12 == 3:
                self.add(
                    org,
                    f"{d}产业集聚区第{i // 12 + 1}企业联合党支部",
                    BRANCH,
                    Sector.INDUSTRIAL_PARK,
                    profile="private_enterprise",
                    size=self.people(4, 14),
                    units=[self.firm_unit() for _ in range(rng.randint(2, 4))],
                )
            elif i == 1 and n > 20:
                unit = self.firm_unit()
                self.general_branch(
                    org,
                    f"{unit.name}党委",
                    Sector.INDUSTRIAL_PARK,
                    "private_enterprise",
                    self.people(120, 180),
                    [f"{unit.name}{w}党支部" for w in names.WORKSHOPS],
                    level=COMMITTEE,
                    units=[unit],
                )
            else:
                self.enterprise(org, Sector.INDUSTRIAL_PARK, large=i % 9 == 7, median=14)

    # --- Dates, committees and leaders ---------------------------------------------------------------
    def finish(self) -> list[OrgSpec]:
        rng, today = self.rng, self.today
        orgs = sorted(self.orgs, key=lambda o: o.path)
        for i, org in enumerate(orgs):
            org.index = i
        for org in reversed(orgs):
            org.end = max([org.index + 1, *(c.end for c in org.children)])
        for org in orgs:
            if org.level == BRANCH:
                if org.has_committee is None:
                    chance = 0.96 if org.full >= 7 else 0.15 if org.full >= 5 else 0.0
                    org.has_committee = rng.random() < chance
            else:
                org.has_committee = True
            if org.leaders is None:
                org.leaders = 1 + (rng.randint(2, 4) if org.has_committee else rng.randint(0, 1)) if org.full else 0
            org.leaders = min(org.leaders, org.full)

            low, high = ESTABLISHED[org.sector]
            if org.parent is None or (org.parent.parent is None and org.level != BRANCH):
                low, high = 1983, 1992
            year = rng.randint(low, high)
            established = min(dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 364)), REFERENCE_DATE)
            if org.dissolve:
                org.dissolved_on = REFERENCE_DATE - dt.timedelta(days=rng.randint(60, 700))
                established = min(established, years_before(org.dissolved_on, 3))
                org.term = "none"

            state = org.term
            if not state:
                r = rng.random()
                state = "ended" if r < 0.03 else "ending" if r < 0.07 else "none" if r < 0.085 else "normal"
                if state == "none" and org.level != BRANCH:
                    state = "normal"
            if state != "none":
                years = 5 if org.level != BRANCH and org.level != GENERAL else 3
                if org.sector in (Sector.RURAL, Sector.COMMUNITY):
                    years = 5  # village and community organizations: five-year terms since 2021
                if state == "ended":
                    ends = today - dt.timedelta(days=rng.randint(1, 240))
                elif state == "ending":
                    ends = today + dt.timedelta(days=rng.randint(1, 85))
                else:
                    ends = today + dt.timedelta(days=rng.randint(91, years * 365 - 30))
                org.term_ends_on = ends
                org.term_starts_on = years_before(ends, years)
                established = min(established, org.term_starts_on)
            org.established_on = established
        return orgs


class MonthlyWriter:
    """A writer of the records of one module, dated month by month from ``first`` up to yesterday, with
    its own random stream (named ``stream``) so that adding a module leaves the others' data alone."""

    stream = ""

    def __init__(self, plan: Plan, first: dt.date):
        self.plan = plan
        self.rng = random.Random(f"dangjian-demo:{plan.seed}:{self.stream}")
        self.first = first
        self.last = plan.today - dt.timedelta(days=1)  # records up to yesterday

    def months(self):
        """``(year, month)`` from ``first`` to ``last``."""
        n = self.first.year * 12 + self.first.month - 1
        while True:
            year, month = divmod(n, 12)
            if dt.date(year, month + 1, 1) > self.last:
                return
            yield year, month + 1
            n += 1


def plan_demo(scale: Scale | str, seed: int, today: dt.date) -> Plan:
    """Plan the demo tree for a scale and seed (pure: no database access)."""
    if isinstance(scale, str):
        scale = SCALES[scale]
    planner = Planner(scale, seed, today)
    if scale.districts == 1:
        root = planner.district_tree(None, names.DISTRICTS[0], "QW", f"{names.CITY_PREFIX}01")
    else:
        planner.district, planner.region = names.CITY, f"{names.CITY_PREFIX}00"
        root = planner.add(None, f"中共{names.CITY}委员会", COMMITTEE, Sector.AGENCY, code="SW")
        for k in range(scale.districts):
            planner.district_tree(root, names.DISTRICTS[k], f"SW-{k + 1:03d}", f"{names.CITY_PREFIX}{k + 1:02d}")
    orgs = planner.finish()
    township = next(o for o in orgs if o.special == "township")
    branch = next(o for o in orgs if o.special == "demo_branch")
    return Plan(
        scale=scale,
        seed=seed,
        today=today,
        orgs=orgs,
        units=planner.units,
        root=root,
        township=township,
        branch=branch,
    )

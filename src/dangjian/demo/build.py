"""Write the planned demo tree into the database: bulk inserts in one transaction.

Bulk inserts bypass ``save()`` and the services, so everything they would derive is computed
here: materialized paths and depths, pinyin keys, ``org_path``, the encrypted ID number and
phone with their blind index (through ``Member.set_id_number``/``set_phone``), the standing
history and the tree history. One audit event (``demo_load``) records the load; the demo
accounts' role grants audit themselves through ``role_grant``.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from django.db import reset_queries, transaction
from django.db.models import Max
from django.utils import timezone

from dangjian.accounts.services import role_grant
from dangjian.core import audit, pinyin, tree
from dangjian.core.bulk import RawInserter, reset_sequences
from dangjian.core.models import RoleAssignment, User
from dangjian.demo import committees, orglife
from dangjian.demo import community as demo_community
from dangjian.demo import points as demo_points
from dangjian.demo import posts as demo_posts
from dangjian.demo import rectification as demo_rectification
from dangjian.demo import reserve as demo_reserve
from dangjian.demo import training as demo_training
from dangjian.demo.accounts import DEMO_MEMBER_NAME, DEMO_USERS
from dangjian.demo.people import PROFILES, PersonFactory
from dangjian.demo.plan import BRANCH, OrgSpec, Plan, plan_demo
from dangjian.members.models import Member, StandingChange, Status
from dangjian.organizations.models import Organization, OrganizationChange, Unit

BATCH = 2000  # members per flush (their standing history follows in the same flush)


class Progress(Protocol):
    def update(self, n: int = 1) -> Any: ...
    def close(self) -> Any: ...


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _silent(desc: str, total: int) -> Progress:
    return _Silent()


@dataclass
class DemoResult:
    scale: str
    seed: int
    organizations: int
    units: int
    members: int
    current_members: int
    standing_changes: int
    users: int
    seconds: float
    root_id: int
    meetings: int = 0
    attendance: int = 0

    def summary(self) -> str:
        return (
            f"demo: {self.organizations:,} organizations, {self.members:,} members, "
            f"{self.users} users in {self.seconds:.1f} s"
        )


def build(
    *,
    scale: str = "county",
    seed: int = 7,
    today: dt.date | None = None,
    progress: Callable[[str, int], Progress] = _silent,
) -> DemoResult:
    """Build the demo district (or city) into the database, all in one transaction.

    ``today`` anchors only the terms of office (default ``timezone.localdate()``); everything
    else is anchored to ``people.REFERENCE_DATE`` and so depends on the seed alone.
    """
    started = time.monotonic()
    plan = plan_demo(scale, seed, today or timezone.localdate())
    with transaction.atomic():
        if Organization.objects.exists():
            raise RuntimeError("The demo is built into an empty organization tree.")
        _write_units(plan)
        _write_organizations(plan, progress)
        members, current, changes = _write_members(plan, progress)
        _write_secretaries(plan)
        seats = committees.write_committees(plan, plan.today)
        users = _write_users(plan)
        groups = demo_posts.write_groups(plan, plan.today)
        life = orglife.write(plan, plan.people, plan.today, progress)
        rectification = demo_rectification.write(plan, plan.today)
        posts = demo_posts.write(plan, plan.today)
        training = demo_training.write(plan, dt.date(plan.today.year - 1, 1, 1))
        reserve = demo_reserve.write(plan, plan.today)
        volunteers = demo_community.write(plan, dt.date(plan.today.year - 1, 1, 1))
        points = demo_points.write(plan, dt.date(plan.today.year - 1, 1, 1))
        root = Organization.objects.get(pk=plan.root.pk)
        counts = {
            "scale": scale,
            "seed": seed,
            "organizations": len(plan.orgs) + groups["party_groups"],
            "committee_seats": seats,
            "units": len(plan.units),
            "members": members,
            "current_members": current,
            "standing_changes": changes,
            "users": len(users),
            **life.as_dict(),
            **groups,
            **posts,
            **training,
            **rectification,
            **reserve,
            **volunteers,
            **points,
        }
        audit.record(
            actor=None,
            action="demo_load",
            obj=root,
            object_repr=root.name,  # the scale and the seed are among the changes
            changes={key: [None, value] for key, value in counts.items()},
        )
    return DemoResult(
        scale=scale,
        seed=seed,
        organizations=len(plan.orgs) + groups["party_groups"],
        units=len(plan.units),
        members=members,
        current_members=current,
        standing_changes=changes,
        users=len(users),
        seconds=time.monotonic() - started,
        root_id=plan.root.pk,
        meetings=life.meetings,
        attendance=life.attendance,
    )


# --- Organizations ------------------------------------------------------------------------------
def _write_units(plan: Plan) -> None:
    objs = [Unit(name=u.name, kind=u.kind, credit_code=u.credit_code) for u in plan.units]
    Unit.objects.bulk_create(objs, batch_size=1000)
    for spec, obj in zip(plan.units, objs, strict=True):
        spec.pk = obj.pk


def _write_organizations(plan: Plan, progress) -> None:
    bar = progress("organizations", len(plan.orgs))
    by_depth: dict[int, list[OrgSpec]] = {}
    for spec in plan.orgs:
        by_depth.setdefault(tree.depth(spec.path), []).append(spec)
    for depth in sorted(by_depth):
        specs = by_depth[depth]
        objs = [
            Organization(
                code=s.code,
                name=s.name,
                level=s.level,
                sector=s.sector,
                parent_id=s.parent.pk if s.parent else None,
                path=s.path,
                depth=depth,
                has_committee=bool(s.has_committee),
                term_starts_on=s.term_starts_on,
                term_ends_on=s.term_ends_on,
                established_on=s.established_on,
                dissolved_on=s.dissolved_on,
                name_pinyin=pinyin.full(s.name),
                name_initials=pinyin.initials(s.name)[:100],
            )
            for s in specs
        ]
        Organization.objects.bulk_create(objs, batch_size=500)
        for spec, obj in zip(specs, objs, strict=True):
            spec.pk = obj.pk
        bar.update(len(specs))
    bar.close()

    through = Organization.units.through
    through.objects.bulk_create(
        [through(organization_id=s.pk, unit_id=u.pk) for s in plan.orgs for u in s.units], batch_size=1000
    )
    history = [
        OrganizationChange(
            org_id=s.pk,
            kind=OrganizationChange.Kind.CREATE,
            on=s.established_on,
            new_parent_id=s.parent.pk if s.parent else None,
            note="演示数据",
        )
        for s in plan.orgs
    ]
    history += [
        OrganizationChange(org_id=s.pk, kind=OrganizationChange.Kind.DISSOLVE, on=s.dissolved_on, note="企业注销")
        for s in plan.orgs
        if s.dissolved_on
    ]
    OrganizationChange.objects.bulk_create(history, batch_size=1000)


# --- Members ------------------------------------------------------------------------------------
def _write_members(plan: Plan, progress) -> tuple[int, int, int]:
    """Generate and insert every member, branch by branch, flushing every ``BATCH`` members.

    Member ids are assigned here (the tables hold no member yet: members need an organization and
    the tree was empty), so that the standing history can be written without reading ids back.
    """
    rng = random.Random(f"dangjian-demo:{plan.seed}:people")
    factories: dict[str, PersonFactory] = {}
    full_name = lru_cache(maxsize=None)(pinyin.full)
    initials = lru_cache(maxsize=None)(pinyin.initials)
    codec = Member()  # encrypts through the model's own setters, one row at a time
    members_out = RawInserter(Member, with_pk=True)
    changes_out = RawInserter(StandingChange, with_pk=False)
    next_id = (Member.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    bar = progress("members", plan.member_count)
    rows: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    totals = [0, 0, 0]  # members, current members, standing changes

    def flush() -> None:
        members_out.insert(rows)
        changes_out.insert(history)
        totals[0] += len(rows)
        totals[1] += sum(1 for r in rows if r["left_on"] is None)
        totals[2] += len(history)
        bar.update(len(rows))
        rows.clear()
        history.clear()
        reset_queries()  # with DEBUG on, Django keeps every statement (here: 500 rows of values each)

    for spec in plan.orgs:
        if not spec.size:
            continue
        factory = factories.get(spec.region)
        if factory is None:
            factory = factories[spec.region] = PersonFactory(rng, spec.region)
        for person, leader in people_of(spec, factory):
            codec.set_id_number(person.id_number)
            codec.set_phone(person.phone)
            member_id, next_id = next_id, next_id + 1
            rows.append(
                {
                    "id": member_id,
                    "org_id": spec.pk,
                    "org_path": spec.path,
                    "name": person.name,
                    "name_pinyin": full_name(person.name),
                    "name_initials": initials(person.name),
                    "gender": person.gender,
                    "ethnicity": person.ethnicity,
                    "birth_date": person.birth_date,
                    "id_number_enc": codec.id_number_enc,
                    "id_number_hash": codec.id_number_hash,
                    "phone_enc": codec.phone_enc,
                    "education": person.education,
                    "occupation": person.occupation,
                    "joined_on": person.joined_on,
                    "full_member_on": person.full_member_on,
                    "status": person.status,
                    "mobile": person.mobile,
                    "mobile_destination": person.mobile_destination,
                    "in_hardship": person.in_hardship,
                    "holds_post": person.holds_post,
                    "left_on": person.left_on,
                }
            )
            history += [{"member_id": member_id, "kind": k, "on": on, "note": note} for k, on, note in person.history]
            plan.people.setdefault(spec.index, []).append(
                orglife.Person(
                    member_id,
                    person.name,
                    person.joined_on,
                    person.full_member_on,
                    person.left_on,
                    person.mobile,
                    leader,
                )
            )
            if leader:
                spec.leader_ids.append(member_id)
            elif spec.special == "demo_branch" and person.name == DEMO_MEMBER_NAME and plan.demo_member_id is None:
                plan.demo_member_id = member_id
        if len(rows) >= BATCH:
            flush()
    flush()
    reset_sequences(Member)
    bar.close()
    return totals[0], totals[1], totals[2]


def people_of(spec: OrgSpec, factory: PersonFactory):
    """The members of one organization: its leaders first, then the rest of its quota."""
    profile = PROFILES[spec.profile]
    rng = factory.rng
    leaders = spec.leaders or 0
    for _ in range(leaders):
        yield factory.person(profile, status=Status.FULL, leader=True), True
    rest = spec.full - leaders
    if spec.special == "demo_branch":
        yield factory.person(profile, status=Status.FULL, name=DEMO_MEMBER_NAME, gender="male", age=(42, 48)), False
        rest -= 1
    kinds = [Status.FULL] * rest + [Status.PROBATIONARY] * spec.probationary + ["left"] * spec.left
    rng.shuffle(kinds)
    for kind in kinds:
        if kind == "left":
            yield factory.person(profile, status=Status.FULL, left=True), False
        else:
            yield factory.person(profile, status=kind), False


def _write_secretaries(plan: Plan) -> None:
    """Every active organization gets a secretary who holds a post in it (or, for a committee, below it).

    A branch's secretary is its first leader. A committee's secretary is the first leader not yet a
    secretary of its ``secretary_source`` (or of its first descendant branch that has one): the
    township secretary holds membership in the township's agency branch, and so on.
    """
    used: set[int] = set()
    for spec in plan.orgs:
        if spec.leader_ids and not spec.dissolved_on:
            spec.secretary_id = spec.leader_ids[0]
            used.add(spec.secretary_id)
    for spec in plan.orgs:
        if spec.secretary_id or spec.dissolved_on or spec.level == BRANCH:
            continue
        sources = [spec.secretary_source] if spec.secretary_source else []
        sources += plan.orgs[spec.index + 1 : spec.end]
        for source in sources:
            free = [pk for pk in source.leader_ids[1:] if pk not in used]
            if free:
                spec.secretary_id = free[0]
                used.add(free[0])
                break
    Organization.objects.bulk_update(
        [Organization(pk=s.pk, secretary_id=s.secretary_id) for s in plan.orgs if s.secretary_id],
        ["secretary"],
        batch_size=500,
    )


# --- Users --------------------------------------------------------------------------------------
def _write_users(plan: Plan) -> list[User]:
    secretary = Member.objects.get(pk=plan.branch.secretary_id)
    zhang = Member.objects.get(pk=plan.demo_member_id)
    where = {"root": plan.root, "township": plan.township, "branch": plan.branch}
    linked = {"secretary": secretary, "member": zhang}
    users = []
    for demo in DEMO_USERS:
        person = linked.get(demo.username)
        user = User.objects.filter(username=demo.username).first() or User(username=demo.username)
        user.full_name = demo.full_name or person.name
        user.is_active = True
        user.must_change_password = False
        user.set_password(demo.password)
        user.save()
        role_grant(actor=None, user=user, role=demo.role, org=Organization.objects.get(pk=where[demo.where].pk))
        if person is not None:
            Member.objects.filter(pk=person.pk).update(user=user)
        users.append(user)
    return users


def logins() -> list[tuple[str, str, str, str]]:
    """The demo accounts present in the database: (username, role, organization, password)."""
    rows = []
    for demo in DEMO_USERS:
        grant = (
            RoleAssignment.objects.filter(user__username=demo.username, role=demo.role)
            .select_related("org")
            .order_by("org__path")
            .first()
        )
        if grant is not None:
            rows.append((demo.username, demo.role, grant.org.name, demo.password))
    return rows

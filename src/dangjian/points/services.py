"""Writes of the points module. Every person's write validates everything at once (``ValidationError``
naming the field, nothing written) and records exactly one audit event in its transaction.

Automatic entries are derived from other modules' records — a meeting's attendance, a training
session's, the hours of a volunteer activity (the feeds, :func:`_feeds`): they are written by
:func:`sync_entries` (inside the recording service's transaction, covered by that record's own audit
event) and by :func:`recompute_year` (one audit event per run). Both compute
the entries the records call for and reconcile them with the rows stored under the same keys
``(member, source type, source id)``: new ones are added, changed ones adjusted, those no longer
called for reversed (kept, no longer counted). Running either again changes nothing.

Caps count a member's approved points under one rule (all versions of its code) within the rule's
period; automatic entries are apportioned in date order, so editing an early meeting can move
points between later entries of the same period, and a claim approved beyond the cap is cut to what
is left (refused when nothing is).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, bulk, parameters
from dangjian.core.roles import Role
from dangjian.core.scoping import scopes
from dangjian.points.models import (
    ANY_KIND,
    AUTOMATIC_SOURCES,
    SOURCE_BASE,
    SOURCE_MEETING,
    SOURCE_MEETING_ABSENT,
    SOURCE_SERVICE_HOURS,
    SOURCE_TRAINING,
    ZERO,
    CapPeriod,
    Category,
    Direction,
    PointBalance,
    PointClaim,
    PointEntry,
    PointRule,
    PointScheme,
    PointStep,
    Step,
    is_automatic,
    source_kind_choices,
)

BULK_KEY = "points.bulk_confirm_above"
STEP_ORDER = [Step.GROUP_LEADER, Step.SECRETARY, Step.TOWNSHIP]
AUTOMATIC = AUTOMATIC_SOURCES
ONE_PLACE = Decimal("0.1")
PRESENT = "present"  # the attendance status of meetings and training sessions that earns points


# --- The rule book: schemes and rules loaded once per computation ----------------------------------
class RuleBook:
    """Every scheme and rule version (small tables), with the look-ups the computations need."""

    def __init__(self) -> None:
        schemes = [s for s in PointScheme.objects.filter(template=False)]
        # Deepest organization first, then the newest: the nearest scheme up the tree wins.
        self.schemes = sorted(schemes, key=lambda s: (-len(s.org_path), -s.effective_from.toordinal(), -s.pk))
        self.rules = {r.pk: r for r in PointRule.objects.all()}
        self.auto: dict[tuple[int, str], list[PointRule]] = defaultdict(list)
        for rule in self.rules.values():
            if rule.source_kind:
                self.auto[(rule.scheme_id, rule.source_kind)].append(rule)
        self._candidates: dict[str, list[PointScheme]] = {}

    def scheme_for(self, path: str, day: dt.date) -> PointScheme | None:
        candidates = self._candidates.get(path)
        if candidates is None:
            candidates = [s for s in self.schemes if path.startswith(s.org_path)]
            self._candidates[path] = candidates
        for scheme in candidates:
            if scheme.in_force(day):
                return scheme
        return None

    def automatic_rule(self, scheme_id: int, keys: Iterable[str], day: dt.date) -> PointRule | None:
        """The rule in force that the event feeds; of several, the one giving the most points."""
        best = None
        for key in keys:
            for rule in self.auto.get((scheme_id, key), ()):
                if rule.in_force(day) and (best is None or (rule.points, best.code) > (best.points, rule.code)):
                    best = rule
        return best


def cap_window(rule: PointRule, day: dt.date) -> tuple | None:
    """The period a capped rule counts over, as a key; None when the rule has no cap."""
    if rule.cap is None or not rule.cap_period:
        return None
    if rule.cap_period == CapPeriod.MONTH:
        return (day.year, day.month)
    if rule.cap_period == CapPeriod.QUARTER:
        return (day.year, "q", (day.month - 1) // 3)
    return (day.year,)


def window_bounds(rule: PointRule, day: dt.date) -> tuple[dt.date, dt.date]:
    if rule.cap_period == CapPeriod.MONTH:
        start = day.replace(day=1)
        months = 1
    elif rule.cap_period == CapPeriod.QUARTER:
        start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        months = 3
    else:
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    n = start.year * 12 + start.month - 1 + months
    return start, dt.date(n // 12, n % 12 + 1, 1) - dt.timedelta(days=1)


# --- Who may take a step of a chain -----------------------------------------------------------------
def _grants(actor) -> list[tuple[str, str, str]]:
    """``[(role, path, level)]`` of the actor's business grants (cached on the user)."""
    cached = getattr(actor, "_points_grants", None)
    if cached is None:
        from dangjian.organizations.models import Organization

        business = [s for s in scopes(actor) if s.role in (Role.ORGANIZER, Role.SECRETARY)]
        levels = dict(Organization.objects.filter(pk__in=[s.org_id for s in business]).values_list("pk", "level"))
        cached = [(s.role, s.path, levels.get(s.org_id, "")) for s in business]
        actor._points_grants = cached
    return cached


def _led(actor) -> set[int]:
    """Ids of the members of the party groups the actor leads today (cached on the user, like the grants)."""
    cached = getattr(actor, "_points_led", None)
    if cached is None:
        from dangjian.posts.queries import members_led_by

        cached = actor._points_led = set(members_led_by(actor).values_list("pk", flat=True))
    return cached


def is_group_leader(actor) -> bool:
    """Whether the actor leads a party group today (and so may take the group leader's step)."""
    return getattr(actor, "is_authenticated", False) and bool(_led(actor))


def holds_step(actor, step: str, org_path: str, member_id: int) -> bool:
    """Whether ``actor`` may take ``step`` for an entry of member ``member_id`` in the organization at ``org_path``.

    - group leader: the actor leads the party group the member is in (一编三定's group memberships);
    - secretary: a grant over the organization itself, or over the branch or general branch it sits in;
    - township: a grant over a party committee (or working committee) above it.
    """
    if not getattr(actor, "is_authenticated", False):
        return False
    if step == Step.GROUP_LEADER:
        return member_id in _led(actor)
    for _role, path, level in _grants(actor):
        if step == Step.SECRETARY:
            if path == org_path or (org_path.startswith(path) and level in ("branch", "general_branch")):
                return True
        elif step == Step.TOWNSHIP:
            if org_path.startswith(path) and path != org_path and level in ("committee", "working_committee"):
                return True
    return False


def can_propose_for(actor, member) -> bool:
    """A member for themselves; a group leader, secretary or committee above for their members."""
    if member.user_id and member.user_id == getattr(actor, "pk", None):
        return True
    if any(member.org_path.startswith(path) for _role, path, _level in _grants(actor)):
        return True
    return holds_step(actor, Step.GROUP_LEADER, member.org_path, member.pk)


# --- Balances -----------------------------------------------------------------------------------------
def refresh_balances(pairs: Iterable[tuple[int, int]], book: RuleBook | None = None) -> None:
    """Rewrite the balance rows of these ``(member, year)`` pairs from the ledger."""
    by_year: dict[int, set[int]] = defaultdict(set)
    for member_id, year in pairs:
        by_year[year].add(member_id)
    if not by_year:
        return
    book = book or RuleBook()
    for year, ids in by_year.items():
        for chunk in _chunks(sorted(ids), 900):
            PointBalance.objects.filter(year=year, member_id__in=chunk).delete()
            _write_balances(year, Q(member_id__in=chunk), book)


def rebuild_year_balances(
    year: int, book: RuleBook | None = None, members: range | None = None, places: dict | None = None
) -> int:
    """Rewrite the balance rows of ``year`` from the ledger: those of the members whose ids are in
    ``members`` (whose ``places`` may be known already), or everyone's, a part at a time."""
    book = book or RuleBook()
    if members is None:
        return sum(rebuild_year_balances(year, book, part) for part in _member_ranges(RECOMPUTE_PART))
    part = _in_part(members)
    PointBalance.objects.filter(part, year=year).delete()
    return _write_balances(year, part, book, places)


def _in_part(members: range) -> Q:
    return Q(member_id__gte=members.start, member_id__lt=members.stop)


def _write_balances(year: int, query: Q, book: RuleBook, places: dict | None = None) -> int:
    sums = (
        PointEntry.objects.filter(query, year=year, status=PointEntry.Status.APPROVED)
        .values_list("member_id", "rule_id")
        .annotate(total=Sum("points"), n=Count("id"))
        .order_by()
    )
    found: dict[int, dict[str, Any]] = {}
    decimal = _Decimals()
    for member_id, rule_id, total, n in _driver_rows(sums):
        row = found.setdefault(member_id, {"total": ZERO, "awarded": ZERO, "deducted": ZERO, "cats": {}, "n": 0})
        total = decimal[total]
        category = book.rules[rule_id].category
        row["total"] += total
        row["n"] += n
        if total < 0:
            row["deducted"] -= total
        else:
            row["awarded"] += total
        row["cats"][category] = row["cats"].get(category, ZERO) + total
    if not found:
        return 0
    orgs = places if places is not None else _member_places(found)
    rows = [
        (
            org[0],
            org[1],
            member_id,
            year,
            v["total"],
            v["awarded"],
            v["deducted"],
            {c: str(p) for c, p in sorted(v["cats"].items())},
            v["n"],
        )
        for member_id, v in found.items()
        if (org := orgs.get(member_id)) is not None
    ]
    bulk.insert(
        PointBalance,
        ["org_id", "org_path", "member_id", "year", "total", "awarded", "deducted", "by_category", "entries"],
        rows,
    )
    return len(rows)


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- Automatic entries ------------------------------------------------------------------------------
@dataclass(slots=True)
class _Line:
    """An automatic entry as stored and as it should be."""

    key: tuple[int, str, int]  # (member, source type, source id)
    rule_id: int
    requested: Decimal
    points: Decimal
    occurred_on: dt.date
    org_id: int
    org_path: str
    status: str
    id: int | None = None
    stored: tuple | None = None

    def state(self) -> tuple:
        return (self.rule_id, self.requested, self.points, self.occurred_on, self.org_id, self.status)


_LINE_FIELDS = (
    "id",
    "member_id",
    "source_type",
    "source_id",
    "rule_id",
    "requested",
    "points",
    "occurred_on",
    "org_id",
    "org_path",
    "status",
)


def _driver_rows(queryset) -> Iterator[tuple]:
    """The rows of a ``values_list`` queryset as the database driver gives them, without the ORM's
    per-value converters (hundreds of thousands of rows here): dates are dates on both databases,
    decimals are numbers on SQLite (see :class:`_Decimals`)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(20000):
            yield from rows


class _Decimals(dict):
    """Points of one decimal place from the driver's values, each distinct value converted once."""

    def __missing__(self, value) -> Decimal:
        found = self[value] = Decimal(str(value)).quantize(ONE_PLACE)
        return found


def _stored_lines(queryset, keys: set | None = None) -> list[_Line]:
    """The entries of ``queryset`` as lines (only those whose key is in ``keys``, if given)."""
    decimal = _Decimals()
    lines = []
    for pk, member_id, stype, sid, rule_id, requested, points, day, org_id, path, status in _driver_rows(
        queryset.values_list(*_LINE_FIELDS)
    ):
        if keys is not None and (member_id, stype, sid) not in keys:
            continue
        line = _Line(
            (member_id, stype, sid), rule_id, decimal[requested], decimal[points], day, org_id, path, status, pk
        )
        line.stored = line.state()
        lines.append(line)
    return lines


def _member_places(member_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """``{member id: (org id, org path)}`` of current records, in chunks."""
    from dangjian.members.models import Member

    ids = sorted(set(member_ids))
    found: dict[int, tuple[int, str]] = {}
    if len(ids) > 5000:
        for pk, org_id, path in Member.objects.values_list("pk", "org_id", "org_path").iterator(chunk_size=10000):
            found[pk] = (org_id, path)
        return found
    for chunk in _chunks(ids, 900):
        for pk, org_id, path in Member.objects.filter(pk__in=chunk).values_list("pk", "org_id", "org_path"):
            found[pk] = (org_id, path)
    return found


def _meeting_lines(book: RuleBook, facts, org_paths: dict[int, str], places) -> dict[tuple, _Line]:
    """The entries a meeting calls for: the present earn, the absent without leave lose."""
    wanted: dict[tuple, _Line] = {}
    if not facts.held:
        return wanted
    path = org_paths.get(facts.org_id)
    if path is None:
        return wanted
    scheme = book.scheme_for(path, facts.held_on)
    if scheme is None:
        return wanted
    present = [f"{SOURCE_MEETING}:{k}" for k in facts.kinds] + [f"{SOURCE_MEETING}:{ANY_KIND}"]
    absent = [f"{SOURCE_MEETING_ABSENT}:{k}" for k in facts.kinds] + [f"{SOURCE_MEETING_ABSENT}:{ANY_KIND}"]
    rules = {
        "present": book.automatic_rule(scheme.pk, present, facts.held_on),
        "absent": book.automatic_rule(scheme.pk, absent, facts.held_on),
    }
    # (rule id, points) by attendance status; the loop below runs for every attendance of a year.
    gives = {status: (rule.id, rule.points * rule.sign) for status, rule in rules.items() if rule is not None}
    source, meeting, day, approved = PointEntry.Source.MEETING, facts.id, facts.held_on, PointEntry.Status.APPROVED
    for member_id, status in facts.attendance.items():
        rule = gives.get(status)
        place = places.get(member_id)
        if rule is None or place is None:
            continue
        key = (member_id, source, meeting)
        wanted[key] = _Line(key, rule[0], rule[1], rule[1], day, place[0], place[1], approved)
    return wanted


def _rules_by_place(book: RuleBook, keys: list[str], day: dt.date) -> Callable[[str], PointRule | None]:
    """The rule in force on ``day`` that an event fed by ``keys`` calls for, for a member at an
    organization path: the member's own scheme applies (a district lecture counts under each
    branch's scheme), looked up once per scheme."""
    found: dict[int, PointRule | None] = {}

    def rule_for(path: str) -> PointRule | None:
        scheme = book.scheme_for(path, day)
        if scheme is None:
            return None
        if scheme.pk not in found:
            found[scheme.pk] = book.automatic_rule(scheme.pk, keys, day)
        return found[scheme.pk]

    return rule_for


def _training_lines(book: RuleBook, facts, org_paths: dict[int, str], places) -> dict[tuple, _Line]:
    """The entries a held training session calls for: the members present earn, under their own scheme."""
    wanted: dict[tuple, _Line] = {}
    if not facts.held:
        return wanted
    keys = [f"{SOURCE_TRAINING}:{k}" for k in facts.kinds] + [f"{SOURCE_TRAINING}:{ANY_KIND}"]
    rule_for = _rules_by_place(book, keys, facts.held_on)
    source, day, approved = PointEntry.Source.TRAINING, facts.held_on, PointEntry.Status.APPROVED
    for member_id, status in facts.attendance.items():
        place = places.get(member_id)
        if status != PRESENT or place is None or (rule := rule_for(place[1])) is None:
            continue
        key = (member_id, source, facts.id)
        wanted[key] = _Line(key, rule.id, rule.points, rule.points, day, place[0], place[1], approved)
    return wanted


def service_points(rule: PointRule, hours: Decimal) -> Decimal:
    """What ``hours`` of volunteer service earn under a rule fed by them: the rule's points per hour,
    rounded down to the rule's precision (whole points unless it allows fractions)."""
    step = ONE_PLACE if rule.allow_fraction else Decimal(1)
    return (rule.points * Decimal(hours)).quantize(step, rounding=ROUND_DOWN).quantize(ONE_PLACE)


def _service_lines(book: RuleBook, facts, org_paths: dict[int, str], places) -> dict[tuple, _Line]:
    """The entries a held volunteer activity calls for: each member's hours at the rule's points per hour."""
    wanted: dict[tuple, _Line] = {}
    if not facts.held:
        return wanted
    rule_for = _rules_by_place(book, [SOURCE_SERVICE_HOURS], facts.held_on)
    source, day, approved = PointEntry.Source.SERVICE, facts.held_on, PointEntry.Status.APPROVED
    for member_id, hours in facts.hours.items():
        place = places.get(member_id)
        if place is None or (rule := rule_for(place[1])) is None:
            continue
        if (points := service_points(rule, hours)) <= 0:
            continue
        key = (member_id, source, facts.id)
        wanted[key] = _Line(key, rule.id, points, points, day, place[0], place[1], approved)
    return wanted


@dataclass(frozen=True, slots=True)
class Feed:
    """A module whose records call for automatic entries, read through its own queries: the facts of
    one record (None once it is gone), those of a period (optionally only for a range of member
    ids), the members a record names, the lines its facts call for, and how an entry names its
    record to a user."""

    source: str
    one: Callable[[int], Any]
    between: Callable[..., list]
    members: Callable[[Any], Iterable[int]]
    lines: Callable[[RuleBook, Any, dict, dict], dict[tuple, _Line]]
    reference: Callable[[int, Any], Any] | None = None  # (record id, user) → core.sheets.RecordRef | None


def feeds() -> dict[str, Feed]:
    from dangjian.community import queries as community
    from dangjian.orglife import queries as orglife
    from dangjian.training import queries as training

    source = PointEntry.Source
    return {
        source.MEETING: Feed(
            source.MEETING,
            orglife.meeting_attendance,
            orglife.held_meetings_between,
            lambda facts: facts.attendance,
            _meeting_lines,
            orglife.meeting_reference,
        ),
        source.TRAINING: Feed(
            source.TRAINING,
            training.session_attendance,
            training.held_sessions_between,
            lambda facts: facts.attendance,
            _training_lines,
            training.session_reference,
        ),
        source.SERVICE: Feed(
            source.SERVICE,
            community.activity_service,
            community.service_between,
            lambda facts: facts.hours,
            _service_lines,
            community.activity_reference,
        ),
    }


def entry_source(entry: PointEntry, user):
    """The record an automatic entry came from, as ``user`` may see it (``core.sheets.RecordRef``), or None."""
    feed = feeds().get(entry.source_type)
    if feed is None or feed.reference is None or entry.source_id is None:
        return None
    return feed.reference(entry.source_id, user)


def _apportion(book: RuleBook, lines: list[_Line]) -> None:
    """Apply the caps to approved lines in date order (the earliest events fill the cap first).

    Lines share a cap when they are the same member's under the same rule code and period; where
    all that such a group asks for fits under the smallest cap of its rule versions, every line
    keeps what it asks for and the group need not be put in order."""
    rules = book.rules
    least: dict[tuple, Decimal] = {}  # (scheme, code) → the smallest cap of its versions
    for rule in rules.values():
        if rule.cap is not None:
            least[(rule.scheme_id, rule.code)] = min(rule.cap, least.get((rule.scheme_id, rule.code), rule.cap))
    windows: dict[tuple, tuple | None] = {}  # (rule, day) → (scheme, code, period) or None: uncapped
    groups: dict[tuple, list] = {}  # (member, window) → [points asked, lines]
    approved = PointEntry.Status.APPROVED
    for line in lines:
        if line.status != approved:
            continue
        at = (line.rule_id, line.occurred_on)
        window = windows.get(at, at)
        if window is at:
            rule = rules[line.rule_id]
            period = cap_window(rule, line.occurred_on)
            window = windows[at] = None if period is None else (rule.scheme_id, rule.code, period)
        if window is None:
            line.points = line.requested
            continue
        group = groups.get((line.key[0], window))
        if group is None:
            groups[(line.key[0], window)] = [abs(line.requested), [line]]
        else:
            group[0] += abs(line.requested)
            group[1].append(line)
    for (_member, window), (asked, group) in groups.items():
        if asked <= least[window[:2]]:
            for line in group:
                line.points = line.requested
            continue
        used = ZERO
        for line in sorted(group, key=lambda x: (x.occurred_on, x.key[1], x.key[2] or 0)):
            amount = min(abs(line.requested), max(rules[line.rule_id].cap - used, ZERO))
            used += amount
            line.points = amount if line.requested >= 0 else -amount


def _reconcile(book: RuleBook, stored: list[_Line], wanted: dict[tuple, _Line], others: list[_Line]) -> dict:
    """Turn the stored lines of a scope into the wanted ones, cap everything affected, write the
    differences; returns the counts and the (member, year) pairs touched."""
    by_key = {line.key: line for line in stored}
    final: list[_Line] = []
    for key, line in wanted.items():
        old = by_key.get(key)
        if old is not None:
            line.id, line.stored = old.id, old.stored
        final.append(line)
    for key, old in by_key.items():
        if key not in wanted:
            old.status = PointEntry.Status.REVERSED
            final.append(old)
    _apportion(book, final + others)
    new = [line for line in final if line.id is None]
    changed = [line for line in final + others if line.id is not None and line.state() != line.stored]
    if new:
        bulk.insert(
            PointEntry,
            [
                "org_id",
                "org_path",
                "member_id",
                "rule_id",
                "points",
                "requested",
                "occurred_on",
                "year",
                "source_type",
                "source_id",
                "status",
            ],
            [
                (
                    x.org_id,
                    x.org_path,
                    x.key[0],
                    x.rule_id,
                    str(x.points),
                    str(x.requested),
                    x.occurred_on.isoformat(),
                    x.occurred_on.year,
                    x.key[1],
                    x.key[2],
                    x.status,
                )
                for x in new
            ],
        )
    if changed:
        objs = [
            PointEntry(
                pk=x.id,
                rule_id=x.rule_id,
                requested=x.requested,
                points=x.points,
                occurred_on=x.occurred_on,
                year=x.occurred_on.year,
                org_id=x.org_id,
                org_path=x.org_path,
                status=x.status,
            )
            for x in changed
        ]
        PointEntry.objects.bulk_update(
            objs,
            ["rule_id", "requested", "points", "occurred_on", "year", "org_id", "org_path", "status"],
            batch_size=1000,
        )
    touched = {(x.key[0], x.occurred_on.year) for x in new + changed}
    touched |= {(x.key[0], x.stored[3].year) for x in changed if x.stored}
    return {
        "added": len(new),
        "reversed": sum(1 for x in changed if x.status == PointEntry.Status.REVERSED and x.stored[5] != x.status),
        "adjusted": sum(1 for x in changed if x.status != PointEntry.Status.REVERSED or x.stored[5] == x.status),
        "touched": touched,
    }


def _org_paths(org_ids: Iterable[int]) -> dict[int, str]:
    from dangjian.organizations.models import Organization

    return dict(Organization.objects.filter(pk__in=set(org_ids)).values_list("pk", "path"))


def sync_entries(*, source: str, source_id: int) -> dict:
    """Add, adjust or reverse exactly the entries of one record of a feed — a meeting, a training
    session, a volunteer activity — and re-apportion the caps they share.

    Called by the feeding module's signal inside its service's transaction; that record's audit
    event covers it (entries are derived from the record, like its attendance counts).
    """
    feed = feeds()[source]
    facts = feed.one(source_id)
    stored = _stored_lines(PointEntry.objects.filter(source_type=source, source_id=source_id))
    if facts is None and not stored:
        return {"added": 0, "adjusted": 0, "reversed": 0}
    book = RuleBook()
    wanted: dict[tuple, _Line] = {}
    if facts is not None and facts.held:
        wanted = feed.lines(book, facts, _org_paths([facts.org_id]), _member_places(feed.members(facts)))
    # Other automatic entries sharing a cap with these: same members, rule codes and years.
    members = {x.key[0] for x in stored} | {x.key[0] for x in wanted.values()}
    years = {x.occurred_on.year for x in stored} | {x.occurred_on.year for x in wanted.values()}
    codes = {(book.rules[x.rule_id].scheme_id, book.rules[x.rule_id].code) for x in [*stored, *wanted.values()]}
    rule_ids = [r.pk for r in book.rules.values() if (r.scheme_id, r.code) in codes and r.cap is not None]
    others: list[_Line] = []
    if members and rule_ids:
        others = _stored_lines(
            PointEntry.objects.filter(
                member_id__in=members, year__in=years, rule_id__in=rule_ids, source_type__in=AUTOMATIC
            ).exclude(source_type=source, source_id=source_id)
        )
    result = _reconcile(book, stored, wanted, others)
    refresh_balances(result.pop("touched"), book)
    return result


def _base_lines(book: RuleBook, year: int, members: Iterable[tuple]) -> dict[tuple, _Line]:
    """One base entry per member on the records during ``year``, dated the later of 1 January and
    the day they joined, under the base rule of their scheme then. ``members``: rows of
    ``(id, org id, org path, joined on, left on)``."""
    wanted: dict[tuple, _Line] = {}
    if not any(r.source_kind == SOURCE_BASE for r in book.rules.values()):
        return wanted
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    for pk, org_id, path, joined, left in members:
        if joined > last or (left is not None and left < first):
            continue
        day = max(first, joined)
        scheme = book.scheme_for(path, day)
        rule = book.automatic_rule(scheme.id, [SOURCE_BASE], day) if scheme else None
        if rule is None:
            continue
        key = (pk, PointEntry.Source.BASE, year)
        wanted[key] = _Line(key, rule.id, rule.points, rule.points, day, org_id, path, "approved")
    return wanted


RECOMPUTE_PART = 4000  # members a part of recompute_year holds in memory at once


def _member_ranges(size: int) -> list[range]:
    """Ranges of member ids, ``size`` members each, that together cover every member."""
    from dangjian.members.models import Member

    ids = list(Member.objects.order_by("pk").values_list("pk", flat=True))
    starts = ids[::size]
    return [range(a, b) for a, b in zip(starts, [*starts[1:], ids[-1] + 1], strict=True)] if ids else []


def _recompute_part(book: RuleBook, year: int, members: range, org_paths: dict[int, str]) -> dict:
    """Recompute the automatic entries and balances of ``year`` for the members whose ids are in
    ``members``: caps count per member, so a part is complete on its own."""
    from dangjian.members.models import Member

    part = _in_part(members)
    rows = list(
        Member.objects.filter(pk__gte=members.start, pk__lt=members.stop).values_list(
            "pk", "org_id", "org_path", "joined_on", "left_on"
        )
    )
    places = {pk: (org_id, path) for pk, org_id, path, _joined, _left in rows}
    wanted = _base_lines(book, year, rows)
    for feed in feeds().values():
        records = feed.between(dt.date(year, 1, 1), dt.date(year, 12, 31), members=members)
        if missing := {f.org_id for f in records} - org_paths.keys():
            org_paths.update(_org_paths(missing))
        for facts in records:
            wanted.update(feed.lines(book, facts, org_paths, places))
        del records
    # The part's stored automatic entries of the year, plus any whose record (a meeting moved to
    # another day) moved into this year: stored under another year, looked for among the ids of the
    # records not found (one query per feed).
    stored = _stored_lines(PointEntry.objects.filter(part, year=year, source_type__in=AUTOMATIC))
    seen = {x.key for x in stored}
    missing_ids: dict[str, list[int]] = defaultdict(list)
    for key in wanted:
        if key not in seen and key[1] != PointEntry.Source.BASE:
            missing_ids[key[1]].append(key[2])
    for source, ids in missing_ids.items():
        stored += _stored_lines(
            PointEntry.objects.filter(
                part, source_type=source, source_id__gte=min(ids), source_id__lte=max(ids)
            ).exclude(year=year),
            {(k[0], source, k[2]) for k in wanted if k[1] == source and k not in seen},
        )
    result = _reconcile(book, stored, wanted, [])
    # An entry moved here from another year changes that year's balance too.
    refresh_balances({pair for pair in result.pop("touched") if pair[1] != year}, book)
    result["balances"] = rebuild_year_balances(year, book, members, places)
    result["wanted"] = len(wanted)
    return result


def recompute_year(*, year: int, actor=None, part: int = RECOMPUTE_PART) -> dict:
    """Recompute every automatic entry of ``year`` from the records (meetings and training sessions
    held, volunteer hours served, members on the records) and rebuild the year's balances.
    Idempotent: a second run writes nothing but the balances and its audit event.

    The members go through in parts of ``part`` (by id), each read, reconciled and written before
    the next is read: memory holds one part, whatever the size of the county. One transaction,
    one audit event for the run."""
    counts = dict.fromkeys(("added", "reversed", "adjusted", "balances", "wanted"), 0)
    with transaction.atomic():
        book = RuleBook()
        org_paths: dict[int, str] = {}
        for members in _member_ranges(part):
            with bulk.without_cycle_collection():  # hundreds of thousands of lines, no cycles
                done = _recompute_part(book, year, members, org_paths)
            for key, value in done.items():
                counts[key] += value
        audit.record(
            actor=actor,
            action="update",
            object_type="points.pointentry",
            object_repr=_("Automatic points of %(year)d") % {"year": year},
            changes={"year": [None, year], **{k: [None, v] for k, v in counts.items() if k != "wanted"}},
        )
    return counts


# --- Rules and schemes --------------------------------------------------------------------------------
RULE_FIELDS = (
    "code",
    "name",
    "category",
    "direction",
    "points",
    "allow_fraction",
    "cap",
    "cap_period",
    "source_kind",
    "evidence_required",
    "chain",
    "note",
)
REVISABLE = tuple(f for f in RULE_FIELDS if f != "code")


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return Decimal("NaN")
    return number


def _check_points(name: str, value: Any, errors: dict, *, whole: bool, positive: bool = True) -> Decimal | None:
    number = _decimal(value)
    if number is None:
        return None
    if not number.is_finite():
        errors[name] = _("Enter a number.")
        return None
    if number < 0 or (positive and number == 0):
        errors[name] = _("Enter a positive number; a deduction rule subtracts it.")
        return None
    if number != number.quantize(ONE_PLACE):
        errors[name] = _("At most one decimal place.")
        return None
    if whole and number != number.to_integral_value():
        errors[name] = _("This rule gives whole points only.")
        return None
    if number >= 100000:
        errors[name] = _("The number is too large.")
        return None
    return number.quantize(ONE_PLACE)


def validate_rule(data: dict[str, Any]) -> dict[str, Any]:
    """Clean and check a rule's fields; raise every error at once."""
    errors: dict[str, str] = {}
    data = dict(data)
    for name in ("code", "name", "note"):
        data[name] = (data.get(name) or "").strip()
    if not data["name"]:
        errors["name"] = _("Give the rule a name.")
    if not data["code"]:
        errors["code"] = _("Give the rule a short code (letters, digits and hyphens).")
    elif not all(c.isascii() and (c.isalnum() or c in "-_") for c in data["code"]) or len(data["code"]) > 40:
        errors["code"] = _("Use at most 40 letters, digits and hyphens.")
    from dangjian.points.models import Category

    if data.get("category") not in Category.values:
        errors["category"] = _("Choose a category from the list.")
    direction = data.get("direction")
    if direction not in Direction.values:
        errors["direction"] = _("Choose award, deduction or base.")
    data["allow_fraction"] = bool(data.get("allow_fraction"))
    data["evidence_required"] = bool(data.get("evidence_required"))
    points = _check_points("points", data.get("points"), errors, whole=not data["allow_fraction"])
    if points is None and "points" not in errors:
        errors["points"] = _("Give the points per event.")
    data["points"] = points
    cap = _check_points("cap", data.get("cap"), errors, whole=False)
    data["cap"] = cap
    period = data.get("cap_period") or ""
    if period and period not in CapPeriod.values:
        errors["cap_period"] = _("Choose month, quarter or year.")
    if cap is not None and not period:
        errors["cap_period"] = _("Say over which period the cap counts.")
    if period and cap is None and "cap" not in errors:
        errors["cap"] = _("Give the cap, or no period.")
    if cap is not None and points is not None and cap < points:
        errors["cap"] = _("The cap is less than the points of one event.")
    data["cap_period"] = period
    source = data.get("source_kind") or ""
    if source not in dict(source_kind_choices()):
        errors["source_kind"] = _("Choose what feeds the rule from the list.")
    elif direction == Direction.BASE and source != SOURCE_BASE:
        errors["source_kind"] = _("Base points are given to every member once a year: choose that source.")
    elif source == SOURCE_BASE and direction != Direction.BASE:
        errors["direction"] = _("A rule fed once a year to every member gives base points.")
    elif source.startswith(SOURCE_MEETING_ABSENT + ":") and direction != Direction.DEDUCTION:
        errors["direction"] = _("Absence without leave can only cost points.")
    elif source.startswith((SOURCE_MEETING + ":", SOURCE_TRAINING + ":")) and direction != Direction.AWARD:
        errors["direction"] = _("Attendance can only earn points.")
    elif source == SOURCE_SERVICE_HOURS and direction != Direction.AWARD:
        errors["direction"] = _("Volunteer service can only earn points.")
    automatic = is_automatic(source)
    data["source_kind"] = source
    chain = data.get("chain") or []
    if isinstance(chain, str):
        chain = [s for s in chain.replace(",", "|").split("|") if s]
    if not isinstance(chain, list | tuple) or any(s not in Step.values for s in chain):
        errors["chain"] = _("Choose the approval steps from the list.")
    elif len(set(chain)) != len(chain) or list(chain) != sorted(chain, key=STEP_ORDER.index):
        errors["chain"] = _("Each step once, from the party group up to the township.")
    elif automatic and chain:
        errors["chain"] = _("Automatic points come from the records and need no approval.")
    data["chain"] = list(chain) if isinstance(chain, list | tuple) else []
    if automatic and data["evidence_required"]:
        errors["evidence_required"] = _("Automatic points come from the records and need no evidence.")
    if errors:
        raise ValidationError(errors)
    return data


def _rule_changes(rule: PointRule) -> dict:
    names = (*RULE_FIELDS, "effective_from", "effective_to")
    return {n: [None, audit.jsonable(getattr(rule, n))] for n in names}


def _actor_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def scheme_create(
    *, actor, name: str, org=None, effective_from: dt.date, note: str = "", copy_from: PointScheme | None = None
) -> PointScheme:
    """A scheme for ``org``'s subtree (or the default, without ``org``); with ``copy_from``, its
    rules in force are copied as the new scheme's first versions."""
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Give the scheme a name.")
    elif len(name) > 100:
        errors["name"] = _("At most 100 characters.")
    if org is not None and not org.is_active:
        errors["org"] = _("The organization has been dissolved.")
    if errors:
        raise ValidationError(errors)
    scheme = PointScheme(
        name=name,
        org=org,
        effective_from=effective_from,
        note=(note or "").strip()[:300],
        created_by=_actor_or_none(actor),
    )
    scheme.save()
    copied = 0
    if copy_from is not None:
        for rule in copy_from.rules.all():
            if rule.effective_to is None:
                PointRule.objects.create(
                    scheme=scheme,
                    effective_from=effective_from,
                    created_by=_actor_or_none(actor),
                    **{n: getattr(rule, n) for n in RULE_FIELDS},
                )
                copied += 1
    audit.record(
        actor=actor,
        action="create",
        obj=scheme,
        org=org,
        changes={
            "name": [None, name],
            "org": [None, org.pk if org else None],
            "effective_from": [None, effective_from.isoformat()],
            "rules": [None, copied],
        },
    )
    return scheme


@transaction.atomic
def rule_create(*, actor, scheme: PointScheme, data: dict[str, Any], effective_from: dt.date) -> PointRule:
    data = validate_rule({k: v for k, v in data.items() if k in RULE_FIELDS})
    if PointRule.objects.filter(scheme=scheme, code=data["code"]).exists():
        raise ValidationError({"code": _("This scheme already has a rule with this code: change that rule instead.")})
    rule = PointRule(scheme=scheme, effective_from=effective_from, created_by=_actor_or_none(actor), **data)
    rule.save()
    audit.record(actor=actor, action="create", obj=rule, org=scheme.org, changes=_rule_changes(rule))
    return rule


@transaction.atomic
def rule_revise(*, actor, rule: PointRule, data: dict[str, Any], effective_from: dt.date) -> PointRule:
    """Change a rule from a date: this version ends the day before, a new row carries the change.
    Entries made under this version keep it: nothing past is rewritten."""
    rule = PointRule.objects.select_for_update().get(pk=rule.pk)
    if rule.effective_to is not None and rule.effective_to < effective_from:
        raise ValidationError({"effective_from": _("This version of the rule has already ended.")})
    if effective_from <= rule.effective_from:
        raise ValidationError(
            {
                "effective_from": _("The change must take effect after %(day)s, when this version started.")
                % {"day": rule.effective_from.isoformat()}
            }
        )
    values = {name: getattr(rule, name) for name in RULE_FIELDS}
    values.update({k: v for k, v in data.items() if k in REVISABLE})
    values = validate_rule(values)
    new = PointRule(
        scheme_id=rule.scheme_id,
        effective_from=effective_from,
        effective_to=rule.effective_to,
        replaces=rule,
        created_by=_actor_or_none(actor),
        **values,
    )
    rule.effective_to = effective_from - dt.timedelta(days=1)
    rule.save(update_fields=["effective_to"])
    new.save()
    changes = {
        n: [audit.jsonable(getattr(rule, n)), audit.jsonable(getattr(new, n))]
        for n in RULE_FIELDS
        if getattr(rule, n) != getattr(new, n)
    }
    changes["effective_from"] = [None, effective_from.isoformat()]
    changes["replaces"] = [None, rule.pk]
    audit.record(actor=actor, action="update", obj=new, org=rule.scheme.org, changes=changes)
    return new


@transaction.atomic
def rule_end(*, actor, rule: PointRule, on: dt.date) -> PointRule:
    rule = PointRule.objects.select_for_update().get(pk=rule.pk)
    if on < rule.effective_from:
        raise ValidationError({"effective_to": _("A rule cannot end before it starts.")})
    if rule.effective_to is not None and rule.effective_to <= on:
        raise ValidationError({"effective_to": _("This version of the rule has already ended.")})
    old = rule.effective_to
    rule.effective_to = on
    rule.save(update_fields=["effective_to"])
    audit.record(
        actor=actor,
        action="update",
        obj=rule,
        org=rule.scheme.org,
        changes={"effective_to": [audit.jsonable(old), on.isoformat()]},
    )
    return rule


# --- Claims, awards and their approval ---------------------------------------------------------------
def rules_for(member, day: dt.date, book: RuleBook | None = None) -> list[PointRule]:
    """The rules a person may claim or award under for ``member`` on ``day`` (not the automatic ones)."""
    book = book or RuleBook()
    scheme = book.scheme_for(member.org_path, day)
    if scheme is None:
        return []
    return sorted(
        (r for r in book.rules.values() if r.scheme_id == scheme.pk and not r.automatic and r.in_force(day)),
        key=lambda r: (r.category, r.code),
    )


def _validate_claim(
    actor,
    member,
    rule: PointRule,
    occurred_on,
    event: str,
    points,
    evidence: str,
    book: RuleBook,
    errors: dict,
    *,
    self_claim: bool,
    assignment=None,
    duty: list | None = None,
) -> tuple[Decimal | None, Any]:
    """Every check of a claim or of one member of an award, errors into ``errors`` keyed by field.
    Returns the points asked for and the post assignment the entry is for (named, or found by
    :func:`post_tie`); ``duty`` is the member's assignments that reached duty, when already loaded."""
    today = timezone.localdate()
    if not isinstance(occurred_on, dt.date):
        errors["occurred_on"] = _("Give the date of what was done.")
        return None
    if occurred_on > today:
        errors["occurred_on"] = _("The date cannot be in the future.")
    elif not rule.in_force(occurred_on):
        errors["occurred_on"] = _("The rule %(rule)s is in force from %(start)s to %(end)s; %(day)s is outside it.") % {
            "rule": rule.name,
            "start": rule.effective_from.isoformat(),
            "end": rule.effective_to.isoformat() if rule.effective_to else _("now"),
            "day": occurred_on.isoformat(),
        }
    if rule.automatic:
        errors["rule"] = _("Points under %(rule)s come from the records automatically and cannot be claimed.") % {
            "rule": rule.name
        }
    elif "occurred_on" not in errors:
        scheme = book.scheme_for(member.org_path, occurred_on)
        if scheme is None or scheme.pk != rule.scheme_id:
            errors["rule"] = _("%(rule)s is not a rule of the scheme that applies to %(member)s.") % {
                "rule": rule.name,
                "member": member.name,
            }
    if self_claim and rule.direction == Direction.DEDUCTION:
        errors["rule"] = _("Deductions are proposed by the branch, not claimed.")
    event = (event or "").strip()
    if not event:
        errors["event"] = _("Say what was done.")
    elif len(event) > 200:
        errors["event"] = _("At most 200 characters.")
    evidence = (evidence or "").strip()
    if rule.evidence_required and not evidence:
        errors["evidence"] = _("This rule needs evidence: say who can confirm it (no screenshots are needed).")
    elif len(evidence) > 500:
        errors["evidence"] = _("At most 500 characters.")
    amount = (
        rule.points if points in (None, "") else _check_points("points", points, errors, whole=not rule.allow_fraction)
    )
    if amount is not None and amount > rule.points:
        errors["points"] = _("At most %(points)s points per event under this rule.") % {"points": rule.points}
    if "occurred_on" not in errors and "rule" not in errors:
        codes = [r.pk for r in book.rules.values() if r.scheme_id == rule.scheme_id and r.code == rule.code]
        duplicate = PointEntry.objects.filter(
            member=member,
            rule_id__in=codes,
            occurred_on=occurred_on,
            status__in=[PointEntry.Status.PROPOSED, PointEntry.Status.APPROVED],
        ).exists()
        if duplicate:
            errors["occurred_on"] = _("%(member)s already has an entry under %(rule)s for %(day)s.") % {
                "member": member.name,
                "rule": rule.name,
                "day": occurred_on.isoformat(),
            }
    tie = None
    if isinstance(occurred_on, dt.date) and "rule" not in errors:
        tie = post_tie(member, rule, occurred_on, assignment, errors, duty)
    return amount, tie


def post_tie(member, rule: PointRule, day: dt.date, assignment, errors: dict, duty: list | None = None):
    """The post assignment (一编三定) an entry of ``member`` under ``rule`` on ``day`` is for, or None.

    A named assignment must be the member's own and on duty that day (from 挂牌 until the day before
    it ended). None named: a rule of the category 岗位职责和任务 or fed by a post's duties takes the
    member's one assignment on duty that day; a rule fed by a post's duties refuses the entry when
    there is none. Errors go into ``errors["assignment"]``. ``duty``: the member's assignments that
    reached duty (``members.queries.duty_assignments``), when the caller loaded them for a batch.
    """
    from dangjian.posts.queries import duty_assignments, on_duty

    if assignment is not None:
        if assignment.member_id != member.pk:
            errors["assignment"] = _("%(member)s has no such post assignment.") % {"member": member.name}
            return None
        if not on_duty(assignment, day):
            errors["assignment"] = _("%(member)s was not on duty in the post %(post)s on %(day)s.") % {
                "member": member.name,
                "post": assignment.post.name,
                "day": day.isoformat(),
            }
            return None
        return assignment
    if rule.category != Category.TASKS and not rule.for_post:
        return None
    if duty is None:
        duty = duty_assignments([member.pk]).get(member.pk, [])
    on = [a for a in duty if on_duty(a, day)]
    if len(on) == 1:
        return on[0]
    if rule.for_post:
        if on:
            errors["assignment"] = _("Name the post %(member)s did this for.") % {"member": member.name}
        else:
            errors["assignment"] = _(
                "%(member)s was not on duty in any post on %(day)s; points under %(rule)s are only for a post's duties."
            ) % {"member": member.name, "day": day.isoformat(), "rule": rule.name}
    return None


def _cap_room(member_id: int, rule: PointRule, day: dt.date, book: RuleBook) -> Decimal | None:
    """How many points are left under the rule's cap in the period of ``day`` (None: no cap)."""
    if cap_window(rule, day) is None:
        return None
    start, end = window_bounds(rule, day)
    codes = [r.pk for r in book.rules.values() if r.scheme_id == rule.scheme_id and r.code == rule.code]
    rows = PointEntry.objects.filter(
        member_id=member_id,
        rule_id__in=codes,
        occurred_on__gte=start,
        occurred_on__lte=end,
        status=PointEntry.Status.APPROVED,
    ).values_list("points", flat=True)
    used = sum((abs(Decimal(p)) for p in rows), ZERO)
    return max(rule.cap - used, ZERO)


def _step_record(claim: PointClaim, action: str, step: str, actor, note: str = "") -> PointStep:
    return PointStep(
        claim=claim,
        step=step,
        action=action,
        actor=_actor_or_none(actor),
        actor_name=(actor.get_username() if _actor_or_none(actor) else str(_("system")))[:150],
        at=timezone.now(),
        note=note[:300],
    )


def _finish(entry: PointEntry, claim: PointClaim, actor, book: RuleBook, steps: list[PointStep]) -> None:
    """Take the steps the actor holds at the head of the chain; approve when none is left."""
    member_user = entry.member.user_id
    is_member = member_user is not None and member_user == getattr(actor, "pk", None)
    while (
        claim.steps_done < len(claim.chain)
        and not is_member
        and holds_step(actor, claim.chain[claim.steps_done], entry.org_path, entry.member_id)
    ):
        steps.append(_step_record(claim, PointStep.Action.APPROVE, claim.chain[claim.steps_done], actor))
        claim.steps_done += 1
    if claim.steps_done >= len(claim.chain):
        _approve(entry, claim, actor, book, steps)


def _approve(entry: PointEntry, claim: PointClaim, actor, book: RuleBook, steps: list[PointStep]) -> None:
    rule = book.rules[entry.rule_id]
    room = _cap_room(entry.member_id, rule, entry.occurred_on, book)
    amount = abs(entry.requested)
    if room is not None:
        if room <= 0:
            raise ValidationError(
                {
                    "points": _("%(member)s has reached the cap of %(cap)s points per %(period)s under %(rule)s.")
                    % {
                        "member": entry.member.name,
                        "cap": rule.cap,
                        "period": rule.get_cap_period_display(),
                        "rule": rule.name,
                    }
                }
            )
        if room < amount:
            steps[-1].note = (_("Cut to %(points)s points by the cap.") % {"points": room})[:300] if steps else ""
            amount = room
    entry.points = amount if entry.requested >= 0 else -amount
    entry.status = PointEntry.Status.APPROVED
    claim.decided_by = _actor_or_none(actor)
    claim.decided_at = timezone.now()


def _write_claims(pairs: list[tuple[PointEntry, PointClaim]], steps: list[PointStep]) -> None:
    for entry, claim in pairs:
        entry.save()
        claim.entry = entry
        claim.save()
    for step in steps:
        step.claim_id = step.claim.pk
    PointStep.objects.bulk_create(steps)


@transaction.atomic
def claim_propose(
    *,
    actor,
    member,
    rule: PointRule,
    occurred_on: dt.date,
    event: str,
    points=None,
    evidence: str = "",
    assignment=None,
) -> PointEntry:
    """A member (for themselves), a group leader or the branch proposes an entry. Steps at the head
    of the chain that the proposer holds are taken at once; the member's own claim always needs
    someone else (at least the secretary when the rule has no chain).

    ``assignment`` names the post (一编三定) the work was done for: the member's own, on duty that
    day. Without one, a rule of 岗位职责和任务 or fed by a post's duties takes the member's one post on
    duty that day (:func:`post_tie`)."""
    book = RuleBook()
    rule = book.rules.get(rule.pk, rule)
    errors: dict[str, str] = {}
    self_claim = member.user_id is not None and member.user_id == getattr(actor, "pk", None)
    if not can_propose_for(actor, member):
        errors["member"] = _("You cannot propose points for %(member)s.") % {"member": member.name}
    amount, tie = _validate_claim(
        actor,
        member,
        rule,
        occurred_on,
        event,
        points,
        evidence,
        book,
        errors,
        self_claim=self_claim,
        assignment=assignment,
    )
    if errors:
        raise ValidationError(errors)
    entry, claim, steps = _new_claim(
        actor,
        member,
        rule,
        occurred_on,
        event,
        amount,
        evidence,
        PointEntry.Source.CLAIM,
        list(rule.chain) or ([Step.SECRETARY] if self_claim else []),
        assignment=tie,
    )
    _finish(entry, claim, actor, book, steps)
    _write_claims([(entry, claim)], steps)
    if entry.status == PointEntry.Status.APPROVED:
        refresh_balances([(member.pk, entry.year)], book)
    audit.record(
        actor=actor,
        action="create",
        obj=entry,
        org=entry.org,
        object_repr=f"{member.name} {rule.name}",
        changes={
            "member": [None, member.pk],
            "rule": [None, rule.pk],
            "points": [None, entry.points],
            "occurred_on": [None, occurred_on.isoformat()],
            "status": [None, entry.status],
            "steps": [None, claim.steps_done],
            "assignment": [None, tie.pk if tie else None],
        },
    )
    return entry


def _new_claim(actor, member, rule, occurred_on, event, amount, evidence, source, chain, batch="", assignment=None):
    now = timezone.now()
    amount = amount if amount is not None else rule.points
    requested = amount * rule.sign
    entry = PointEntry(
        org_id=member.org_id,
        org_path=member.org_path,
        member=member,
        rule=rule,
        points=ZERO,
        requested=requested,
        occurred_on=occurred_on,
        year=occurred_on.year,
        source_type=source,
        status=PointEntry.Status.PROPOSED,
    )
    claim = PointClaim(
        entry=entry,
        event=(event or "").strip(),
        evidence=(evidence or "").strip(),
        chain=chain,
        batch=batch,
        assignment=assignment,
        proposed_by=_actor_or_none(actor),
        proposed_at=now,
    )
    steps = [_step_record(claim, PointStep.Action.PROPOSE, "", actor)]
    return entry, claim, steps


def bulk_threshold(on: dt.date | None = None) -> int:
    return int(parameters.get(BULK_KEY, on))


@transaction.atomic
def awarded_before(rule: PointRule, occurred_on: dt.date, event: str, org_paths: set[str]) -> int:
    """Members of these organizations already awarded under the rule for the same event that day (not
    rejected or reversed): an award split into small ones still counts as one against the threshold."""
    return (
        PointEntry.objects.filter(
            source_type=PointEntry.Source.AWARD,
            rule__scheme_id=rule.scheme_id,
            rule__code=rule.code,
            occurred_on=occurred_on,
            claim__event=event,
            org_path__in=org_paths,
        )
        .exclude(status__in=[PointEntry.Status.REJECTED, PointEntry.Status.REVERSED])
        .values("member_id")
        .distinct()
        .count()
    )


def award_bulk(
    *,
    actor,
    members: list,
    rule: PointRule,
    occurred_on: dt.date,
    event: str,
    points=None,
    evidence: str = "",
    assignments: Iterable = (),
) -> list[PointEntry]:
    """The branch awards (or deducts) the same points to several members for one event. Above the
    rule ``points.bulk_confirm_above`` members, the township committee must confirm as well — counting
    the members already awarded for the same event, rule and day in these organizations, so that
    splitting an award does not avoid the confirmation.

    ``assignments`` name the posts (一编三定) the award was for, at most one per member (each the
    member's own, on duty that day); members without one are tied as a claim is (:func:`post_tie`)."""
    from dangjian.posts.queries import duty_assignments

    book = RuleBook()
    rule = book.rules.get(rule.pk, rule)
    errors: dict[str, list[str]] = defaultdict(list)
    if not members:
        errors["members"].append(_("Choose the members."))
    if len({m.pk for m in members}) != len(members):
        errors["members"].append(_("A member is listed twice."))
    named: dict[int, Any] = {}
    listed = {m.pk for m in members}
    for assignment in assignments:
        if assignment.member_id not in listed:
            errors["assignments"].append(_("A post assignment of a member not awarded is listed."))
        elif assignment.member_id in named:
            errors["assignments"].append(_("At most one post per member."))
        named[assignment.member_id] = assignment
    duty = duty_assignments(listed) if members else {}
    amount = None
    ties: dict[int, Any] = {}
    for member in members:
        one: dict[str, str] = {}
        if not any(member.org_path.startswith(p) for _r, p, _l in _grants(actor)):
            one["members"] = _("You cannot award points to %(member)s.") % {"member": member.name}
        amount, ties[member.pk] = _validate_claim(
            actor,
            member,
            rule,
            occurred_on,
            event,
            points,
            evidence,
            book,
            one,
            self_claim=False,
            assignment=named.get(member.pk),
            duty=duty.get(member.pk, []),
        )
        for name, message in one.items():
            name = "assignments" if name == "assignment" else name
            if message not in errors[name]:
                errors[name].append(message)
    if errors:
        raise ValidationError(dict(errors))
    threshold = bulk_threshold(occurred_on)
    chain = list(rule.chain)
    awarded = len(members) + awarded_before(rule, occurred_on, event, {m.org_path for m in members})
    if awarded > threshold and Step.TOWNSHIP not in chain:
        chain.append(Step.TOWNSHIP)
    batch = uuid.uuid4().hex
    pairs, steps = [], []
    for member in members:
        entry, claim, own = _new_claim(
            actor,
            member,
            rule,
            occurred_on,
            event,
            amount,
            evidence,
            PointEntry.Source.AWARD,
            list(chain),
            batch,
            assignment=ties.get(member.pk),
        )
        _finish(entry, claim, actor, book, own)
        pairs.append((entry, claim))
        steps += own
    _write_claims(pairs, steps)
    refresh_balances({(e.member_id, e.year) for e, _c in pairs if e.status == PointEntry.Status.APPROVED}, book)
    audit.record(
        actor=actor,
        action="create",
        object_type="points.batch",
        org=members[0].org if len({m.org_id for m in members}) == 1 else None,
        object_repr=f"{rule.name} × {len(members)}",
        changes={
            "batch": [None, batch],
            "rule": [None, rule.pk],
            "members": [None, [m.pk for m in members]],
            "points": [None, amount],
            "occurred_on": [None, occurred_on.isoformat()],
            "chain": [None, chain],
            "assignments": [None, {str(m): a.pk for m, a in ties.items() if a is not None}],
            "approved": [None, sum(1 for e, _c in pairs if e.status == PointEntry.Status.APPROVED)],
        },
    )
    return [e for e, _c in pairs]


def _lock(entry: PointEntry) -> tuple[PointEntry, PointClaim]:
    entry = PointEntry.objects.select_for_update(of=("self",)).select_related("member", "org").get(pk=entry.pk)
    claim = PointClaim.objects.filter(entry=entry).first()
    if claim is None:
        raise ValidationError({"status": _("Automatic entries follow their records and are not approved by hand.")})
    claim.entry = entry
    return entry, claim


def _check_decider(actor, entry: PointEntry, claim: PointClaim) -> str:
    if entry.status != PointEntry.Status.PROPOSED:
        raise ValidationError({"status": _("This entry is no longer awaiting approval.")})
    step = claim.next_step
    labels = dict(Step.choices)
    if entry.member.user_id is not None and entry.member.user_id == getattr(actor, "pk", None):
        raise ValidationError({"chain": _("Nobody approves an entry of their own.")})
    if claim.proposed_by_id is not None and claim.proposed_by_id == getattr(actor, "pk", None):
        raise ValidationError({"chain": _("The person who proposed an entry does not also approve it.")})
    if step is None or not holds_step(actor, step, entry.org_path, entry.member_id):
        raise ValidationError(
            {
                "chain": _("This entry now needs the %(step)s; you are not at that step of its chain.")
                % {"step": labels.get(step, step)}
            }
        )
    return step


@transaction.atomic
def entry_approve(*, actor, entry: PointEntry, note: str = "") -> PointEntry:
    """Take the next step of the entry's chain; the last step approves it (within the cap)."""
    entry, claim = _lock(entry)
    step = _check_decider(actor, entry, claim)
    book = RuleBook()
    steps = [_step_record(claim, PointStep.Action.APPROVE, step, actor, (note or "").strip())]
    claim.steps_done += 1
    if claim.steps_done >= len(claim.chain):
        _approve(entry, claim, actor, book, steps)
    entry.save(update_fields=["points", "status"])
    claim.save(update_fields=["steps_done", "decided_by", "decided_at"])
    for s in steps:
        s.save()
    if entry.status == PointEntry.Status.APPROVED:
        refresh_balances([(entry.member_id, entry.year)], book)
    audit.record(
        actor=actor,
        action="update",
        obj=entry,
        org=entry.org,
        object_repr=f"{entry.member.name} {entry.rule.name}",
        changes={
            "step": [None, step],
            "status": [PointEntry.Status.PROPOSED, entry.status],
            "points": [None, entry.points],
        },
    )
    return entry


@transaction.atomic
def entry_reject(*, actor, entry: PointEntry, reason: str) -> PointEntry:
    """Refuse the entry at the actor's step, with the reason the member will read."""
    entry, claim = _lock(entry)
    reason = (reason or "").strip()
    step = _check_decider(actor, entry, claim)
    if not reason:
        raise ValidationError({"reason": _("Give the reason for rejecting.")})
    if len(reason) > 300:
        raise ValidationError({"reason": _("At most 300 characters.")})
    entry.status = PointEntry.Status.REJECTED
    claim.reason = reason
    claim.decided_by = _actor_or_none(actor)
    claim.decided_at = timezone.now()
    entry.save(update_fields=["status"])
    claim.save(update_fields=["reason", "decided_by", "decided_at"])
    _step_record(claim, PointStep.Action.REJECT, step, actor, reason).save()
    audit.record(
        actor=actor,
        action="update",
        obj=entry,
        org=entry.org,
        object_repr=f"{entry.member.name} {entry.rule.name}",
        changes={"step": [None, step], "status": [PointEntry.Status.PROPOSED, entry.status], "reason": [None, reason]},
    )
    return entry


# --- For the ledger's Excel register (points/imports.py) ------------------------------------------------
MANUAL = (PointEntry.Source.CLAIM, PointEntry.Source.AWARD)


def validate_claim_fields(
    actor,
    member,
    rule: PointRule,
    occurred_on,
    event: str,
    points,
    evidence: str,
    book: RuleBook,
    errors: dict,
    *,
    self_claim: bool,
    assignment=None,
    duty: list | None = None,
) -> tuple[Decimal | None, Any]:
    """The checks :func:`claim_propose` makes, without writing: for an import's preview. Errors go
    into ``errors`` keyed by field; returns the points the claim would ask for and the post
    assignment it would be tied to (named, or found as :func:`post_tie` does)."""
    return _validate_claim(
        actor,
        member,
        rule,
        occurred_on,
        event,
        points,
        evidence,
        book,
        errors,
        self_claim=self_claim,
        assignment=assignment,
        duty=duty,
    )

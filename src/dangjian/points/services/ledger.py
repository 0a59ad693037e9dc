"""Automatic entries, derived from other modules' records — a meeting's attendance, a training
session's, the hours of a volunteer activity (the feeds, :func:`feeds`). They are written by
:func:`sync_entries` (inside the recording service's transaction, covered by that record's own audit
event) and by :func:`recompute_year` (one audit event per run). Both compute the entries the records
call for and reconcile them with the rows stored under the same keys ``(member, source type, source
id)``: new ones are added, changed ones adjusted, those no longer called for reversed (kept, no longer
counted). Running either again changes nothing.

Caps count a member's approved points under one rule (all versions of its code) within the rule's
period; automatic entries are apportioned in date order, so editing an early meeting can move points
between later entries of the same period.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from dangjian.community import queries as community
from dangjian.core import audit, bulk
from dangjian.members.models import Member
from dangjian.organizations.models import Organization
from dangjian.orglife import queries as orglife
from dangjian.points.models import (
    ANY_KIND,
    SOURCE_BASE,
    SOURCE_MEETING,
    SOURCE_MEETING_ABSENT,
    SOURCE_SERVICE_HOURS,
    SOURCE_TRAINING,
    ZERO,
    PointEntry,
    PointRule,
)
from dangjian.points.services.balances import (
    RECOMPUTE_PART,
    _Decimals,
    _driver_rows,
    _in_part,
    _member_places,
    _member_ranges,
    rebuild_year_balances,
    refresh_balances,
)
from dangjian.points.services.book import AUTOMATIC, ONE_PLACE, PRESENT, RuleBook, cap_window
from dangjian.training import queries as training


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


def _recompute_part(book: RuleBook, year: int, members: range, org_paths: dict[int, str]) -> dict:
    """Recompute the automatic entries and balances of ``year`` for the members whose ids are in
    ``members``: caps count per member, so a part is complete on its own."""
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

"""Who already holds an ID number: the one check behind registering a person by ID number.

Registering a member (form, API, import) or a reserve cadre (form, API, import), or changing a
member's or cadre's ID number, asks :class:`Screening` whether the number is taken. A number held by
a record the user may see is named as such ("already registered"). A number held by a record the
user may not see gets one neutral answer, whatever holds it and wherever (:data:`OUTSIDE`): it says
nothing about the other organization, writes an ``id_collision`` audit event (the user, the blind
index of the number, never the number) that the organization department sees, and counts against
the user's daily limit (``privacy.id_collisions_per_day``). Past the limit every registration by ID
number of that user is refused for the rest of the day with the same message whether or not the
number is taken (:func:`limit_message`), so the refusals say nothing more; an import file with more
collisions than the user has left is refused as a whole. Each of those refusals is audited too
(``id_collision_limit``). The person's organizations resolve the case by a transfer (组织关系转接),
not by a second record.

The audit events of a refusal are written before the caller's write transaction (the services
screen first, then open it), so the refusal rolls back nothing that records it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, crypto, idnumber, parameters
from dangjian.core.excel import Row
from dangjian.core.excel.orgs import OrgLookup, OrgRowsState
from dangjian.core.models import AuditEvent
from dangjian.members.models import Member
from dangjian.organizations.models import Organization

COLLISION = "id_collision"
LIMIT_REFUSED = "id_collision_limit"
LIMIT_KEY = "privacy.id_collisions_per_day"


def outside_message() -> str:
    return _(
        "This ID number cannot be registered here. If the person's organizational relationship is "
        "elsewhere, ask the higher-level organization department to transfer it."
    )


def limit_message(limit: int) -> str:
    return _(
        "You have reached today's limit of %(n)s ID numbers registered outside your organizations: "
        "registering people by ID number is paused for you until tomorrow. Ask the higher-level "
        "organization department to transfer the organizational relationship."
    ) % {"n": limit}


def file_message(left: int) -> str:
    return _(
        "The file holds more ID numbers registered outside your organizations than you may still try "
        "today (%(n)s): the whole file is refused. Ask the higher-level organization department to "
        "transfer the organizational relationships."
    ) % {"n": left}


@dataclass(frozen=True)
class Register:
    """Records that hold ID numbers: ``kind`` names them in the audit event, ``taken`` is the message for
    a number held by a record the user may see, ``exclude`` the record being changed."""

    model: type[models.Model]
    taken: str
    exclude: int | None = None


def member_register(*, exclude: int | None = None, taken: str | None = None) -> Register:
    return Register(Member, taken or _("A member with this ID number is already registered."), exclude)


def parse_id_number(
    data: dict, errors: dict[str, str], *, screening: Screening | None, registers: Sequence[Register]
) -> idnumber.IdInfo | None:
    """Parse ``data["id_number"]`` of a person being registered (a member, a non-member cadre) and put
    back its normal form: a malformed number, or (with ``screening``) one the ``registers`` already
    hold, is an error of the field. The parsed number, or None when malformed."""
    try:
        info = idnumber.parse(data["id_number"])
    except ValidationError as exc:
        errors["id_number"] = exc.messages[0]
        return None
    data["id_number"] = info.number
    if screening is not None:
        found = screening.check({0: crypto.blind_index(info.number)}, registers)
        if found or screening.refusal:
            errors["id_number"] = found.get(0) or screening.refusal
    return info


def _start_of_today() -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))


class Screening:
    """One attempt of ``actor`` to register people by ID number (a create, an edit, an import file).

    ``check`` may be called once per batch (an import's chunks): the day's count is read once, and a
    refusal of the whole attempt (:attr:`refusal`) is recorded once.
    """

    def __init__(self, actor, *, where: str, org=None):
        self.actor = actor
        self.where = where  # what the user was doing, for the audit event ("member", "member import", …)
        self.org = org  # the organization the user registers into, when one is known: its auditors see it
        self.refusal = ""  # set once the whole attempt is refused (the daily limit)
        self._left: int | None = None
        self._limit = 0

    @property
    def _system(self) -> bool:
        """No user (demo data, a migration): every record is visible to it and nothing is counted."""
        return not getattr(self.actor, "is_authenticated", False)

    def _load(self) -> None:
        if self._left is not None:
            return
        self._limit = parameters.get(LIMIT_KEY)
        if self._system:
            self._left = 1 << 30
            return
        counts = AuditEvent.objects.filter(
            actor_id=getattr(self.actor, "pk", None), created_at__gte=_start_of_today()
        ).aggregate(
            collisions=Count("id", filter=Q(action=COLLISION)), refused=Count("id", filter=Q(action=LIMIT_REFUSED))
        )
        # A refusal for the limit ends the day's tries: refused files must not probe one bit each.
        self._left = 0 if counts["refused"] else max(self._limit - counts["collisions"], 0)

    def _refuse(self, message: str, attempted: int) -> None:
        if not self.refusal:
            self.refusal = message
            audit.record(
                actor=self.actor,
                action=LIMIT_REFUSED,
                org=self.org,
                object_type=Member._meta.label_lower,
                object_repr=self.where,
                outcome=AuditEvent.Outcome.FAILURE,
                changes={"where": self.where, "attempted": attempted, "limit": self._limit},
            )

    def check(self, hashes: dict[Hashable, str], registers: Sequence[Register]) -> dict[Hashable, str]:
        """The reasons, by key of ``hashes`` (blind indexes), why those numbers cannot be registered.

        A number held by a visible record gets its register's ``taken`` message; one held by a record
        the user may not see gets :func:`outside_message`, recorded and counted. Past the day's limit
        nothing is looked up: :attr:`refusal` is set (the caller refuses the whole attempt with it) and
        no key is named.
        """
        if not hashes:
            return {}
        self._load()
        if self.refusal or self._left == 0:
            self._refuse(limit_message(self._limit), len(hashes))
            return {}
        wanted = set(hashes.values())
        holders: dict[str, tuple[Register, int, bool]] = {}
        for register in registers:
            found = register.model.objects.filter(id_number_hash__in=wanted - set(holders))
            if register.exclude is not None:
                found = found.exclude(pk=register.exclude)
            pairs = dict(found.values_list("id_number_hash", "pk"))
            if not pairs:
                continue
            if self._system:
                seen = set(pairs.values())
            else:
                visible = register.model.objects.visible_to(self.actor).filter(pk__in=pairs.values())
                seen = set(visible.values_list("pk", flat=True))
            holders.update({h: (register, pk, pk in seen) for h, pk in pairs.items()})
        errors: dict[Hashable, str] = {}
        outside: dict[str, tuple[Register, int]] = {}
        for key, blind in hashes.items():
            if blind not in holders:
                continue
            register, pk, visible = holders[blind]
            if visible:
                errors[key] = register.taken
            else:
                outside.setdefault(blind, (register, pk))
                errors[key] = outside_message()
        if not outside:
            return errors
        left = self._left or 0
        if len(outside) > left:
            self._refuse(file_message(left) if len(hashes) > 1 else limit_message(self._limit), len(outside))
            return {k: m for k, m in errors.items() if hashes[k] not in outside}
        self._left = left - len(outside)
        audit.record_many(
            [
                audit.event_values(
                    actor=self.actor,
                    action=COLLISION,
                    org=self.org,
                    object_type=getattr(register.model, "audit_type", register.model._meta.label_lower),
                    object_repr=self.where,
                    outcome=AuditEvent.Outcome.FAILURE,
                    # The blind index (HMAC-SM3) names the number without it; the holder is for the department.
                    changes={"where": self.where, "id_hash": blind, "holder": pk},
                )
                for blind, (register, pk) in outside.items()
            ]
        )
        return errors


# --- Imports ------------------------------------------------------------------------------------------


@dataclass
class ScreenedRowsState(OrgRowsState):
    """An import's state with the screening of its new ID numbers (one per file: one daily count, one refusal)."""

    screening: Screening | None = None
    refusal_shown: bool = False


def screened_state(user, *, commit: bool, where: str) -> ScreenedRowsState:
    """The state of an import of people (``where``): rows name their organization by code or full
    name, and only those the user may put people into exist."""
    orgs = OrgLookup(Organization.objects.accepting_members_from(user))
    return ScreenedRowsState(user=user, commit=commit, orgs=orgs, screening=Screening(user, where=where))


def screen_rows(
    state: ScreenedRowsState, rows: list[Row], hashes: dict[int, str], registers: Sequence[Register], *, header: str
) -> None:
    """Screen a chunk's ID numbers (``{row number: blind index}``, those not of a record the user may
    write to): each taken number's reason goes onto its row (column ``header``; ``extra["taken"]``
    stops its planning); a refusal of the whole file goes once onto the first row of the chunk, and
    then no row is named."""
    screening = state.screening or Screening(state.user, where="import")
    state.screening = screening
    by_number = {row.number: row for row in rows}
    for number, message in screening.check(hashes, registers).items():
        by_number[number].errors.append((header, message))
        by_number[number].extra["taken"] = True  # the row is not planned further
    if screening.refusal and not state.refusal_shown and rows:
        rows[0].errors.append(("", screening.refusal))
        state.refusal_shown = True

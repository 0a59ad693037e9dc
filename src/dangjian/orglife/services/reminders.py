"""Reminders of requirements due soon: written to the inbox with their audit event, sent through the
outbound channel after the commit."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, tree
from dangjian.core.models import RoleAssignment
from dangjian.core.roles import Role
from dangjian.organizations.models import Organization
from dangjian.orglife import channels, queries
from dangjian.orglife.models import Reminder


def _recipients_by_path() -> dict[str, list]:
    """Secretaries by the path of the organization they were granted: one query."""
    found: dict[str, list] = {}
    for grant in RoleAssignment.objects.filter(role=Role.SECRETARY, user__is_active=True).select_related("user", "org"):
        found.setdefault(grant.org.path, []).append(grant.user)
    return found


def _nearest(path: str, by_path: dict[str, list]) -> list:
    """The secretaries of the organization, or of the nearest organization above it that has any."""
    for candidate in [path, *reversed(tree.ancestors(path))]:
        if candidate in by_path:
            return by_path[candidate]
    return []


def reminders_send(*, on: dt.date | None = None, channel=None, dry_run: bool = False) -> list[Reminder]:
    """Remind secretaries of every requirement due soon and not yet met, once per period.

    Runs daily (``dangjian orglife remind``). Each new reminder is written to the in-app inbox
    with its audit event, then sent through the outbound channel after the commit.
    """
    on = on or timezone.localdate()
    orgs = queries.org_infos(Organization.objects.filter(dissolved_on__isnull=True))
    roots = [o.path for o in orgs if len(o.path) == 4]
    cells = queries.reminder_cells(orgs, on, paths=roots)  # the same rule as the home pages
    if not cells:
        return []
    by_id = {o.id: o for o in orgs}
    sent = set(
        Reminder.objects.filter(period_key__in={c.period.key for c in cells}).values_list(
            "org_id", "kind", "period_key"
        )
    )
    secretaries = _recipients_by_path()
    created: list[tuple[Reminder, list]] = []
    with transaction.atomic():
        for cell in cells:
            if (cell.org_id, cell.kind, cell.period.key) in sent:
                continue
            org = by_id[cell.org_id]
            users = _nearest(org.path, secretaries)
            message = _("%(org)s: %(kind)s for %(period)s is due by %(day)s — %(held)d of %(required)d held.") % {
                "org": org.name,
                "kind": cell.kind_label,
                "period": cell.period.label,
                "day": cell.period.end.isoformat(),
                "held": cell.counted,
                "required": cell.required,
            }
            if cell.planned:
                message += " " + _("A meeting is planned.")
            reminder = Reminder(
                org_id=org.id,
                org_path=org.path,
                kind=cell.kind,
                period_key=cell.period.key,
                due_on=cell.period.end,
                required=cell.required,
                held=cell.counted,
                message=message[:300],
                recipients=[u.get_username() for u in users],
            )
            created.append((reminder, users))
        if dry_run:
            return [r for r, _users in created]
        Reminder.objects.bulk_create([r for r, _users in created])
        if created:
            audit.record(
                actor=None,
                action="create",
                object_type="orglife.reminder",
                object_repr=_("Reminders for %(day)s") % {"day": on.isoformat()},
                changes={"reminders": [None, len(created)], "on": [None, on.isoformat()]},
            )
        outbound = channel or channels.get_channel()
        transaction.on_commit(lambda: [outbound.send(r, users) for r, users in created])
    return [r for r, _users in created]


@transaction.atomic
def reminder_dismiss(*, actor, reminder: Reminder) -> Reminder:
    if reminder.dismissed_at is None:
        reminder.dismissed_at = timezone.now()
        reminder.save(update_fields=["dismissed_at", "updated_at"])
        audit.record(
            actor=actor, action="update", obj=reminder, changes={"dismissed_at": [None, reminder.dismissed_at]}
        )
    return reminder

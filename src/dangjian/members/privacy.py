"""Personal-information rights (PIPL art. 44–47): what we hold about a member, corrections, erasure.

* :func:`member_report` — everything held about one member, for the member themselves ("my data")
  or an organizer over their subtree (printable page and .xlsx copy).
* :func:`correction_submit` / :func:`correction_accept` / :func:`correction_reject` — a member asks
  for a correction of their own record; their branch decides; an accepted change goes through
  ``member_update`` like any other edit. Every step writes an audit event on the member.
* :func:`erase_expired` — after ``privacy.erase_after_days`` from ``left_on`` the ID number,
  phone and hardship flag of a departed member are erased. The blind index (unique, not null)
  is replaced by a random ``erased:<uuid>`` marker: an HMAC of the ID number would let anyone
  holding the index key confirm a guessed number, so it cannot stay.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from dangjian.core import audit, idnumber, parameters, tree
from dangjian.core.audit import describe_changes
from dangjian.core.audit_display import Links, link_names, mask_changes
from dangjian.core.models import AuditEvent
from dangjian.core.roles import WRITE_ROLES, Role
from dangjian.core.scoping import can_see_full_id, paths_for
from dangjian.core.services import check_version
from dangjian.members.collisions import Screening
from dangjian.members.forms import MemberForm
from dangjian.members.models import CorrectionRequest, Member
from dangjian.members.queries import ACCESS_ACTIONS
from dangjian.members.services import member_update, validate_member_data

ERASED_PREFIX = "erased:"
# Fields a member may ask to have corrected (standing, status and posts are decided by the branch).
CORRECTABLE = (
    "name",
    "id_number",
    "gender",
    "birth_date",
    "ethnicity",
    "phone",
    "education",
    "occupation",
    "joined_on",
    "full_member_on",
    "mobile_destination",
)
# Fields whose correct value may be "nothing".
MAY_BE_EMPTY = {"phone", "occupation", "mobile_destination", "full_member_on"}
MASKS = {"id_number": idnumber.mask, "phone": idnumber.mask_phone}
SENSITIVE_ACTIONS = ACCESS_ACTIONS  # reads of the record: listed as accesses, not as changes
ACCOUNT_ACTIONS = ("login", "login_failed", "logout", "api_login", "api_logout")

# Labels for the actions written here, used where core.audit.ACTION_LABELS lacks them.
ACTION_LABELS = {
    "correction_request": gettext_lazy("asked for a correction"),
    "correction_accept": gettext_lazy("accepted a correction"),
    "correction_reject": gettext_lazy("rejected a correction"),
    "erase": gettext_lazy("erased personal information"),
    "privacy_report": gettext_lazy("produced a personal-information report"),
    "view_sensitive": gettext_lazy("viewed personal information"),
}


def action_label(action: str) -> str:
    return str(audit.ACTION_LABELS.get(action) or ACTION_LABELS.get(action) or action)


def field_label(name: str) -> str:
    return str(MemberForm.base_fields[name].label)


def field_choices() -> list[tuple[str, str]]:
    return [(name, field_label(name)) for name in CORRECTABLE]


def is_erased(member: Member) -> bool:
    return member.id_number_hash.startswith(ERASED_PREFIX)


# --- Who may see a member's report ------------------------------------------------------------


def reportable_members(user):
    """Members whose personal-information report ``user`` may produce: their own, and organizers' subtrees."""
    query = tree.subtrees_q("org_path", paths_for(user, {Role.ORGANIZER}))
    own = Q(user=user) if getattr(user, "is_authenticated", False) else None
    query = own if query is None else (query | own if own is not None else query)
    return Member.objects.none() if query is None else Member.objects.filter(query)


def may_unmask(user, member: Member) -> bool:
    return member.user_id == getattr(user, "pk", None) or can_see_full_id(user)


# --- Parsing a proposed value -------------------------------------------------------------------


def parse_proposed(name: str, text: str) -> Any:
    """The typed value of a proposal typed as text; choices match their code or their label."""
    if name not in CORRECTABLE:
        raise ValidationError({"field": _("This field cannot be corrected by request.")})
    text = (text or "").strip()
    form_field = MemberForm.base_fields[name]
    if isinstance(form_field, forms.ChoiceField):
        for code, label in form_field.choices:
            if code and text.lower() in (str(code).lower(), str(label).lower()):
                return code
        names = "、".join(str(label) for code, label in form_field.choices if code)
        raise ValidationError({"proposed_value": _("Choose one of: %s") % names})
    if not text and name not in MAY_BE_EMPTY:
        raise ValidationError({"proposed_value": _("Enter the correct value.")})
    try:
        value = form_field.clean(text)
    except ValidationError as exc:
        raise ValidationError({"proposed_value": exc.messages}) from None
    return idnumber.normalize(value) if name == "id_number" else value


def as_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value if value is not None else "")


def display_value(name: str, text: str, *, unmasked: bool = False) -> str:
    """A stored proposal as a person reads it: choice labels, masked secrets."""
    if not text:
        return "—"
    if name in MASKS and not unmasked:
        return MASKS[name](text)
    form_field = MemberForm.base_fields.get(name)
    if isinstance(form_field, forms.ChoiceField):
        return str(dict(form_field.choices).get(text, text))
    return text


def current_text(member: Member, name: str) -> str:
    return as_text(getattr(member, name))


# --- Correction requests ----------------------------------------------------------------------


def correction_submit(*, actor, member: Member, field: str, proposed: str, reason: str) -> CorrectionRequest:
    """A member asks for a correction of their own record; checked now with the record's own rules."""
    if member.user_id is None or member.user_id != getattr(actor, "pk", None):
        raise PermissionDenied
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Say why the record is wrong.")
    value = parse_proposed(field, proposed)
    if as_text(value) == current_text(member, field):
        errors["proposed_value"] = _("This is already the value on record.")
    elif CorrectionRequest.objects.filter(member=member, field=field, state=CorrectionRequest.State.PENDING).exists():
        errors["field"] = _("You already asked for a correction of this field; wait for the answer.")
    if errors:
        raise ValidationError(errors)
    try:
        # A proposed ID number is looked up like any other (members.collisions): refusals audited, limited.
        screening = Screening(actor, where="correction", org=member.org)
        validate_member_data({field: value}, instance=member, screening=screening)
    except ValidationError as exc:
        raise ValidationError({"proposed_value": [m for ms in exc.message_dict.values() for m in ms]}) from None
    return _save_correction(actor, member, field, value, reason)


@transaction.atomic  # after the checks: a refused ID number's audit event is not rolled back with it
def _save_correction(actor, member: Member, field: str, value: Any, reason: str) -> CorrectionRequest:
    request = CorrectionRequest(member=member, field=field, reason=reason[:500], requested_by=actor)
    request.set_proposed_value(as_text(value))
    request.save()
    audit.record(
        actor=actor,
        action="correction_request",
        obj=member,
        changes={"field": [None, field], "request": [None, request.pk]},
    )
    return request


def _lock_pending(request: CorrectionRequest, actor) -> CorrectionRequest:
    fresh = CorrectionRequest.objects.select_for_update().get(pk=request.pk)
    if fresh.state != CorrectionRequest.State.PENDING:
        raise ValidationError(_("This request has already been answered."), code="stale")
    check_version(fresh, request.version)
    if not Member.objects.writable_by(actor).filter(pk=fresh.member_id).exists():
        raise PermissionDenied
    return fresh


@transaction.atomic
def correction_accept(*, actor, request: CorrectionRequest, note: str = "") -> CorrectionRequest:
    """Apply the proposed value through ``member_update`` (its rules and audit) and close the request."""
    request = _lock_pending(request, actor)
    member = Member.objects.get(pk=request.member_id)
    value = parse_proposed(request.field, request.proposed_value)
    member_update(actor=actor, member=member, data={request.field: value})
    request.state = CorrectionRequest.State.ACCEPTED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = (note or "").strip()[:500]
    request.version = F("version") + 1
    request.save()
    audit.record(
        actor=actor,
        action="correction_accept",
        obj=member,
        changes={"field": [None, request.field], "request": [None, request.pk]},
    )
    request.refresh_from_db()
    return request


@transaction.atomic
def correction_reject(*, actor, request: CorrectionRequest, reason: str) -> CorrectionRequest:
    """Refuse a correction; the member reads the reason on their page."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"decision_note": _("Give the member a reason.")})
    request = _lock_pending(request, actor)
    request.state = CorrectionRequest.State.REJECTED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = reason[:500]
    request.version = F("version") + 1
    request.save()
    audit.record(
        actor=actor,
        action="correction_reject",
        obj=request.member,
        changes={"field": [None, request.field], "request": [None, request.pk], "reason": [None, reason[:500]]},
    )
    request.refresh_from_db()
    return request


def pending_corrections(user):
    """Requests the user's branches must answer, oldest first (an empty queryset for other roles)."""
    return (
        CorrectionRequest.objects.writable_by(user)
        .filter(state=CorrectionRequest.State.PENDING)
        .select_related("member", "member__org", "requested_by")
        .order_by("created_at", "id")
    )


def answer_due(request: CorrectionRequest) -> dt.date:
    return answer_dues([request])[request.pk]


def answer_dues(requests) -> dict[int, dt.date]:
    """``{request id: the day it must be answered by}``, by the rule in force on the day each was made (one query)."""
    made = {r.pk: timezone.localdate(r.created_at) for r in requests}
    days = parameters.on_days("privacy.correction_answer_days", made.values())
    return {pk: day + dt.timedelta(days=days[day]) for pk, day in made.items()}


# --- The report ---------------------------------------------------------------------------------


@dataclass
class Report:
    member: Member
    unmasked: bool
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (key, label, value)
    account: list[tuple[str, str]] = field(default_factory=list)
    history: list = field(default_factory=list)
    changes: list = field(default_factory=list)
    views: list = field(default_factory=list)
    corrections: list = field(default_factory=list)
    logins: list = field(default_factory=list)


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _date(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def reader_links(reader, member: Member, events) -> Links:
    """The names of the records ``events`` link to that ``reader`` may see: within the subtrees they organize
    or run, and the member's own organization when they read their own record (as on the member's page)."""
    paths = paths_for(reader, WRITE_ROLES) if reader is not None else []
    if reader is not None and member.user_id == reader.pk:
        paths.append(member.org_path)
    return link_names(((e.object_type, e.changes) for e in events), paths)


def member_report(member: Member, *, reader=None, unmasked: bool = False, login_limit: int = 50) -> Report:
    """Everything held about ``member``: the record, history, change trail, reveals, requests, logins.
    Linked records in the change trail are named as ``reader`` may see them (:func:`reader_links`)."""
    m = member
    erased = is_erased(m)
    id_text = _("erased") if erased else (m.id_number if unmasked else m.id_number_masked)
    phone_text = (m.phone if unmasked else m.phone_masked) or "—"
    report = Report(member=m, unmasked=unmasked)
    report.fields = [
        ("name", _("full name"), m.name),
        ("org", _("organization"), m.org.name),
        ("id_number", _("ID number"), id_text or "—"),
        ("gender", _("gender"), m.get_gender_display()),
        ("birth_date", _("birth date"), _date(m.birth_date)),
        ("ethnicity", _("ethnicity"), m.ethnicity),
        ("phone", _("phone"), _("erased") if erased else phone_text),
        ("education", _("education"), m.get_education_display() or "—"),
        ("occupation", _("occupation"), m.occupation or "—"),
        ("status", pgettext("member", "status"), m.get_status_display()),
        ("joined_on", _("joined the party on"), _date(m.joined_on)),
        ("full_member_on", _("became a full member on"), _date(m.full_member_on)),
        ("mobile", _("mobile member"), _yes_no(m.mobile)),
        ("mobile_destination", _("where the mobile member is"), m.mobile_destination or "—"),
        ("in_hardship", _("in hardship"), _yes_no(m.in_hardship)),
        ("holds_post", _("holds a post"), _yes_no(m.holds_post)),
        ("left_on", _("left on"), _date(m.left_on)),
        ("created_at", _("record created"), _date(m.created_at)),
        ("updated_at", _("record last changed"), _date(m.updated_at)),
    ]
    user = m.user
    if user is not None:
        roles = ", ".join(f"{a.get_role_display()} @ {a.org.name}" for a in user.role_assignments.select_related("org"))
        report.account = [
            (_("user name"), user.get_username()),
            (_("full name"), user.full_name or "—"),
            (_("account created"), _date(user.date_joined)),
            (_("last login"), _date(user.last_login)),
            (_("roles"), roles or "—"),
        ]
        report.logins = list(
            AuditEvent.objects.filter(
                Q(actor=user, action__in=ACCOUNT_ACTIONS) | Q(action="login_failed", object_repr=user.get_username())
            ).order_by("-id")[:login_limit]
        )
    report.history = list(m.standing_changes.all())
    events = AuditEvent.objects.filter(object_type="members.member", object_id=str(m.pk)).order_by("id")
    changes = list(events.exclude(action__in=SENSITIVE_ACTIONS))
    links = reader_links(reader, m, changes)
    report.changes = [
        (
            e,
            action_label(e.action),
            describe_changes(Member, mask_changes(e.changes, full_id=True, business=True), links),
        )
        for e in changes
    ]
    report.views = [(e, action_label(e.action)) for e in events.filter(action__in=SENSITIVE_ACTIONS)]
    report.corrections = list(m.correction_requests.select_related("decided_by").order_by("created_at", "id"))
    return report


def record_report(*, actor, member: Member, kind: str, unmasked: bool) -> None:
    """Producing a report is an access to personal information: audit it (not for the member's own page)."""
    audit.record(
        actor=actor,
        action="privacy_report",
        obj=member,
        changes={"format": [None, kind], "unmasked": [None, unmasked]},
    )


def reveal_phone(*, actor, member: Member) -> str:
    """Return the full phone number and log the access."""
    audit.record(actor=actor, action="view_sensitive", obj=member, changes={"field": [None, "phone"]})
    return member.phone


# --- Erasure after the retention period ---------------------------------------------------------


def erasable(on: dt.date | None = None):
    """Members who left at least ``privacy.erase_after_days`` before ``on`` and are not erased yet."""
    on = on or timezone.localdate()
    days = parameters.get("privacy.erase_after_days", on)
    cutoff = on - dt.timedelta(days=days)
    return (
        Member.objects.filter(left_on__isnull=False, left_on__lte=cutoff)
        .exclude(id_number_hash__startswith=ERASED_PREFIX)
        .order_by("id")
    )


def member_erase(*, actor, member: Member, rule_days: int | None = None) -> None:
    """Erase one member's ID number, phone and hardship flag (and their pending proposals), audited."""
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        if is_erased(locked):
            return
        Member.objects.filter(pk=locked.pk).update(
            id_number_enc="",
            id_number_hash=f"{ERASED_PREFIX}{uuid.uuid4().hex}",
            phone_enc="",
            in_hardship=False,
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        CorrectionRequest.objects.filter(member=locked).update(proposed_value_enc="")
        audit.record(
            actor=actor,
            action="erase",
            obj=locked,
            changes={
                "id_number": [audit.SENSITIVE_MARK, None],
                "phone": [audit.SENSITIVE_MARK, None],
                "in_hardship": [audit.SENSITIVE_MARK, None],
                "left_on": [None, audit.jsonable(locked.left_on)],
                "rule_days": [None, rule_days],
            },
        )


def erase_expired(*, actor, on: dt.date | None = None, dry_run: bool = False) -> list[Member]:
    """Erase every member past the retention period, one short transaction each; return them."""
    on = on or timezone.localdate()
    days = parameters.get("privacy.erase_after_days", on)
    members = list(erasable(on).select_related("org"))
    if not dry_run:
        for member in members:
            member_erase(actor=actor, member=member, rule_days=days)
    return members

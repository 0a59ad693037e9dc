"""Points pages: my points (a member, on a phone), the branch's balances (the committee), a subtree's
distribution (rates, no names), the approval inbox, an entry with its steps, claims and awards,
and the rules with their history.

Every page starts from ``visible_to(user)``; anything outside the user's subtree is a 404. No page
shows members a ranking of members.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangjian.core import tree
from dangjian.core.generic_views import EndView, ReviseView
from dangjian.core.pages import default_root, form_page, org_param, require_business, year_param
from dangjian.core.roles import Role
from dangjian.core.scoping import get_visible_or_404, has_role, paths_for
from dangjian.members.models import Member
from dangjian.members.queries import count_definition, subtree_member_count
from dangjian.organizations.models import Level, Organization
from dangjian.organizations.queries import ancestors_of
from dangjian.points import queries, services
from dangjian.points.forms import AwardForm, ClaimForm, DecisionForm, RejectForm, RuleForm, SchemeForm
from dangjian.points.models import PointClaim, PointEntry, PointRule, PointScheme
from dangjian.posts.queries import current_assignment, duty_assignments, group_leader_of, group_of

BRANCH_LEVELS = (Level.BRANCH, Level.GENERAL_BRANCH, Level.PARTY_GROUP)


def _business(request) -> bool:
    return has_role(request.user, Role.ORGANIZER, Role.SECRETARY)


def _require_decider(request) -> None:
    """The approval pages: a secretary or organizer, or a party group leader (the first step of many chains)."""
    if not (_business(request) or services.is_group_leader(request.user)):
        raise Http404


def _years():
    this = timezone.localdate().year
    return range(this, this - 5, -1)


def _own_member(request):
    return Member.objects.filter(user=request.user).select_related("org").first()


def _org(request):
    """The organization of ``?org=`` (404 outside the subtree), else the user's topmost one."""
    return org_param(request, Organization.objects.visible_to(request.user)) or default_root(request)


@login_required
def index(request):
    if not _business(request):
        if _own_member(request) is None or request.GET.get("org"):
            raise Http404
        return redirect("points-me")
    org = _org(request)
    return redirect(
        f"{reverse('points-balances' if org.level in BRANCH_LEVELS else 'points-distribution')}?org={org.pk}"
    )


# --- A member's own points -------------------------------------------------------------------------
@login_required
def me(request):
    """我的积分: the year's balance by category, every entry and where a claim stands."""
    member = _own_member(request)
    if member is None:
        raise Http404
    year = year_param(request)
    return render(
        request,
        "points/me.html",
        {
            "member": member,
            "data": queries.member_year(member, year),
            "year": year,
            "years": _years(),
            # 一编三定, through the members module's functions: the group, its leader, the post and duties.
            "group": group_of(member),
            "leader": group_leader_of(member),
            "leads_group": services.is_group_leader(request.user),
            "assignment": current_assignment(member),
        },
    )


def _claim_rules(member):
    return services.rules_for(member, timezone.localdate())


@login_required
def claim_create(request):
    """A member claims for themselves; a secretary (or group leader) proposes for ``?member=``."""
    if request.GET.get("member"):
        require_business(request)
        member = get_visible_or_404(Member.objects.visible_to(request.user).current(), pk=request.GET["member"])
    else:
        member = _own_member(request)
        if member is None:
            raise Http404
    rules = _claim_rules(member)
    posts = duty_assignments([member.pk]).get(member.pk, [])
    form = ClaimForm(request.POST or None, rules=rules, posts=posts)
    if form.submitted(
        request,
        lambda d: services.claim_propose(
            actor=request.user,
            member=member,
            rule=form.rules[d["rule"]],
            occurred_on=d["occurred_on"],
            event=d["event"],
            points=d["points"] or None,
            evidence=d["evidence"],
            assignment=form.posts.get(d.get("assignment")),
        ),
    ):
        messages.success(request, _("Saved."))
        return redirect("points-entry", pk=form.result.pk)
    return render(
        request,
        "points/claim_form.html",
        {"form": form, "member": member, "title": _("Claim points for %(name)s") % {"name": member.name}},
    )


# --- Entries and their approval ------------------------------------------------------------------------
def _visible_entries(request):
    """Entries in the user's subtree, and the user's own."""
    visible = PointEntry.objects.visible_to(request.user)
    own = _own_member(request)
    if own is not None:
        visible = visible | PointEntry.objects.filter(member=own)
    return visible


@login_required
def entry_detail(request, pk: int):
    entry = get_visible_or_404(
        (_visible_entries(request) | queries.decidable_entries(request.user)).select_related("member", "rule", "org"),
        pk=pk,
    )
    claim = PointClaim.objects.filter(entry=entry).select_related("assignment__post").first()
    can_decide = False
    if claim is not None and entry.status == PointEntry.Status.PROPOSED and claim.next_step:
        claim.entry = entry
        can_decide = services.holds_step(request.user, claim.next_step, entry.org_path, entry.member_id)
    return render(
        request,
        "points/entry_detail.html",
        {
            "entry": entry,
            "claim": claim,
            "source": services.entry_source(entry, request.user),
            "steps": list(claim.steps.all()) if claim else [],
            "can_decide": can_decide,
            "approve_form": DecisionForm(),
            "reject_form": RejectForm(),
        },
    )


def _decide(request, pk: int, approve: bool):
    _require_decider(request)
    entry = get_visible_or_404(queries.decidable_entries(request.user), pk=pk)
    form = (DecisionForm if approve else RejectForm)(request.POST)
    if form.is_valid():
        try:
            if approve:
                services.entry_approve(actor=request.user, entry=entry, note=form.cleaned_data["note"])
            else:
                services.entry_reject(actor=request.user, entry=entry, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Saved."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("points-entry", pk=entry.pk)


@login_required
@require_POST
def entry_approve(request, pk: int):
    return _decide(request, pk, approve=True)


@login_required
@require_POST
def entry_reject(request, pk: int):
    return _decide(request, pk, approve=False)


INBOX_LIMIT = 200


@login_required
def inbox(request):
    """Entries waiting for a step the user holds."""
    _require_decider(request)
    mine = queries.awaiting_decision(request.user, INBOX_LIMIT)
    return render(request, "points/inbox.html", {"entries": mine})


# --- The committee's pages -------------------------------------------------------------------------------
@login_required
def balances(request):
    """A branch's members with their year's totals per category, for review and appraisal."""
    require_business(request)
    org = _org(request)
    if org.level not in BRANCH_LEVELS:
        return redirect(f"{reverse('points-distribution')}?org={org.pk}&year={year_param(request)}")
    year = year_param(request)
    sort = "total" if request.GET.get("sort") == "total" else "name"
    members = Member.objects.visible_to(request.user).current().filter(org=org).order_by("name_pinyin", "id")
    rows, categories = queries.branch_balances(members, year, sort=sort)
    return render(
        request,
        "points/balances.html",
        {
            "org": org,
            "year": year,
            "years": _years(),
            "rows": rows,
            "categories": categories,
            "sort": sort,
            "ancestors": ancestors_of(org).filter(pk__in=Organization.objects.visible_to(request.user).values("pk")),
        },
    )


@login_required
def distribution(request):
    """How a subtree's members spread over bands of points, and each child organization's rate."""
    require_business(request)
    org = _org(request)
    year = year_param(request)
    children = Organization.objects.visible_to(request.user).filter(parent=org, dissolved_on__isnull=True)
    data = queries.distribution(org, children.order_by("path"), year)
    # The register's count (members.queries, the one member count) beside the balances' count, which
    # also holds the members who left during the year: the page says why the two differ.
    on = min(timezone.localdate(), dt.date(year, 12, 31))
    return render(
        request,
        "points/distribution.html",
        {
            "org": org,
            "year": year,
            "years": _years(),
            "data": data,
            "register": {"on": on, "members": subtree_member_count(org, on), "definition": count_definition(on)},
            "is_branch": org.level in BRANCH_LEVELS,
            "ancestors": ancestors_of(org).filter(pk__in=Organization.objects.visible_to(request.user).values("pk")),
        },
    )


@login_required
def award(request):
    """The branch awards (or deducts) the same points to several of its members for one event."""
    require_business(request)
    org = _org(request)
    if org.level not in BRANCH_LEVELS:
        raise Http404
    members = list(Member.objects.writable_by(request.user).current().filter(org=org).order_by("name_pinyin", "id"))
    if not members:
        raise Http404
    rules = _claim_rules(members[0])
    form = AwardForm(request.POST or None, rules=rules, members=members)
    if form.submitted(
        request,
        lambda d: services.award_bulk(
            actor=request.user,
            members=[m for m in members if m.pk in set(d["members"])],
            rule=form.rules[d["rule"]],
            occurred_on=d["occurred_on"],
            event=d["event"],
            points=d["points"] or None,
            evidence=d["evidence"],
        ),
    ):
        messages.success(request, _("Saved."))
        return redirect(f"{reverse('points-balances')}?org={org.pk}")
    threshold = services.bulk_threshold()
    return render(request, "points/award_form.html", {"form": form, "org": org, "threshold": threshold})


# --- Rules ---------------------------------------------------------------------------------------------------
def _can_edit(request, scheme: PointScheme | None) -> bool:
    paths = paths_for(request.user, {Role.ORGANIZER})
    if scheme is None or scheme.org_id is None:
        return any(tree.depth(p) == 1 for p in paths)
    return any(scheme.org_path.startswith(p) for p in paths)


@login_required
def rules(request):
    """Every scheme and its rules in force, with their history. Organizers change the rules of the
    schemes in their subtree; the department the default."""
    require_business(request)
    today = timezone.localdate()
    schemes = list(PointScheme.objects.select_related("org").order_by("template", "org_path", "id"))
    all_rules = list(PointRule.objects.select_related("created_by").order_by("category", "code", "-effective_from"))
    by_scheme: dict[int, list] = {}
    for rule in all_rules:
        by_scheme.setdefault(rule.scheme_id, []).append(rule)
    listed = [
        {
            "scheme": s,
            "current": [r for r in by_scheme.get(s.pk, []) if r.in_force(today) or r.effective_from > today],
            "history": by_scheme.get(s.pk, []),
            "can_edit": _can_edit(request, s),
        }
        for s in schemes
    ]
    return render(
        request,
        "points/rules.html",
        {"schemes": listed, "today": today, "can_create": bool(paths_for(request.user, {Role.ORGANIZER}))},
    )


def _editable_scheme(request, pk: int) -> PointScheme:
    scheme = get_visible_or_404(PointScheme.objects.all(), pk=pk)
    if not _can_edit(request, scheme):
        raise Http404
    return scheme


@login_required
def rule_create(request, pk: int):
    scheme = _editable_scheme(request, pk)
    form = RuleForm(request.POST or None, initial={"effective_from": timezone.localdate()})
    return form_page(
        request,
        form,
        lambda d: services.rule_create(
            actor=request.user, scheme=scheme, data=form.data_for(RuleForm.FIELDS), effective_from=d["effective_from"]
        ),
        title=_("New rule of %(scheme)s") % {"scheme": scheme.name},
        back=reverse("points-rules"),
        message=_("The rule was saved."),
    )


def _can_edit_rule(request, rule) -> bool:
    return _can_edit(request, rule.scheme)


def _rules_page(rule) -> str:
    return reverse("points-rules")


rule_revise = ReviseView.as_view(
    queryset=lambda request: PointRule.objects.select_related("scheme"),
    allowed=_can_edit_rule,
    form_class=RuleForm,
    revise=services.rule_revise,
    record_arg="rule",
    fixed="code",
    success_url=_rules_page,
    title=gettext_lazy("Change a rule from a date"),
)
rule_end = EndView.as_view(
    queryset=lambda request: PointRule.objects.select_related("scheme"),
    allowed=_can_edit_rule,
    end=services.rule_end,
    record_arg="rule",
    success_url=_rules_page,
    title=gettext_lazy("End a rule"),
)


@login_required
def scheme_create(request):
    orgs = Organization.objects.writable_by(request.user).filter(dissolved_on__isnull=True)
    if not orgs.exists():
        raise Http404
    allow_default = _can_edit(request, None)
    form = SchemeForm(
        request.POST or None,
        orgs=orgs.order_by("path"),
        schemes=PointScheme.objects.all(),
        allow_default=allow_default,
        initial={"effective_from": timezone.localdate()},
    )
    fields = ("name", "org", "effective_from", "note", "copy_from")
    return form_page(
        request,
        form,
        lambda d: services.scheme_create(actor=request.user, **form.data_for(fields)),
        title=_("New points scheme"),
        back=reverse("points-rules"),
    )

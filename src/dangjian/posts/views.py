"""一编三定 pages: a branch's groups and assignments, an assignment with its stages, the public notice,
the printable badge list, and the post catalogue. Phone-first; every read starts from ``visible_to``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core import tree
from dangjian.core.pages import page_of, recording_orgs, require_business
from dangjian.core.roles import Role
from dangjian.core.scoping import get_visible_or_404, paths_for
from dangjian.members.models import Member
from dangjian.organizations.models import Level, Organization
from dangjian.posts import queries, services
from dangjian.posts.forms import (
    DayForm,
    DeclareForm,
    DutiesForm,
    EndForm,
    EvaluationForm,
    GroupAssignForm,
    ObjectionsForm,
    PostForm,
    PubliciseForm,
)
from dangjian.posts.models import OPEN_STATES, AssignmentState, GroupMembership, Post, PostAssignment
from dangjian.posts.queries import editable_posts


def _orgs(request):
    return Organization.objects.visible_to(request.user)


def _org(request, pk: int) -> Organization:
    require_business(request)
    org = get_visible_or_404(_orgs(request).select_related("parent"), pk=pk)
    if org.level == Level.PARTY_GROUP:
        raise Http404
    return org


def _can_write(request, org) -> bool:
    return recording_orgs(request).filter(pk=org.pk).exists()


@login_required
def index(request):
    """A secretary of one branch goes to it; others choose from the assignment list."""
    require_business(request)
    roots = list(_orgs(request).filter(path__in=paths_for(request.user, {Role.ORGANIZER, Role.SECRETARY}))[:2])
    if len(roots) == 1 and roots[0].level in (Level.BRANCH, Level.GENERAL_BRANCH):
        return redirect("posts-org", pk=roots[0].pk)
    if roots:
        return redirect("posts-org", pk=roots[0].pk)
    raise Http404


@login_required
def org_posts(request, pk: int):
    """A branch's 一编三定: its groups with members and leaders, assignments by state, the actions.
    Above a branch: the same assignments of the whole subtree, by state, with the branch named."""
    org = _org(request, pk)
    can_write = org.dissolved_on is None and _can_write(request, org)
    visible = PostAssignment.objects.visible_to(request.user)
    in_subtree = visible.filter(tree.subtree_q("org_path", org.path))
    counts = dict(in_subtree.values("state").annotate(n=Count("id")).values_list("state", "n").order_by())
    state = request.GET.get("state") or "open"
    if state not in {"open", *AssignmentState.values}:
        state = "open"
    page = page_of(request, queries.post_assignment_list(visible, org=org, state=state))
    context = {
        "org": org,
        "can_write": can_write,
        "counts": [(s, label, counts.get(s, 0)) for s, label in AssignmentState.choices],
        "open_count": sum(counts.get(s, 0) for s in OPEN_STATES),
        "state": state,
        "query": f"state={state}",
        "page_obj": page,
        "is_branch": org.level in (Level.BRANCH, Level.GENERAL_BRANCH),
        "ancestors": _orgs(request).filter(path__in=tree.ancestors(org.path)),
    }
    if context["is_branch"]:
        groups = queries.branch_groups(org)
        context["groups"] = groups
        placed = {m.member_id for _g, rows in groups for m in rows}
        members = Member.objects.current().filter(org=org)
        context["ungrouped"] = [m for m in members.order_by("name_pinyin") if m.pk not in placed]
        if can_write and groups:
            context["group_form"] = GroupAssignForm(
                members=members, groups=Organization.objects.filter(pk__in=[g.pk for g, _r in groups])
            )
    return render(request, "posts/org.html", context)


@login_required
@require_POST
def group_assign(request, pk: int):
    org = _org(request, pk)
    if not (org.dissolved_on is None and _can_write(request, org)):
        raise Http404
    groups = Organization.objects.filter(parent=org, level=Level.PARTY_GROUP, dissolved_on__isnull=True)
    form = GroupAssignForm(request.POST, members=Member.objects.current().filter(org=org), groups=groups)
    if form.submitted(
        request,
        lambda d: services.group_member_assign(
            actor=request.user, member=d["member"], group=d["group"], is_leader=d["is_leader"], on=d.get("started_on")
        ),
    ):
        messages.success(request, _("Saved."))
        return redirect("posts-org", pk=org.pk)
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)
    return redirect("posts-org", pk=org.pk)


@login_required
@require_POST
def membership_end(request, pk: int):
    require_business(request)
    membership = get_visible_or_404(
        GroupMembership.objects.writable_by(request.user).select_related("org"), pk=pk, ended_on__isnull=True
    )
    form = DayForm(request.POST)
    day = form.cleaned_data.get("on") if form.is_valid() else None
    try:
        services.group_member_remove(actor=request.user, membership=membership, on=day)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect("posts-org", pk=membership.org.parent_id)


@login_required
def declare(request, pk: int):
    """Record a self-declaration or a recommendation for a member of the branch without a post."""
    org = _org(request, pk)
    if not (org.dissolved_on is None and _can_write(request, org)) or org.level not in (
        Level.BRANCH,
        Level.GENERAL_BRANCH,
    ):
        raise Http404
    members = (
        Member.objects.current()
        .filter(org=org, holds_post=False)
        .exclude(post_assignments__state__in=OPEN_STATES)
        .order_by("name_pinyin")
    )
    offered = queries.posts_offered(org)
    form = DeclareForm(
        request.POST or None,
        members=members,
        posts=Post.objects.filter(pk__in=[p.pk for p in offered]).select_related("area"),
        initial={"member": request.GET.get("member")} if request.GET.get("member", "").isdigit() else None,
    )
    if form.submitted(
        request,
        lambda d: services.post_assignment_declare(
            actor=request.user,
            member=d["member"],
            post=d["post"],
            origin=d["origin"],
            recommended_by=d.get("recommended_by") or "",
            declared_on=d.get("declared_on"),
            duties=d.get("duties") or None,
            note=d.get("note") or "",
        ),
    ):
        messages.success(request, _("Saved."))
        return redirect("posts-assignment", pk=form.result.pk)
    return render(
        request,
        "posts/form.html",
        {"form": form, "org": org, "title": _("Declare or recommend for a post"), "posts": offered},
    )


STEPS = {
    "approve": (DayForm, (AssignmentState.DECLARED,)),
    "publicise": (PubliciseForm, (AssignmentState.APPROVED,)),
    "objections": (ObjectionsForm, (AssignmentState.PUBLICISED,)),
    "badge": (DayForm, (AssignmentState.PUBLICISED,)),
    "end": (EndForm, OPEN_STATES),
    "duties": (DutiesForm, OPEN_STATES),
    "evaluate": (EvaluationForm, (AssignmentState.ON_DUTY, AssignmentState.ENDED)),
}


def _step_forms(assignment: PostAssignment) -> dict:
    today = timezone.localdate()
    initial = {
        "publicise": {"notice_starts_on": today, "notice_ends_on": today + dt.timedelta(days=6)},
        "objections": {"objections": assignment.objections},
        "duties": {"duties": assignment.duties, "note": assignment.note},
        "evaluate": {"year": today.year},
    }
    return {
        step: form_class(initial=initial.get(step), prefix=step)
        for step, (form_class, states) in STEPS.items()
        if assignment.state in states
    }


@login_required
def assignment_detail(request, pk: int):
    require_business(request)
    assignment = get_visible_or_404(
        PostAssignment.objects.visible_to(request.user).select_related("member", "post", "post__area", "group", "org"),
        pk=pk,
    )
    can_write = PostAssignment.objects.writable_by(request.user).filter(pk=pk).exists()
    evaluations = list(assignment.evaluations.order_by("-year"))
    year = timezone.localdate().year
    return render(
        request,
        "posts/assignment.html",
        {
            "a": assignment,
            "can_write": can_write,
            "forms": _step_forms(assignment) if can_write else {},
            "evaluations": evaluations,
            "points": queries.post_points(assignment, year) if assignment.on_duty_from else None,
            "points_year": year,
            "history": PostAssignment.objects.filter(member=assignment.member_id)
            .exclude(pk=assignment.pk)
            .select_related("post"),
        },
    )


@login_required
@require_POST
def assignment_step(request, pk: int, step: str):
    require_business(request)
    if step not in STEPS:
        raise Http404
    assignment = get_visible_or_404(PostAssignment.objects.writable_by(request.user).select_related("member"), pk=pk)
    form_class, _states = STEPS[step]
    form = form_class(request.POST, prefix=step)
    actor = request.user

    def run(data):
        if step == "approve":
            services.post_assignment_approve(actor=actor, assignment=assignment, on=data.get("on"))
        elif step == "publicise":
            services.post_assignment_publicise(
                actor=actor,
                assignment=assignment,
                starts_on=data["notice_starts_on"],
                ends_on=data["notice_ends_on"],
            )
        elif step == "objections":
            services.post_assignment_record_objections(
                actor=actor, assignment=assignment, objections=data.get("objections") or ""
            )
        elif step == "badge":
            services.post_assignment_badge(actor=actor, assignment=assignment, on=data.get("on"))
        elif step == "end":
            services.post_assignment_end(
                actor=actor, assignment=assignment, reason=data["end_reason"], on=data.get("on")
            )
        elif step == "duties":
            services.post_assignment_update(
                actor=actor, assignment=assignment, data={"duties": data["duties"], "note": data.get("note") or ""}
            )
        elif step == "evaluate":
            services.post_evaluation_record(
                actor=actor,
                assignment=assignment,
                year=data["year"],
                rating=data["rating"],
                note=data.get("note") or "",
            )

    if form.submitted(request, run):
        messages.success(request, _("Saved."))
        return redirect("posts-assignment", pk=assignment.pk)
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)
    return redirect("posts-assignment", pk=assignment.pk)


def _by_branch(assignments) -> list[tuple]:
    grouped: dict[int, tuple] = {}
    for a in assignments:
        grouped.setdefault(a.org_id, (a.org, []))[1].append(a)
    return list(grouped.values())


def _printable(request, tab: str, org, rows):
    """A printable page of a subtree's assignments, one section per branch: the tab's template
    (``posts/notice.html``, ``posts/badges.html``, both extending ``posts/printable.html``)."""
    context = {"org": org, "tab": tab, "branches": _by_branch(rows), "today": timezone.localdate()}
    return render(request, f"posts/{tab}.html", context)


@login_required
def notice(request, pk: int):
    """The public notice (公示) of the assignments under notice in a subtree, per branch: printable."""
    org = _org(request, pk)
    rows = (
        queries.post_assignment_list(PostAssignment.objects.visible_to(request.user), org=org, state="publicised")
        .select_related("member", "post", "group", "org")
        .order_by("org_path", "member__name_pinyin", "id")
    )
    return _printable(request, "notice", org, rows)


@login_required
def badges(request, pk: int):
    """The badge list (挂牌公示) of the members on duty in a subtree, per village/branch: printable."""
    org = _org(request, pk)
    rows = (
        queries.post_assignment_list(PostAssignment.objects.visible_to(request.user), org=org, state="on_duty")
        .select_related("member", "post", "post__area", "group", "org")
        .order_by("org_path", "post__area__order", "post__order", "member__name_pinyin", "id")
    )
    return _printable(request, "badges", org, rows)


@login_required
def catalogue(request, pk: int):
    """The posts offered in an organization: defaults, its own and its ancestors'; hide or add posts."""
    org = _org(request, pk)
    can_write = org.dissolved_on is None and _can_write(request, org)
    form = PostForm(request.POST if request.POST.get("action") == "add" else None, prefix="add")
    if request.method == "POST":
        if not can_write:
            raise Http404
        action = request.POST.get("action")
        try:
            if action == "add" and form.is_valid():
                data = form.data_for(PostForm.FIELDS)
                data["order"] = data.get("order") or 0
                services.post_create(actor=request.user, org=org, data=data)
                messages.success(request, _("Saved."))
                return redirect("posts-catalogue", pk=org.pk)
            if action in ("hide", "show"):
                offered = {p.pk: p for p in queries.posts_offered(org, include_hidden=True)}
                post_id = request.POST.get("post", "")
                post = offered.get(int(post_id)) if post_id.isdigit() else None
                if post is None:
                    raise Http404
                services.post_setting_set(actor=request.user, org=org, post=post, hidden=action == "hide")
                messages.success(request, _("Saved."))
                return redirect("posts-catalogue", pk=org.pk)
            if action != "add":
                raise Http404
        except ValidationError as exc:
            if action == "add":
                form.apply_errors(exc)
            else:
                messages.error(request, " ".join(exc.messages))
                return redirect("posts-catalogue", pk=org.pk)
    offered = queries.posts_offered(org, include_hidden=True)
    editable = set(editable_posts(request.user).filter(pk__in=[p.pk for p in offered]).values_list("pk", flat=True))
    return render(
        request,
        "posts/catalogue.html",
        {"org": org, "posts": offered, "form": form, "can_write": can_write, "editable": editable},
    )


@login_required
def post_edit(request, pk: int):
    require_business(request)
    post = get_visible_or_404(editable_posts(request.user).select_related("org", "area"), pk=pk)
    initial = {name: getattr(post, name) for name in PostForm.FIELDS}
    initial["version"] = post.version
    form = PostForm(request.POST or None, initial=initial)

    def update(cleaned):
        data = form.data_for([f for f in PostForm.FIELDS if f in form.changed_data])
        if "order" in data:
            data["order"] = data["order"] or 0
        services.post_update(actor=request.user, post=post, data=data, expected_version=cleaned.get("version"))

    if form.submitted(request, update):
        messages.success(request, _("Saved."))
        return redirect("posts-catalogue", pk=post.org_id) if post.org_id else redirect("posts-index")
    return render(request, "posts/form.html", {"form": form, "title": post.name, "post": post})

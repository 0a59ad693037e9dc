"""Member pages: the list with filters, a member's page, the edit form and the reveal of an ID number."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.queries import require_second_factor
from dangjian.core.audit import describe_changes
from dangjian.core.audit_display import mask_changes
from dangjian.core.keyset import CURSOR_PARAMS, keyset_page
from dangjian.core.scoping import can_see_full_id, get_visible_or_404
from dangjian.core.widgets import search_response, search_text, within_path
from dangjian.members import queries, services
from dangjian.members.forms import MemberFilterForm, MemberForm
from dangjian.members.models import Member, shows_birth_date
from dangjian.members.privacy import reader_links
from dangjian.organizations.models import Level, Organization


def _member_orgs(user):
    """Organizations where the user may register members (secretaries too, not only organizers)."""
    return (
        Organization.objects.accepting_members_from(user)
        .filter(dissolved_on__isnull=True)
        .exclude(level=Level.PARTY_GROUP)
    )


def _writable_members(user):
    return Member.objects.writable_by(user)


@login_required
def member_list(request):
    visible_orgs = Organization.objects.visible_to(request.user)
    form, filters = MemberFilterForm.from_query(request, visible_orgs)
    qs = queries.member_list(
        Member.objects.visible_to(request.user), **{k: v for k, v in filters.items() if v not in (None, "", False)}
    )
    page = keyset_page(request, qs)  # deep pages by cursor, counted on the first page only (issue 15)
    params = request.GET.copy()
    for name in CURSOR_PARAMS:
        params.pop(name, None)
    query = params.urlencode()
    sort_params = QueryDict(query, mutable=True)
    sort_params.pop("sort", None)
    return render(
        request,
        "members/list.html",
        {
            "form": form,
            "page_obj": page,
            "query": query,
            "sort_query": sort_params.urlencode(),
            "sort": filters.get("sort") or "org",
            "org": filters.get("org"),
            "can_create": _member_orgs(request.user).exists(),
            "definition": queries.count_definition(),
        },
    )


@login_required
def member_me(request):
    member = Member.objects.filter(user=request.user).first()
    if member is None:
        raise Http404
    return redirect("member-detail", pk=member.pk)


@login_required
def member_detail(request, pk: int):
    member = get_visible_or_404(Member.objects.visible_to(request.user).select_related("org"), pk=pk)
    full = shows_birth_date(request.user, member)
    events = list(queries.change_log(member)[:20])
    # Linked records (an organization, an account) by name only within the reader's subtrees; a member
    # reading their own page sees their own organization's.
    links = reader_links(request.user, member, events)
    return render(
        request,
        "members/detail.html",
        {
            "member": member,
            "show_birth_date": full,
            "history": member.standing_changes.all(),
            # The record's own readers: business values shown; ID numbers and birth dates by the one rule.
            "changes": [
                (e, describe_changes(Member, mask_changes(e.changes, full_id=full, business=True), links))
                for e in events
            ],
            "can_edit": _writable_members(request.user).filter(pk=pk).exists(),
            "can_reveal": can_see_full_id(request.user) or member.user_id == request.user.pk,
        },
    )


@login_required
@require_POST
def member_reveal_id(request, pk: int):
    """Show the full ID number to a role allowed to see it; every reveal is audited."""
    member = get_visible_or_404(Member.objects.visible_to(request.user), pk=pk)
    if not (can_see_full_id(request.user) or member.user_id == request.user.pk):
        raise Http404
    if member.user_id != request.user.pk:
        require_second_factor(request.user, "reveal_id", request)
    number = services.reveal_id_number(actor=request.user, member=member)
    return render(request, "members/_id_number.html", {"number": number})


SECRET_INPUTS = ("id_number", "phone")


def _initial(member: Member, user) -> dict:
    """Initial form values. Secrets are never sent back to the browser: empty means unchanged (the birth
    date too, for a role that sees only its year: the ID number decides it anyway)."""
    hidden = SECRET_INPUTS if shows_birth_date(user, member) else (*SECRET_INPUTS, "birth_date")
    data = {name: getattr(member, name) for name in MemberForm.FIELDS if name not in hidden}
    data["version"] = member.version
    return data


@login_required
def member_edit(request, pk: int):
    member = get_visible_or_404(_writable_members(request.user).select_related("org"), pk=pk)
    form = MemberForm(request.POST or None, initial=_initial(member, request.user))
    for name, masked in (("id_number", member.id_number_masked), ("phone", member.phone_masked)):
        form.fields[name].required = False
        form.fields[name].widget.attrs["placeholder"] = masked
        form.fields[name].help_text = _("Leave empty to keep the current value.")

    def update(cleaned):
        data = form.data_for([f for f in MemberForm.FIELDS if f in form.changed_data and f not in SECRET_INPUTS])
        data.update({f: cleaned[f] for f in SECRET_INPUTS if cleaned.get(f)})
        services.member_update(actor=request.user, member=member, data=data, expected_version=cleaned.get("version"))

    if form.submitted(request, update):
        messages.success(request, _("Saved."))
        return redirect("member-detail", pk=member.pk)
    return render(request, "members/form.html", {"form": form, "member": member, "title": _("Edit %s") % member.name})


@login_required
def member_create(request):
    orgs = _member_orgs(request.user)
    if not orgs.exists():
        raise Http404
    initial = {}
    if request.GET.get("org"):
        initial["org"] = orgs.filter(pk=request.GET["org"]).first() if request.GET["org"].isdigit() else None
    form = MemberForm(request.POST or None, orgs=orgs, initial=initial)
    if form.submitted(
        request,
        lambda d: services.member_create(actor=request.user, org=d["org"], data=form.data_for(MemberForm.FIELDS)),
    ):
        messages.success(request, _("Saved."))
        return redirect("member-detail", pk=form.result.pk)
    return render(request, "members/form.html", {"form": form, "title": _("New member")})


@login_required
def member_search(request):
    """A picker's search (JSON): current members the user sees, by name, pinyin initials or number."""
    within = within_path(request, Organization.objects.visible_to(request.user))
    rows = queries.picker_search(
        Member.objects.visible_to(request.user), search_text(request), within, request.GET.get("status", "")
    )
    return search_response(rows, label=member_label)


def member_label(member) -> str:
    return f"{member.name}（{member.org.name}）"

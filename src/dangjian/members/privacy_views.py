"""Pages for personal-information rights: "my data", the report for organizers, correction requests."""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dangjian.core.excel.writer import write_sheets
from dangjian.core.forms import StyledForm
from dangjian.core.roles import WRITE_ROLES
from dangjian.core.scoping import get_visible_or_404, has_role
from dangjian.members import privacy
from dangjian.members.models import CorrectionRequest, Member


class CorrectionForm(StyledForm):
    field = forms.ChoiceField(label=gettext_lazy("Field to correct"))
    proposed_value = forms.CharField(
        label=gettext_lazy("Correct value"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Dates as 2024-07-01; for gender or education the word shown on your record."),
    )
    reason = forms.CharField(label=gettext_lazy("Why the record is wrong"), max_length=500, widget=forms.Textarea)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = privacy.field_choices()
        self.fields["reason"].widget.attrs["rows"] = 3


class DecisionForm(StyledForm):
    note = forms.CharField(label=gettext_lazy("Reason for the decision"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


def _own_member(user) -> Member:
    member = Member.objects.filter(user=user).select_related("org").first()
    if member is None:
        raise Http404
    return member


def _privacy_page(request, member, *, own: bool, can_unmask: bool, form, status: int = 200):
    """The privacy report of a member, with their correction requests and (to the member) the request form."""
    report = privacy.member_report(member, reader=request.user)
    corrections = [
        (c, privacy.field_label(c.field), privacy.display_value(c.field, c.proposed_value)) for c in report.corrections
    ]
    context = {"report": report, "member": member, "own": own, "corrections": corrections}
    return render(request, "members/privacy.html", {**context, "can_unmask": can_unmask, "form": form}, status=status)


@login_required
def my_data(request):
    """The member's own page: redirect to their report."""
    return redirect("member-privacy", pk=_own_member(request.user).pk)


@never_cache
@login_required
def member_privacy(request, pk: int):
    """Everything held about a member, masked; for the member themselves or an organizer over them."""
    member = get_visible_or_404(privacy.reportable_members(request.user).select_related("org", "user"), pk=pk)
    own = member.user_id == request.user.pk
    if not own:
        privacy.record_report(actor=request.user, member=member, kind="page", unmasked=False)
    erased = privacy.is_erased(member)
    return _privacy_page(
        request,
        member,
        own=own,
        can_unmask=privacy.may_unmask(request.user, member) and not erased,
        form=CorrectionForm() if own and not erased else None,
    )


@never_cache
@login_required
def member_privacy_xlsx(request, pk: int):
    """The same report as an .xlsx copy (PIPL art. 45): unmasked for the member and for full-ID roles."""
    member = get_visible_or_404(privacy.reportable_members(request.user).select_related("org", "user"), pk=pk)
    unmasked = privacy.may_unmask(request.user, member)
    report = privacy.member_report(member, reader=request.user, unmasked=unmasked)
    privacy.record_report(actor=request.user, member=member, kind="xlsx", unmasked=unmasked)
    sheets = []

    def sheet(title, header, rows):
        sheets.append((title, header, rows))

    sheet(
        _("Record"), [_("Field"), _("Value")], [(label, value) for _key, label, value in report.fields] + report.account
    )
    sheet(
        _("Standing history"),
        [_("date"), _("change"), _("note")],
        [(h.on, h.get_kind_display(), h.note) for h in report.history],
    )
    sheet(
        _("Changes"),
        [_("time"), _("actor"), _("action"), _("Field"), _("before"), _("after")],
        [
            (_time(e.created_at), e.actor_name, label, f, "" if o is None else str(o), "" if n is None else str(n))
            for e, label, rows in report.changes
            for f, o, n in (rows or [("", None, None)])
        ],
    )
    sheet(
        _("Who viewed"),
        [_("time"), _("actor"), _("Field"), _("source address")],
        [
            (_time(e.created_at), e.actor_name, (e.changes.get("field") or [None, ""])[-1], e.source)
            for e, _l in report.views
        ],
    )
    sheet(
        _("Correction requests"),
        [_("time"), _("Field"), _("Correct value"), _("reason"), _("state"), _("Reason for the decision")],
        [
            (
                _time(c.created_at),
                privacy.field_label(c.field),
                privacy.display_value(c.field, c.proposed_value, unmasked=unmasked),
                c.reason,
                c.get_state_display(),
                c.decision_note,
            )
            for c in report.corrections
        ],
    )
    sheet(
        _("Logins"),
        [_("time"), _("action"), _("source address"), _("outcome")],
        [
            (_time(e.created_at), privacy.action_label(e.action), e.source, e.get_outcome_display())
            for e in report.logins
        ],
    )
    buffer = io.BytesIO()
    write_sheets(buffer, sheets)
    buffer.seek(0)
    filename = f"personal-data-{member.pk}-{timezone.localdate():%Y%m%d}.xlsx"
    response = FileResponse(buffer, as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response


def _time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


@login_required
@require_POST
def member_reveal_phone(request, pk: int):
    """Show the full phone number to the member themselves or a full-ID role; audited."""
    member = get_visible_or_404(privacy.reportable_members(request.user), pk=pk)
    if not privacy.may_unmask(request.user, member):
        raise Http404
    phone = privacy.reveal_phone(actor=request.user, member=member)
    return render(request, "members/_id_number.html", {"number": phone or "—"})


@login_required
@require_POST
def correction_create(request):
    member = _own_member(request.user)
    form = CorrectionForm(request.POST)
    if form.submitted(
        request,
        lambda d: privacy.correction_submit(
            actor=request.user, member=member, field=d["field"], proposed=d["proposed_value"], reason=d["reason"]
        ),
    ):
        messages.success(request, _("Your request was sent to your branch."))
        return redirect("member-privacy", pk=member.pk)
    return _privacy_page(request, member, own=True, can_unmask=True, form=form, status=400)


@never_cache
@login_required
def correction_list(request):
    """Pending requests in the user's branches, oldest first, with the answer-by date."""
    if not has_role(request.user, *WRITE_ROLES):
        raise Http404
    today = timezone.localdate()
    pending = list(privacy.pending_corrections(request.user))
    due = privacy.answer_dues(pending)
    rows = [
        (c, privacy.field_label(c.field), privacy.display_value(c.field, c.proposed_value), due[c.pk]) for c in pending
    ]
    return render(request, "members/corrections.html", {"rows": rows, "today": today})


@never_cache
@login_required
def correction_detail(request, pk: int):
    """One request: the current and proposed values; accept (applied through member_update) or reject."""
    correction = get_visible_or_404(
        CorrectionRequest.objects.writable_by(request.user).select_related("member", "member__org", "requested_by"),
        pk=pk,
    )
    member = correction.member
    form = DecisionForm(request.POST or None, initial={"version": correction.version})
    if request.method == "POST" and form.is_valid():
        correction.version = form.cleaned_data["version"]
        decision = request.POST.get("decision")
        try:
            if decision == "accept":
                privacy.correction_accept(actor=request.user, request=correction, note=form.cleaned_data["note"])
                messages.success(request, _("The correction was applied to the record."))
            elif decision == "reject":
                privacy.correction_reject(actor=request.user, request=correction, reason=form.cleaned_data["note"])
                messages.success(request, _("The request was rejected; the member sees your reason."))
            else:
                raise ValidationError(_("Choose to accept or to reject."))
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "decision_note" in exc.error_dict:
                form.add_error("note", exc.error_dict["decision_note"])
            else:
                form.apply_errors(exc)
        else:
            return redirect("correction-list")
    field = correction.field
    return render(
        request,
        "members/correction_detail.html",
        {
            "correction": correction,
            "member": member,
            "field_label": privacy.field_label(field),
            "current": privacy.display_value(field, privacy.current_text(member, field)),
            "proposed": privacy.display_value(field, correction.proposed_value),
            "due": privacy.answer_due(correction),
            "form": form,
        },
    )

"""Personal-information rights (PIPL 44–47): my data, reports, correction requests, erasure."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from dangjian.core import crypto, idnumber
from dangjian.core.models import AuditEvent
from dangjian.core.services import parameter_set
from dangjian.members import privacy
from dangjian.members.models import CorrectionRequest, Member
from dangjian.members.services import member_update, reveal_id_number
from tests import factories


def events(action, member):
    return AuditEvent.objects.filter(action=action, object_type="members.member", object_id=str(member.pk))


@pytest.fixture
def zhang(world):
    member = Member.objects.get(pk=world.zhang.pk)
    member_update(actor=world.secretary, member=member, data={"phone": "13812345678", "occupation": "教师"})
    return Member.objects.get(pk=member.pk)


def test_a_member_sees_everything_held_about_them_masked(world, zhang, client_for):
    reveal_id_number(actor=world.organizer, member=zhang)
    client = client_for(world.member_user)
    response = client.get(reverse("member-my-data"))
    assert response.status_code == 302 and response["Location"] == reverse("member-privacy", args=[zhang.pk])
    response = client.get(response["Location"])
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert zhang.id_number not in body and zhang.id_number_masked in body
    assert "13812345678" not in body and zhang.phone_masked in body
    assert "教师" in body  # the change trail shows the secretary's edit
    assert world.secretary.username in body
    assert world.organizer.username in body  # who saw the full ID number
    assert "2005-07-01" in body  # standing history
    assert world.member_user.username in body  # the login account
    # The member's own page is not an access by someone else: nothing is audited.
    assert not AuditEvent.objects.filter(action="privacy_report").exists()


def test_the_member_may_unmask_their_own_id_and_phone_and_each_reveal_is_logged(world, zhang, client_for):
    client = client_for(world.member_user)
    assert zhang.id_number in client.post(reverse("member-reveal-id", args=[zhang.pk])).content.decode()
    assert "13812345678" in client.post(reverse("member-reveal-phone", args=[zhang.pk])).content.decode()
    reveals = events("view_sensitive", zhang).filter(actor=world.member_user)
    assert sorted(e.changes["field"][1] for e in reveals) == ["id_number", "phone"]


def test_other_people_cannot_read_a_members_report(world, zhang, client_for):
    li = world.li
    assert client_for(world.member_user).get(reverse("member-privacy", args=[li.pk])).status_code == 404
    for persona in (world.secretary, world.sibling_secretary, world.auditor):
        client = client_for(persona)
        assert client.get(reverse("member-privacy", args=[zhang.pk])).status_code == 404
        assert client.get(reverse("member-privacy-xlsx", args=[zhang.pk])).status_code == 404
        assert client.post(reverse("member-reveal-phone", args=[zhang.pk])).status_code == 404


def test_an_organizer_produces_the_report_as_a_page_and_a_download_both_audited(world, zhang, client_for):
    client = client_for(world.organizer)
    page = client.get(reverse("member-privacy", args=[zhang.pk]))
    assert page.status_code == 200 and zhang.id_number not in page.content.decode()
    download = client.get(reverse("member-privacy-xlsx", args=[zhang.pk]))
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True)
    cells = [str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert zhang.id_number in cells and "13812345678" in cells  # the organizer may see them in full
    assert {ws.title for ws in book.worksheets} >= {"Record", "Changes"} or len(book.worksheets) == 6
    reports = events("privacy_report", zhang)
    assert sorted(e.changes["format"][1] for e in reports) == ["page", "xlsx"]
    assert reports.get(changes__format=[None, "xlsx"]).changes["unmasked"] == [None, True]
    # A town organizer has no report on a member outside their subtree.
    assert client_for(world.town_organizer).get(reverse("member-privacy", args=[world.wang.pk])).status_code == 404


def test_producing_the_report_is_an_access_not_a_change_on_the_members_page(world, zhang, client_for):
    client = client_for(world.organizer)
    assert client.get(reverse("member-privacy", args=[zhang.pk])).status_code == 200
    assert client.get(reverse("member-privacy-xlsx", args=[zhang.pk])).status_code == 200
    assert events("privacy_report", zhang).count() == 2  # audited all the same
    page = client.get(reverse("member-detail", args=[zhang.pk]))
    assert "privacy_report" not in {e.action for e, _ in page.context["changes"]}
    # The member's own report lists the reports among the accesses to their record.
    views = [e.action for e, _ in privacy.member_report(zhang).views]
    assert views.count("privacy_report") == 2


def submit(client, field, value, reason="登记有误"):
    return client.post(reverse("correction-create"), {"field": field, "proposed_value": value, "reason": reason})


def test_a_correction_goes_from_the_member_to_the_branch_and_is_applied_through_the_service(world, zhang, client_for):
    member_client = client_for(world.member_user)
    response = submit(member_client, "occupation", "医生")
    assert response.status_code == 302
    request = CorrectionRequest.objects.get()
    assert request.state == "pending" and request.proposed_value == "医生"
    assert "医生" not in request.proposed_value_enc  # stored encrypted
    assert events("correction_request", zhang).count() == 1

    secretary = client_for(world.secretary)
    listing = secretary.get(reverse("correction-list")).content.decode()
    assert "医生" in listing and zhang.name in listing
    response = secretary.post(
        reverse("correction-detail", args=[request.pk]), {"decision": "accept", "note": "", "version": request.version}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == "accepted" and request.decided_by == world.secretary
    assert Member.objects.get(pk=zhang.pk).occupation == "医生"
    update = events("update", zhang).order_by("-id").first()
    assert update.changes["occupation"] == ["教师", "医生"] and update.actor == world.secretary
    assert events("correction_accept", zhang).count() == 1
    assert "医生" not in secretary.get(reverse("correction-list")).content.decode()


def test_a_rejection_needs_a_reason_that_the_member_then_reads(world, zhang, client_for):
    submit(client_for(world.member_user), "name", "张强强")
    request = CorrectionRequest.objects.get()
    secretary = client_for(world.secretary)
    url = reverse("correction-detail", args=[request.pk])
    response = secretary.post(url, {"decision": "reject", "note": "", "version": request.version})
    assert response.status_code == 200 and CorrectionRequest.objects.get().state == "pending"
    secretary.post(url, {"decision": "reject", "note": "与户籍登记一致，无需更正", "version": request.version})
    request.refresh_from_db()
    assert request.state == "rejected" and Member.objects.get(pk=zhang.pk).name == "张强"
    assert events("correction_reject", zhang).get().changes["reason"][1] == "与户籍登记一致，无需更正"
    page = client_for(world.member_user).get(reverse("member-privacy", args=[zhang.pk])).content.decode()
    assert "与户籍登记一致，无需更正" in page


def test_a_sibling_branch_cannot_see_or_decide_a_request(world, zhang, client_for):
    submit(client_for(world.member_user), "occupation", "医生")
    request = CorrectionRequest.objects.get()
    sibling = client_for(world.sibling_secretary)
    assert "医生" not in sibling.get(reverse("correction-list")).content.decode()
    url = reverse("correction-detail", args=[request.pk])
    assert sibling.get(url).status_code == 404
    assert sibling.post(url, {"decision": "accept", "version": request.version}).status_code == 404
    assert client_for(world.member_user).get(reverse("correction-list")).status_code == 404
    assert CorrectionRequest.objects.get().state == "pending"


def test_a_second_decision_on_the_same_request_is_refused_clearly(world, zhang, client_for):
    submit(client_for(world.member_user), "occupation", "医生")
    request = CorrectionRequest.objects.get()
    url = reverse("correction-detail", args=[request.pk])
    first, second = client_for(world.secretary), client_for(world.organizer)
    assert first.post(url, {"decision": "accept", "version": request.version}).status_code == 302
    response = second.post(url, {"decision": "reject", "note": "不同意", "version": request.version})
    assert response.status_code == 200
    assert "already been answered" in response.content.decode() or "已" in response.content.decode()
    assert CorrectionRequest.objects.get().state == "accepted"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "410102198005170012", "check digit"),
        ("occupation", "教师", "already"),
        ("education", "博士后", "Choose"),
        ("birth_date", "不是日期", ""),
        ("status", "full", "cannot be corrected"),
    ],
)
def test_bad_proposals_are_refused_with_the_records_own_rules(world, zhang, field, value, message):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        privacy.correction_submit(actor=world.member_user, member=zhang, field=field, proposed=value, reason="r")
    assert message.lower() in " ".join(caught.value.messages).lower() or not message
    assert not CorrectionRequest.objects.exists()


def test_an_id_number_correction_is_masked_for_the_secretary_and_applied_with_its_birth_date(world, zhang, client_for):
    number = factories.id_number(dt.date(1980, 5, 18), "male")
    privacy.correction_submit(actor=world.member_user, member=zhang, field="id_number", proposed=number, reason="录错")
    request = CorrectionRequest.objects.get()
    detail = client_for(world.secretary).get(reverse("correction-detail", args=[request.pk])).content.decode()
    assert number not in detail and idnumber.mask(number) in detail
    privacy.correction_accept(actor=world.secretary, request=request)
    zhang = Member.objects.get(pk=zhang.pk)
    assert zhang.id_number == number and zhang.birth_date == dt.date(1980, 5, 18)
    assert zhang.id_number_hash == crypto.blind_index(number)


def test_only_the_member_themselves_may_ask(world, zhang):
    with pytest.raises(PermissionDenied):
        privacy.correction_submit(actor=world.secretary, member=zhang, field="name", proposed="x", reason="r")


def leave(member, years_ago: float):
    left = timezone.localdate() - dt.timedelta(days=int(365.25 * years_ago))
    Member.objects.filter(pk=member.pk).update(left_on=left)


def test_departed_members_are_erased_after_the_retention_period(world, zhang, capsys):
    Member.objects.filter(pk=zhang.pk).update(in_hardship=True)
    leave(zhang, 11)
    leave(world.wang, 1)
    old_number = zhang.id_number
    old_hash = zhang.id_number_hash
    request = CorrectionRequest(member=zhang, field="phone", reason="r", requested_by=world.member_user)
    request.set_proposed_value("13900000000")
    request.save()

    call_command("privacy", "erase", "--dry-run")
    assert "would erase 1 members" in capsys.readouterr().out
    assert Member.objects.get(pk=zhang.pk).id_number_enc == zhang.id_number_enc

    call_command("privacy", "erase")
    out = capsys.readouterr().out
    assert "erased 1 members" in out and zhang.name not in out
    erased = Member.objects.get(pk=zhang.pk)
    assert erased.id_number_enc == "" and erased.phone_enc == "" and erased.in_hardship is False
    assert erased.id_number_hash.startswith("erased:") and erased.id_number_hash != old_hash
    assert not Member.objects.filter(id_number_hash=crypto.blind_index(old_number)).exists()
    assert CorrectionRequest.objects.get().proposed_value_enc == ""
    event = events("erase", zhang).get()
    assert event.changes["id_number"] == ["••••", None] and "13812345678" not in str(event.changes)
    assert Member.objects.get(pk=world.wang.pk).id_number  # left a year ago: kept

    call_command("privacy", "erase")
    assert "erased 0 members" in capsys.readouterr().out
    assert events("erase", zhang).count() == 1


def test_the_retention_period_is_a_rule_changed_as_data(world):
    leave(world.wang, 2)
    assert not privacy.erasable().filter(pk=world.wang.pk).exists()
    parameter_set(actor=world.organizer, key="privacy.erase_after_days", value=365, effective_from=dt.date(2020, 1, 1))
    assert privacy.erasable().filter(pk=world.wang.pk).exists()
    # The number can be registered again for someone else: the unique index holds a random marker.
    number = world.wang.id_number
    privacy.erase_expired(actor="test")
    again = factories.member(world.branch_b1, "王伟", id_number=number)
    assert again.id_number == number


def test_an_erased_member_page_still_works(world, zhang, client_for):
    leave(zhang, 11)
    privacy.erase_expired(actor="test")
    page = client_for(world.member_user).get(reverse("member-privacy", args=[zhang.pk]))
    assert page.status_code == 200
    assert client_for(world.secretary).get(reverse("member-detail", args=[zhang.pk])).status_code == 200

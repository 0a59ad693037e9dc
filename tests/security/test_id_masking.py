"""Issue 13 item 1 (a masked ID number plus the birth date gave the number away) and the auditor's
part of item 8 (the audit view showed business data such as the hardship flag and party standing).

Where a user may not see the full ID number, the visible characters never give both the area code
(characters 1-6) and the birth date (7-14), and the birth date itself is shown as the year (and the
age) only: in the API, the pages, the .xlsx export and the audit views (``idnumber.mask``,
``members.models.shows_birth_date``, ``core.audit_display``). The audit administrator sees which
fields changed, with a person's business values hidden.
"""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.core import audit, idnumber
from dangjian.members.models import Member
from dangjian.members.services import member_update
from tests.cadres.reserve_world import make_villages, outsider
from tests.support.excel import body, read_xlsx

pytestmark = pytest.mark.django_db


def completable(shown_number: str, birth_date) -> bool:
    """Whether what a reader sees pins the area code and the full birth date of an 18-character number."""
    area = "*" not in shown_number[:6]
    birth = "*" not in shown_number[6:14] or birth_date is not None
    return area and birth


def test_a_secretary_sees_no_completable_number_in_the_api(world, api_as):
    zhang = Member.objects.get(pk=world.zhang.pk)
    client = api_as(world.secretary)
    detail = client.get(f"/members/{zhang.pk}").json()
    assert (
        detail["id_number_masked"]
        == idnumber.mask(zhang.id_number)
        == zhang.id_number[:2] + "*" * 14 + zhang.id_number[-2:]
    )
    assert (detail["birth_date"], detail["birth_year"], detail["age"]) == (None, 1980, zhang.age())
    assert not completable(detail["id_number_masked"], detail["birth_date"])
    for item in client.get("/members").json()["items"]:
        assert not completable(item["id_number_masked"], item["birth_date"]) and item["birth_date"] is None
    # The member themself and a role that may see full numbers see the birth date.
    assert api_as(world.member_user).get(f"/members/{zhang.pk}").json()["birth_date"] == "1980-05-17"
    assert api_as(world.organizer).get(f"/members/{zhang.pk}").json()["birth_date"] == "1980-05-17"


def test_a_secretary_sees_no_completable_number_on_the_pages(world, client_for):
    zhang = Member.objects.get(pk=world.zhang.pk)
    client = client_for(world.secretary)
    page = client.get(reverse("member-detail", args=[zhang.pk])).content.decode()
    assert idnumber.mask(zhang.id_number) in page
    assert "1980-05-17" not in page and zhang.id_number[:6] not in page and zhang.id_number[6:14] not in page
    assert "1980" in page  # the year (and the age) only
    edit = client.get(reverse("member-edit", args=[zhang.pk])).content.decode()
    assert "1980-05-17" not in edit and zhang.id_number[:6] not in edit
    listing = client.get(reverse("member-list")).content.decode()
    assert "1980-05-17" not in listing and zhang.id_number not in listing


def test_a_wrong_birth_date_does_not_tell_the_one_on_record(world, api_as):
    response = api_as(world.secretary).patch(f"/members/{world.zhang.pk}", {"birth_date": "1980-01-01"})
    assert response.status_code == 422
    assert "05-17" not in response.content.decode() and "0517" not in response.content.decode()


def test_a_secretarys_export_has_no_completable_number(world, client_for):
    rows = read_xlsx(body(client_for(world.secretary).get(reverse("io-export-members"))))
    header, records = rows[0], rows[1:]
    id_col, birth_col = header.index("身份证号"), header.index("出生日期")
    assert records
    for record in records:
        assert not completable(record[id_col], record[birth_col]) and record[birth_col] is None
    # The organizer (full ID numbers, each export audited) gets the full record, which re-imports.
    rows = read_xlsx(body(client_for(world.organizer).get(reverse("io-export-members"))))
    zhang = Member.objects.get(pk=world.zhang.pk)
    assert any(r[id_col] == zhang.id_number and r[birth_col] is not None for r in rows[1:])


def test_the_audit_view_masks_numbers_birth_dates_and_business_data(world, admins, client_for):
    zhang = Member.objects.get(pk=world.zhang.pk)
    member_update(actor=world.secretary, member=zhang, data={"in_hardship": True, "occupation": "村医"})
    li = Member.objects.get(pk=world.li.pk)
    member_update(
        actor=world.secretary, member=li, data={"status": "full", "full_member_on": li.joined_on.replace(year=2026)}
    )
    # An event written under the old masking rule, and a number in clear in free text.
    audit.record(
        actor=world.secretary,
        action="update",
        obj=zhang,
        changes={"id_number": ["4101**********0011", "41**************22"], "note": [None, f"原号 {zhang.id_number}"]},
    )
    client = client_for(admins.auditor)
    page = client.get(reverse("audit-log")).content.decode()
    assert "困难党员：•••• → ••••" in page  # fields by their names (core.audit_display), values hidden
    assert "党员类别：•••• → ••••" in page and "probationary" not in page and "预备党员" not in page
    assert "村医" not in page
    assert "1980-05-17" not in page and "出生日期：— → 1980" in page  # the create events: the year only
    assert zhang.id_number not in page and "4101" not in page and "41**************11" in page
    response = client.get(reverse("audit-export"))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    cells = json.dumps(
        [list(r) for r in book.worksheets[0].iter_rows(values_only=True)], ensure_ascii=False, default=str
    )
    assert "1980-05-17" not in cells and zhang.id_number not in cells and "4101" not in cells
    assert '\\"in_hardship\\": [\\"••••\\", \\"••••\\"]' in cells and "村医" not in cells
    # The secretary, who keeps the record, still reads its business history (numbers masked the same way).
    detail = client_for(world.secretary).get(reverse("member-detail", args=[zhang.pk])).content.decode()
    assert "村医" in detail and zhang.id_number not in detail and "1980-05-17" not in detail


def test_reserve_cadres_follow_the_same_rule(world, api_as, client_for):
    make_villages(world)
    cadre = outsider(world.branch_a1)
    client = api_as(world.secretary)
    detail = client.get(f"/reserve-cadres/{cadre.pk}").json()
    assert (detail["birth_date"], detail["birth_year"]) == (None, 1998)
    assert detail["id_number_masked"] == idnumber.mask(cadre.id_number)
    assert not completable(detail["id_number_masked"], detail["birth_date"])
    rows = read_xlsx(body(client_for(world.secretary).get(reverse("io-export-reserve_cadres"))))
    id_col, birth_col = rows[0].index("身份证号"), rows[0].index("出生日期")
    assert all(not completable(r[id_col], r[birth_col]) and r[birth_col] is None for r in rows[1:])
    assert api_as(world.organizer).get(f"/reserve-cadres/{cadre.pk}").json()["birth_date"] == "1998-06-01"

"""Export → re-import changes nothing; an edited cell becomes exactly that update, audited."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from dangjian.core.excel import pipeline
from dangjian.core.models import AuditEvent
from dangjian.members.models import Member
from dangjian.organizations.models import Organization
from tests.support.excel import read_xlsx


def export_to(tmp_path, template, user, params=None, name="export.xlsx"):
    result = pipeline.export(template, user=user, params=params or {})
    path = tmp_path / name
    with result.file as fh:
        path.write_bytes(fh.read())
    return path, result.rows


def edit(path, header: str, match_header: str, match_value, new_value):
    workbook = openpyxl.load_workbook(path)
    ws = workbook.worksheets[0]
    headers = [c.value for c in ws[1]]
    col, key = headers.index(header) + 1, headers.index(match_header) + 1
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, key).value == match_value:
            ws.cell(row, col).value = new_value
    workbook.save(path)


@pytest.mark.parametrize("persona", ["organizer", "town_organizer", "secretary"])
def test_reimporting_an_export_changes_nothing(world, tmp_path, members_template, persona):
    user = getattr(world, persona)
    path, count = export_to(tmp_path, members_template, user)
    assert count == Member.objects.visible_to(user).count()
    before = AuditEvent.objects.exclude(action__in=["import", "export"]).count()
    outcome = pipeline.commit(members_template, path, user=user)
    assert outcome.ok, [str(e) for e in outcome.errors]
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, count)
    assert outcome.committed
    assert AuditEvent.objects.exclude(action__in=["import", "export"]).count() == before


def test_secretary_export_masks_id_numbers_and_phones(world, tmp_path, members_template):
    from dangjian.members.services import member_update

    member_update(actor=None, member=world.zhang, data={"phone": "13812345678"})
    path, _n = export_to(tmp_path, members_template, world.secretary)
    rows = read_xlsx(path)
    headers = rows[0]
    zhang = next(r for r in rows if r[headers.index("姓名")] == "张强")
    assert zhang[headers.index("身份证号")] == world.zhang.id_number_masked
    assert zhang[headers.index("联系电话")] == "138****5678"
    organizer_path, _n = export_to(tmp_path, members_template, world.organizer, name="full.xlsx")
    rows = read_xlsx(organizer_path)
    zhang = next(r for r in rows if r[headers.index("姓名")] == "张强")
    assert zhang[headers.index("身份证号")] == Member.objects.get(pk=world.zhang.pk).id_number


@pytest.mark.parametrize("persona", ["organizer", "secretary"])
def test_an_edited_cell_is_exactly_one_audited_update(world, tmp_path, members_template, persona):
    user = getattr(world, persona)
    path, _count = export_to(tmp_path, members_template, user)
    edit(path, "职业", "姓名", "张强", "村医")
    first_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    outcome = pipeline.commit(members_template, path, user=user)
    assert outcome.ok, [str(e) for e in outcome.errors]
    assert (outcome.created, outcome.updated) == (0, 1)
    assert [(c.label, c.columns) for c in outcome.changes] == [("张强", ("职业",))]
    assert Member.objects.get(pk=world.zhang.pk).occupation == "村医"
    events = list(AuditEvent.objects.filter(id__gt=first_id).order_by("id"))
    assert [(e.action, e.object_id) for e in events] == [("update", str(world.zhang.pk)), ("import", "")]
    assert events[0].changes == {"occupation": ["", "村医"]}
    assert events[0].actor == user
    summary = events[1]
    assert summary.changes["created"] == 0 and summary.changes["updated"] == 1
    assert summary.changes["sm3"] and summary.object_type == "members.member"
    assert summary.org_id == world.branch_a1.pk  # the lowest organization above every written row
    again = pipeline.commit(members_template, path, user=user)
    assert (again.created, again.updated) == (0, 0)


def test_a_new_row_in_an_export_creates_a_member(world, tmp_path, members_template):
    from dangjian.core import idnumber

    path, _count = export_to(tmp_path, members_template, world.organizer)
    workbook = openpyxl.load_workbook(path)
    ws = workbook.worksheets[0]
    number = idnumber.make("410102", dt.date(1990, 1, 2), 77, "female")
    ws.append([None, None, "赵敏", number, "女", None, None, "13900000000", "本科", None, "TA-002", None, "预备党员"])
    ws.cell(ws.max_row, 14).value = "2024年5月6日"
    workbook.save(path)
    outcome = pipeline.commit(members_template, path, user=world.organizer)
    assert outcome.ok, [str(e) for e in outcome.errors]
    assert (outcome.created, outcome.updated) == (1, 0)
    created = Member.objects.get(name="赵敏")
    assert created.org == world.branch_a2 and created.phone == "13900000000" and created.education == "bachelor"
    assert created.birth_date.isoformat() == "1990-01-02"
    assert (
        AuditEvent.objects.filter(action="create", object_type="members.member", object_id=str(created.pk)).count() == 1
    )


def test_organization_export_reimports_unchanged_and_an_edit_updates(world, tmp_path, orgs_template):
    path, count = export_to(tmp_path, orgs_template, world.town_organizer, {"org": str(world.town_a.pk)})
    assert count == 3  # 城关镇党委 and its two branches
    outcome = pipeline.commit(orgs_template, path, user=world.town_organizer)
    assert outcome.ok, [str(e) for e in outcome.errors]
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 3)
    edit(path, "组织名称", "组织编码", "TA-002", "西街社区党支部")
    edit(path, "本届任期开始日期", "组织编码", "TA-002", "2024.03.01")
    edit(path, "任期届满日期", "组织编码", "TA-002", "2029/03/01")
    outcome = pipeline.commit(orgs_template, path, user=world.town_organizer)
    assert outcome.ok, [str(e) for e in outcome.errors]
    assert (outcome.created, outcome.updated) == (0, 1)
    branch = Organization.objects.get(pk=world.branch_a2.pk)
    assert branch.name == "西街社区党支部" and branch.term_ends_on.isoformat() == "2029-03-01"
    assert (
        AuditEvent.objects.filter(
            action="update", object_type="organizations.organization", object_id=str(branch.pk)
        ).count()
        == 1
    )


def test_organizations_are_created_under_parents_from_earlier_rows(world, tmp_path, orgs_template, xlsx):
    path = xlsx(
        [
            ("组织编码", "组织名称", "上级组织编码", "组织层级", "组织类别", "是否设委员会"),
            ("TA-GB", "城关镇机关党总支", "TA", "党总支", "机关", "是"),
            ("TA-GB-1", "城关镇机关第一党支部", "TA-GB", "党支部", "agency", "否"),
        ]
    )
    outcome = pipeline.commit(orgs_template, path, user=world.town_organizer)
    assert outcome.ok, [str(e) for e in outcome.errors]
    assert outcome.created == 2
    child = Organization.objects.get(code="TA-GB-1")
    assert child.parent.code == "TA-GB" and child.parent.parent == world.town_a
    assert child.parent.has_committee is True


def test_exports_are_audited_with_filter_and_count(world, client_for, tmp_path, members_template):
    client = client_for(world.organizer)
    response = client.get("/io/export/members/", {"org": world.town_a.pk, "status": "full"})
    assert response.status_code == 200
    b"".join(response.streaming_content)
    event = AuditEvent.objects.filter(action="export").latest("id")
    assert event.changes["rows"] == 1  # 张强: the only full member under 城关镇
    assert event.changes["filter"] == {"org": world.town_a.pk, "status": "full"}
    assert event.changes["full_id"] is True
    assert event.org_id == world.town_a.pk and event.actor == world.organizer

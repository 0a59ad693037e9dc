"""一编三定 in Excel: party group members and post assignments, exported, re-imported, refused row by row."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.db import transaction

from dangjian.core import excel
from dangjian.core.excel import pipeline
from dangjian.core.models import AuditEvent
from dangjian.posts import services as posts
from dangjian.posts.models import GroupMembership, PostAssignment, PostSetting
from tests import factories
from tests.posts.posts_world import DAY, add_groups, assignment_in
from tests.support.excel import body, make_xlsx

GROUP_HEADERS = ["党小组编码", "姓名", "身份证号", "是否组长", "编入日期", "调出日期"]
POST_HEADERS = [
    "姓名",
    "身份证号",
    "岗位名称",
    "产生方式",
    "申报日期",
    "审核日期",
    "公示开始日期",
    "公示结束日期",
    "上岗日期",
]


@pytest.fixture
def world(world):
    add_groups(world)
    world.liu = factories.member(world.branch_a1, "刘洋")
    world.zhao = factories.member(world.branch_a1, "赵敏", gender="female")
    return world


@pytest.fixture
def groups():
    return excel.get("group_memberships")


@pytest.fixture
def assignments():
    return excel.get("post_assignments")


def _export(tmp_path, template, user, params=None):
    result = pipeline.export(template, user=user, params=params or {})
    path = tmp_path / f"{template.name}.xlsx"
    with result.file as fh:
        path.write_bytes(fh.read())
    return path, result.rows


def _events(since: int) -> list[tuple]:
    """What the services wrote after ``since``: action, object type and the names of the changed fields."""
    rows = AuditEvent.objects.filter(pk__gt=since).exclude(action__in=["import", "export"]).order_by("pk")
    return [(e.action, e.object_type, tuple(sorted(e.changes))) for e in rows]


def _last_event() -> int:
    last = AuditEvent.objects.order_by("-pk").first()
    return last.pk if last else 0


def _by_services(calls) -> list[tuple]:
    """The audit events ``calls()`` writes through the services, rolled back afterwards."""
    since = _last_event()
    with transaction.atomic():
        calls()
        events = _events(since)
        transaction.set_rollback(True)
    return events


def _messages(outcome) -> list[str]:
    return [str(e) for e in outcome.errors]


def _history(world):
    """张强 in group A then group B, 刘洋 leads group A, then 李娜 takes over: the rows are the history."""
    posts.group_member_assign(actor=None, member=world.zhang, group=world.group_a, on=DAY)
    posts.group_member_assign(actor=None, member=world.zhang, group=world.group_b, on=DAY + dt.timedelta(days=10))
    posts.group_member_assign(actor=None, member=world.liu, group=world.group_a, is_leader=True, on=DAY)
    posts.group_member_assign(actor=None, member=world.li, group=world.group_a, on=DAY)
    posts.group_member_assign(
        actor=None, member=world.li, group=world.group_a, is_leader=True, on=DAY + dt.timedelta(days=20)
    )
    posts.group_member_assign(actor=None, member=world.wang, group=world.group_sibling, on=DAY)


# --- Party group members -----------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["organizer", "secretary"])
def test_reimporting_an_export_of_group_members_changes_nothing(world, tmp_path, groups, persona):
    _history(world)
    user = getattr(world, persona)
    path, count = _export(tmp_path, groups, user)
    assert count == GroupMembership.objects.visible_to(user).count() >= 6
    rows = openpyxl.load_workbook(path).worksheets[0]
    masked = [r[6].value for r in rows.iter_rows(min_row=2) if r[6].value]
    assert all("*" in v for v in masked) == (persona == "secretary")  # a secretary's export is masked
    before, events = GroupMembership.objects.count(), _last_event()
    outcome = pipeline.commit(groups, path, user=user)
    assert outcome.ok, _messages(outcome)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, count)
    assert GroupMembership.objects.count() == before and _events(events) == []


def test_a_row_places_a_member_and_moves_them_as_the_service_does(world, tmp_path, groups):
    posts.group_member_assign(actor=None, member=world.zhang, group=world.group_a, on=DAY)
    on = DAY + dt.timedelta(days=5)
    expected = _by_services(
        lambda: (
            posts.group_member_assign(actor=None, member=world.zhang, group=world.group_b, on=on),
            posts.group_member_assign(actor=None, member=world.liu, group=world.group_b, is_leader=True, on=on),
        )
    )
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            GROUP_HEADERS,
            ["TA-001-G1", "张强", world.zhang.id_number, "否", DAY, on],  # ended by the move below: no extra event
            ["TA-001-G2", "张强", world.zhang.id_number, "否", on, None],
            ["TA-001-G2", "刘洋", world.liu.id_number, "是", on, None],
        ],
    )
    since = _last_event()
    outcome = pipeline.commit(groups, path, user=world.secretary)
    assert outcome.ok, _messages(outcome)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (2, 1, 0)
    assert (
        _events(since)
        == expected
        == [("group_assign", "members.groupmembership", ("group", "is_leader", "started_on"))] * 2
    )
    assert GroupMembership.objects.get(member=world.zhang, ended_on=None).org_id == world.group_b.pk
    assert GroupMembership.objects.get(member=world.liu, ended_on=None).is_leader


def test_a_new_leader_row_keeps_the_old_leader_as_a_member_with_the_services_events(world, tmp_path, groups):
    posts.group_member_assign(actor=None, member=world.liu, group=world.group_a, is_leader=True, on=DAY)
    posts.group_member_assign(actor=None, member=world.li, group=world.group_a, on=DAY)
    on = DAY + dt.timedelta(days=20)
    expected = _by_services(
        lambda: posts.group_member_assign(actor=None, member=world.li, group=world.group_a, is_leader=True, on=on)
    )
    # the rows of the export after the change, typed by hand: the old leader's rows follow from the new one
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            GROUP_HEADERS,
            ["TA-001-G1", "刘洋", world.liu.id_number, "否", on, None],
            ["TA-001-G1", "刘洋", world.liu.id_number, "是", DAY, on],
            ["TA-001-G1", "李娜", world.li.id_number, "否", DAY, on],
            ["TA-001-G1", "李娜", world.li.id_number, "是", on, None],
        ],
    )
    since = _last_event()
    outcome = pipeline.commit(groups, path, user=world.secretary)
    assert outcome.ok, _messages(outcome)
    assert _events(since) == expected and len(expected) == 1
    assert GroupMembership.objects.get(org=world.group_a, is_leader=True, ended_on=None).member_id == world.li.pk
    assert not GroupMembership.objects.get(member=world.liu, ended_on=None).is_leader


def test_filling_the_end_date_takes_a_member_out_of_the_group(world, tmp_path, groups):
    posts.group_member_assign(actor=None, member=world.zhang, group=world.group_a, on=DAY)
    on = DAY + dt.timedelta(days=3)
    path = make_xlsx(tmp_path / "in.xlsx", [GROUP_HEADERS, ["TA-001-G1", "张强", world.zhang.id_number, None, DAY, on]])
    since = _last_event()
    outcome = pipeline.commit(groups, path, user=world.secretary)
    assert outcome.ok and outcome.updated == 1, _messages(outcome)
    assert _events(since) == [("group_remove", "members.groupmembership", ("ended_on",))]
    assert not GroupMembership.objects.filter(ended_on=None).exists()


def test_groups_are_found_by_name_within_the_members_branch(world, tmp_path, groups):
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [["小组", "姓名", "身份证", "组长", "开始日期"], ["东街第二党小组", "张强", world.zhang.id_number, "是", DAY]],
    )
    outcome = pipeline.commit(groups, path, user=world.secretary)
    assert outcome.ok, _messages(outcome)
    assert GroupMembership.objects.get(member=world.zhang).org_id == world.group_b.pk


def test_bad_group_rows_are_each_reported_and_nothing_is_written(world, tmp_path, groups):
    posts.group_member_assign(actor=None, member=world.liu, group=world.group_a, is_leader=True, on=DAY)
    masked = world.zhang.id_number_masked
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            [*GROUP_HEADERS, "党员系统编号"],
            ["TB-001-G1", "王伟", world.wang.id_number, "否", DAY, None, None],  # a sibling branch's group
            ["TA-001-G1", "王伟", world.wang.id_number, "否", DAY, None, None],  # a sibling branch's member
            ["TA-001-G1", "刘洋", world.liu.id_number, "否", DAY, None, None],  # the leader flag of a stored row
            ["TA-001-G2", "张强", world.zhang.id_number, "否", DAY, DAY - dt.timedelta(days=1), None],
            ["TA-001-G2", "张强", masked, "否", DAY, None, None],  # masked, without the record id
            ["TA-001-G2", "李娜", world.li.id_number, "否", "2099-01-01", None, None],
            ["TA-001-G2", "张三", world.zhao.id_number, "否", DAY, None, None],  # not the name on record
        ],
    )
    before = GroupMembership.objects.count()
    outcome = pipeline.commit(groups, path, user=world.secretary)
    assert not outcome.committed and outcome.error_rows == 7
    messages = _messages(outcome)
    assert "第 2 行〈党小组编码〉：党小组不存在或无权限" in messages
    assert "第 3 行〈身份证号〉：党员不存在或无权限" in messages
    assert any(m.startswith("第 4 行〈是否组长〉：与系统中的不一致（是）") for m in messages)
    assert "第 5 行〈调出日期〉：调出日期不能早于编入日期" in messages
    assert "第 6 行〈身份证号〉：身份证号已打码，须同时填写〈党员系统编号〉才能识别" in messages
    assert "第 7 行〈编入日期〉：不能是将来的日期" in messages
    assert "第 8 行〈姓名〉：与系统中的姓名（赵敏）不一致" in messages
    assert GroupMembership.objects.count() == before


def test_a_masked_id_number_is_matched_through_the_member_record_id(world, tmp_path, groups):
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            [*GROUP_HEADERS, "党员系统编号"],
            ["TA-001-G1", "张强", world.zhang.id_number_masked, "否", DAY, None, world.zhang.pk],
            ["TA-001-G1", "刘洋", world.liu.id_number_masked, "否", DAY, None, world.zhang.pk],  # wrong record id
        ],
    )
    outcome = pipeline.commit(groups, path, user=world.secretary)
    assert _messages(outcome) == ["第 3 行〈身份证号〉：打码的身份证号与〈党员系统编号〉对应的党员不符"]
    assert not GroupMembership.objects.exists()
    path = make_xlsx(
        tmp_path / "ok.xlsx",
        [
            [*GROUP_HEADERS, "党员系统编号"],
            ["TA-001-G1", "张强", world.zhang.id_number_masked, "否", DAY, None, world.zhang.pk],
        ],
    )
    assert pipeline.commit(groups, path, user=world.secretary).ok
    assert GroupMembership.objects.get().member_id == world.zhang.pk


def test_a_secretary_cannot_import_group_members_into_a_sibling_branch(world, tmp_path, groups):
    path = make_xlsx(
        tmp_path / "in.xlsx", [GROUP_HEADERS, ["TA-001-G1", "张强", world.zhang.id_number, "否", DAY, None]]
    )
    outcome = pipeline.commit(groups, path, user=world.sibling_secretary)
    assert _messages(outcome) == [
        "第 2 行〈身份证号〉：党员不存在或无权限",
        "第 2 行〈党小组编码〉：党小组不存在或无权限",
    ]
    path = make_xlsx(
        tmp_path / "in2.xlsx", [GROUP_HEADERS, ["TB-001-G1", "张强", world.zhang.id_number, "否", DAY, None]]
    )
    assert not pipeline.commit(groups, path, user=world.sibling_secretary).ok
    assert not GroupMembership.objects.exists()


# --- Post assignments --------------------------------------------------------------------------------
def _assignments(world):
    assignment_in(world, "on_duty")
    assignment_in(world, "publicised", member=world.li, post=world.sanitation)
    old = assignment_in(world, "ended", member=world.liu)
    assert old.state == "ended"
    assignment_in(world, "declared", member=world.liu)
    assignment_in(world, "approved", member=world.wang)


@pytest.mark.parametrize("persona", ["organizer", "secretary"])
def test_reimporting_an_export_of_post_assignments_changes_nothing(world, tmp_path, assignments, persona):
    _assignments(world)
    user = getattr(world, persona)
    path, count = _export(tmp_path, assignments, user)
    assert count == PostAssignment.objects.visible_to(user).count() == (5 if persona == "organizer" else 4)
    before, events = list(PostAssignment.objects.values()), _last_event()
    outcome = pipeline.commit(assignments, path, user=user)
    assert outcome.ok, _messages(outcome)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, count)
    assert list(PostAssignment.objects.values()) == before and _events(events) == []


def test_the_export_is_the_pages_filtered_list(world, tmp_path, assignments):
    _assignments(world)
    path, count = _export(tmp_path, assignments, world.organizer, {"org": str(world.branch_a1.pk), "state": "open"})
    assert count == 3
    names = {r[4] for r in openpyxl.load_workbook(path).worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert names == {"张强", "李娜", "刘洋"}


def test_a_new_row_is_declared_and_its_stage_dates_go_through_the_stage_services(world, tmp_path, assignments):
    dates = [DAY, DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=7), DAY + dt.timedelta(days=8)]

    def by_hand():
        a = posts.post_assignment_declare(
            actor=None, member=world.zhang, post=world.post, origin="recommended", declared_on=dates[0]
        )
        a = posts.post_assignment_approve(actor=None, assignment=a, on=dates[1])
        a = posts.post_assignment_publicise(actor=None, assignment=a, starts_on=dates[2], ends_on=dates[3])
        posts.post_assignment_badge(actor=None, assignment=a, on=dates[4])
        posts.post_assignment_declare(actor=None, member=world.liu, post=world.sanitation, origin="self_declared")

    expected = _by_services(by_hand)
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            POST_HEADERS,
            ["张强", world.zhang.id_number, "政策宣传岗", "组织推荐", *dates],
            ["刘洋", world.liu.id_number, "环境卫生岗", "个人申报"],
        ],
    )
    since = _last_event()
    outcome = pipeline.commit(assignments, path, user=world.secretary)
    assert outcome.ok, _messages(outcome)
    assert outcome.created == 2
    assert _events(since) == expected
    assert [e[0] for e in expected] == ["create", "post_approve", "post_publicise", "post_badge", "create"]
    zhang = PostAssignment.objects.get(member=world.zhang)
    assert (zhang.state, zhang.on_duty_from, zhang.duties) == ("on_duty", dates[4], world.post.duties)
    liu = PostAssignment.objects.get(member=world.liu)
    assert (liu.state, liu.declared_on) == ("declared", dt.date.today())


def test_an_existing_assignment_gets_its_duties_and_next_stage_through_the_services(world, tmp_path, assignments):
    declared = assignment_in(world, "declared")
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            ["系统编号", "姓名", "身份证号", "岗位", "来源", "职责", "状态", "审核日期"],
            [declared.pk, "张强", world.zhang.id_number, "政策宣传岗", "自荐", "宣传政策，每月一次", "已审核", DAY],
        ],
    )
    since = _last_event()
    outcome = pipeline.commit(assignments, path, user=world.secretary)
    assert outcome.ok and outcome.updated == 1, _messages(outcome)
    assert outcome.changes[0].columns == ("岗位职责", "审核日期")
    assert [e[0] for e in _events(since)] == ["update", "post_approve"]
    declared.refresh_from_db()
    assert (declared.duties, declared.state, declared.approved_on) == ("宣传政策，每月一次", "approved", DAY)


def test_a_row_ends_an_assignment_and_a_new_row_replaces_it(world, tmp_path, assignments):
    current = assignment_in(world, "on_duty")
    end = DAY + dt.timedelta(days=40)
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            ["岗位名称", "姓名", "身份证号", "产生方式", "申报日期", "结束日期", "结束原因", "系统编号"],
            ["环境卫生岗", "张强", world.zhang.id_number, "个人申报", end, None, None, None],
            ["政策宣传岗", "张强", world.zhang.id_number, "个人申报", None, end, "换岗", current.pk],
        ],
    )
    outcome = pipeline.commit(assignments, path, user=world.secretary)
    assert outcome.ok and (outcome.created, outcome.updated) == (1, 1), _messages(outcome)
    current.refresh_from_db()
    assert (current.state, current.end_reason) == ("ended", "换岗")
    assert PostAssignment.objects.get(member=world.zhang, state="declared").post == world.sanitation


def test_bad_assignment_rows_are_each_reported_and_nothing_is_written(world, tmp_path, assignments):
    posts.post_setting_set(actor=None, org=world.branch_a1, post=world.sanitation, hidden=True)
    declared = assignment_in(world, "declared", member=world.li)
    on_duty = assignment_in(world, "on_duty", member=world.zhao)
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            [*POST_HEADERS, "系统编号", "状态", "结束日期"],
            ["张强", world.zhang.id_number, "环境卫生岗", "个人申报", DAY, None, None, None, None, None, None, None],
            ["刘洋", world.liu.id_number, "政策宣传岗", "个人申报", DAY, None, None, None, DAY, None, None, None],
            ["王伟", world.wang.id_number, "政策宣传岗", "个人申报", DAY, None, None, None, None, None, None, None],
            [
                "李娜",
                world.li.id_number,
                "政策宣传岗",
                "个人申报",
                None,
                DAY,
                DAY,
                DAY + dt.timedelta(days=2),
                None,
                declared.pk,
                None,
                None,
            ],
            [
                "赵敏",
                world.zhao.id_number,
                "环境卫生岗",
                "个人申报",
                None,
                None,
                None,
                None,
                None,
                on_duty.pk,
                None,
                None,
            ],
            ["赵敏", world.zhao.id_number, "政策宣传岗", "个人申报", DAY, None, None, None, None, None, None, None],
            [
                "张强",
                world.zhang.id_number,
                "政策宣传岗",
                "个人申报",
                DAY,
                None,
                None,
                None,
                None,
                None,
                "已上岗",
                None,
            ],
            [
                "李娜",
                world.li.id_number,
                "政策宣传岗",
                "组织推荐",
                None,
                None,
                None,
                None,
                None,
                declared.pk + 1000,
                None,
                None,
            ],
        ],
    )
    before, events = PostAssignment.objects.count(), _last_event()
    outcome = pipeline.commit(assignments, path, user=world.secretary)
    assert not outcome.committed and outcome.error_rows == 8
    messages = _messages(outcome)
    assert "第 2 行〈岗位名称〉：不是东街村党支部可选的岗位" in messages
    assert "第 3 行〈上岗日期〉：须先填写公示开始日期" in messages
    assert "第 4 行〈身份证号〉：党员不存在或无权限" in messages
    assert "第 5 行〈公示结束日期〉：公示期不少于 5 天" in messages
    assert "第 6 行〈岗位名称〉：与系统中的岗位（政策宣传岗）不一致；换岗请结束原岗位后新增一行" in messages
    assert any(m.startswith("第 7 行〈身份证号〉：该党员已有进行中的岗位") for m in messages)
    assert "第 8 行〈状态〉：与填写的日期不符（按日期应为“已申报”）" in messages
    assert "第 9 行〈系统编号〉：记录不存在或无权限" in messages
    assert PostAssignment.objects.count() == before and _events(events) == []


def test_a_masked_export_row_needs_the_member_record_id(world, tmp_path, assignments):
    a = assignment_in(world, "declared")
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            ["系统编号", "党员系统编号", "姓名", "身份证号", "岗位名称", "产生方式", "岗位职责"],
            [a.pk, None, "张强", world.zhang.id_number_masked, "政策宣传岗", "个人申报", "新的职责"],
            [a.pk, world.li.pk, "张强", world.zhang.id_number_masked, "政策宣传岗", "个人申报", "新的职责"],
        ],
    )
    messages = _messages(pipeline.commit(assignments, path, user=world.secretary))
    assert messages == [
        "第 2 行〈身份证号〉：身份证号已打码，须同时填写〈党员系统编号〉才能识别",
        "第 3 行〈身份证号〉：打码的身份证号与〈党员系统编号〉对应的党员不符",
    ]
    a.refresh_from_db()
    assert a.duties == world.post.duties


def test_a_secretary_cannot_import_assignments_into_a_sibling_branch(world, tmp_path, assignments):
    a = assignment_in(world, "declared")
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            ["系统编号", "姓名", "身份证号", "岗位名称", "产生方式", "岗位职责"],
            [None, "张强", world.zhang.id_number, "环境卫生岗", "个人申报", None],
            [a.pk, "王伟", world.wang.id_number, "政策宣传岗", "个人申报", "改"],
        ],
    )
    outcome = pipeline.commit(assignments, path, user=world.sibling_secretary)
    assert _messages(outcome) == ["第 2 行〈身份证号〉：党员不存在或无权限", "第 3 行〈系统编号〉：记录不存在或无权限"]
    assert PostAssignment.objects.count() == 1 and not PostSetting.objects.exists()


# --- Pages and templates ------------------------------------------------------------------------------
def test_the_branch_page_links_to_export_and_import_and_a_sibling_gets_404(world, client_for):
    assignment_in(world, "declared")
    client = client_for(world.secretary)
    page = client.get(f"/posts/orgs/{world.branch_a1.pk}/").content.decode()
    assert f"/io/export/post_assignments/?org={world.branch_a1.pk}&amp;state=open" in page
    assert f"/io/export/group_memberships/?org={world.branch_a1.pk}&amp;current=1" in page
    assert "/io/post_assignments/" in page and "/io/group_memberships/" in page
    response = client.get(f"/io/export/post_assignments/?org={world.branch_a1.pk}&state=open")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(body(response)))
    assert [c.value for c in book.worksheets[0][1]][:6] == [
        "序号",
        "系统编号",
        "所属党支部",
        "党员系统编号",
        "姓名",
        "身份证号",
    ]
    sibling = client_for(world.sibling_secretary)
    assert sibling.get(f"/io/export/post_assignments/?org={world.branch_a1.pk}").status_code == 404
    assert sibling.get(f"/io/export/group_memberships/?org={world.branch_a1.pk}").status_code == 404
    assert client_for(world.member_user).get("/io/export/post_assignments/").status_code == 404


@pytest.mark.parametrize("name", ["group_memberships", "post_assignments"])
def test_the_blank_template_has_drop_downs(name):
    book = openpyxl.load_workbook(pipeline.blank(excel.get(name)))
    sheet = book.worksheets[0]
    assert sheet.data_validations.dataValidation
    headers = [c.value for c in sheet[1]]
    assert ("是否组长" if name == "group_memberships" else "产生方式") in headers


def test_an_assignment_moves_to_another_group_of_the_branch_by_name(world, tmp_path, assignments):
    posts.group_member_assign(actor=None, member=world.zhang, group=world.group_a, on=DAY)
    a = assignment_in(world, "on_duty")
    assert a.group_id == world.group_a.pk
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            ["系统编号", "姓名", "身份证号", "岗位名称", "产生方式", "小组"],
            [a.pk, "张强", world.zhang.id_number, "政策宣传岗", "个人申报", "东街第二党小组"],
        ],
    )
    since = _last_event()
    outcome = pipeline.commit(assignments, path, user=world.secretary)
    assert outcome.ok and outcome.changes[0].columns == ("党小组",), _messages(outcome)
    assert _events(since) == [("update", "members.postassignment", ("group",))]
    a.refresh_from_db()
    assert a.group_id == world.group_b.pk

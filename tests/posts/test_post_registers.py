"""一编三定 in Excel, continued: the post catalogue (``posts``), the evaluations (``post_evaluations``) and
the objections of the public notice in ``post_assignments`` — exported, re-imported with no change,
written through the services, refused row by row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest

from dangjian.core import excel
from dangjian.core.excel import pipeline
from dangjian.posts import queries as post_queries
from dangjian.posts import services as posts
from dangjian.posts.models import Post, PostArea, PostAssignment, PostEvaluation
from tests import factories
from tests.posts.posts_world import DAY, add_groups, assignment_in
from tests.posts.test_posts_import import _by_services, _events, _export, _last_event, _messages
from tests.support.excel import make_xlsx

CATALOGUE_HEADERS = ["系统编号", "设岗组织编码", "设岗组织", "岗位类别", "岗位名称", "岗位职责", "排序", "是否启用"]
EVALUATION_HEADERS = ["岗位系统编号", "姓名", "身份证号", "岗位名称", "年度", "评定等次", "评语", "评定日期"]


@pytest.fixture
def world(world):
    add_groups(world)
    world.liu = factories.member(world.branch_a1, "刘洋")
    world.zhao = factories.member(world.branch_a1, "赵敏", gender="female")
    world.area = PostArea.objects.get(code="public_affairs")
    return world


@pytest.fixture
def catalogue():
    return excel.get("posts")


@pytest.fixture
def evaluations():
    return excel.get("post_evaluations")


@pytest.fixture
def assignments():
    return excel.get("post_assignments")


def _post(world, org, name, **extra):
    data = {"area": world.area, "name": name, "duties": f"{name}的职责", **extra}
    return posts.post_create(actor=None, org=org, data=data)


def _rows(path) -> list[tuple]:
    return list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))


# --- The catalogue -----------------------------------------------------------------------------------
def _catalogue(world):
    """A township post, two of the branch (one no longer offered), a sibling's, a default hidden in the branch."""
    world.town_post = _post(world, world.town_a, "镇级巡查岗")
    world.own = _post(world, world.branch_a1, "河道巡查岗", order=2)
    world.retired = _post(world, world.branch_a1, "旧岗", is_active=False)
    world.sibling_post = _post(world, world.branch_b1, "河口岗")
    posts.post_setting_set(actor=None, org=world.branch_a1, post=world.sanitation, hidden=True)


@pytest.mark.parametrize("persona", ["organizer", "town_organizer", "secretary"])
def test_reimporting_an_export_of_the_catalogue_changes_nothing(world, tmp_path, catalogue, persona):
    _catalogue(world)
    user = getattr(world, persona)
    path, count = _export(tmp_path, catalogue, user, {"org": str(world.branch_a1.pk)})
    assert count == 10 + 3  # the defaults, the township's post, the branch's two
    rows = _rows(path)
    header = rows[0]
    by_name = {r[header.index("岗位名称")]: r for r in rows[1:]}
    assert "河口岗" not in by_name
    assert by_name["环境卫生岗"][header.index("设岗组织")] == "全区默认"
    assert by_name["环境卫生岗"][header.index("本组织是否隐藏")] == "是"
    assert by_name["河道巡查岗"][header.index("设岗组织编码")] == "TA-001"
    assert by_name["旧岗"][header.index("是否启用")] == "否"
    before, events = list(Post.objects.values()), _last_event()
    outcome = pipeline.commit(catalogue, path, user=user)
    assert outcome.ok, _messages(outcome)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, count)
    assert list(Post.objects.values()) == before and _events(events) == []


def test_the_export_without_an_organization_is_what_the_user_reads(world, tmp_path, catalogue):
    _catalogue(world)
    _path, count = _export(tmp_path, catalogue, world.sibling_secretary)
    assert count == 10 + 1  # the defaults and the branch's own; nothing of the other township
    _path, count = _export(tmp_path, catalogue, world.organizer)
    assert count == Post.objects.count() == 14


def test_rows_add_a_post_and_change_one_through_the_services(world, tmp_path, catalogue):
    _catalogue(world)
    expected = _by_services(
        lambda: (
            posts.post_update(actor=None, post=world.own, data={"duties": "每周巡河一次", "order": 5}),
            posts.post_create(
                actor=None,
                org=world.branch_a1,
                data={
                    "area": world.area,
                    "name": "垃圾分类督导岗",
                    "duties": "督导分类",
                    "order": 0,
                    "is_active": True,
                },
            ),
        )
    )
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            CATALOGUE_HEADERS,
            [world.own.pk, "TA-001", "东街村党支部", "公共事务", "河道巡查岗", "每周巡河一次", 5, "是"],
            [None, None, "东街村党支部", "公共事务", "垃圾分类督导岗", "督导分类", None, None],
            [world.post.pk, None, "全区默认", "思想教育", "政策宣传岗", None, None, None],  # as stored: unchanged
        ],
    )
    since = _last_event()
    outcome = pipeline.commit(catalogue, path, user=world.secretary)
    assert outcome.ok, _messages(outcome)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (1, 1, 1)
    assert outcome.changes[0].columns == ("岗位职责", "排序")
    assert _events(since) == expected
    created = Post.objects.get(name="垃圾分类督导岗")
    assert (created.org, created.order, created.is_active) == (world.branch_a1, 0, True)
    again = pipeline.commit(catalogue, path, user=world.secretary)  # the same file once more: found by name
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3), _messages(again)


def test_a_branch_cannot_change_a_district_default_or_a_township_post(world, tmp_path, catalogue):
    _catalogue(world)
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            CATALOGUE_HEADERS,
            [world.post.pk, None, "全区默认", None, "政策宣传岗", "本村的宣传职责", None, None],
            [world.town_post.pk, "TA", "城关镇党委", None, "镇级巡查岗", None, None, "否"],
        ],
    )
    outcome = pipeline.commit(catalogue, path, user=world.secretary)
    assert _messages(outcome) == [
        "第 2 行〈岗位职责〉：区委组织部设定的默认岗位只能由区委组织部修改；"
        "本组织不需要的可在岗位目录中隐藏，或新增本组织的岗位",
        "第 3 行〈是否启用〉：该岗位由城关镇党委设立，只能由其修改；本组织不需要的可在岗位目录中隐藏",
    ]
    world.post.refresh_from_db()
    assert world.post.duties != "本村的宣传职责"
    outcome = pipeline.commit(catalogue, path, user=world.organizer)  # the department may
    assert outcome.ok and outcome.updated == 2, _messages(outcome)
    world.post.refresh_from_db()
    world.town_post.refresh_from_db()
    assert (world.post.duties, world.town_post.is_active) == ("本村的宣传职责", False)


def test_bad_catalogue_rows_are_each_reported_and_nothing_is_written(world, tmp_path, catalogue):
    _catalogue(world)
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            CATALOGUE_HEADERS,
            [None, None, "东街村党支部", None, "新岗一", None, None, None],
            [None, "TB-001", None, "公共事务", "新岗二", "职责", None, None],
            [None, None, "城关镇党委", "公共事务", "新岗三", "职责", None, None],
            [None, None, "全区默认", "公共事务", "新岗四", "职责", None, None],
            [None, None, None, "公共事务", "新岗五", "职责", None, None],
            [world.sibling_post.pk, None, None, None, "河口岗", None, None, None],
            [world.own.pk, None, "城关镇党委", None, "河道巡查岗", None, None, None],
            [world.own.pk, None, None, None, "河道巡查岗", None, 1000, None],
            [None, "TA-001-G1", None, "公共事务", "组内岗", "职责", None, None],
            [None, "TA-001", None, "公共事务", "新岗六", "职责", None, None],
            [None, None, "东街村党支部", "公共事务", "新岗六", "职责", None, None],
            [world.retired.pk, None, None, None, "河道巡查岗", None, None, None],
        ],
    )
    before, events = Post.objects.count(), _last_event()
    outcome = pipeline.commit(catalogue, path, user=world.secretary)
    assert not outcome.committed
    assert _messages(outcome) == [
        "第 2 行〈岗位类别〉：新增岗位须选择岗位类别",
        "第 2 行〈岗位职责〉：新增岗位须填写岗位职责",
        "第 3 行〈设岗组织编码〉：组织不存在或无权限",
        "第 4 行〈设岗组织〉：只能为本组织及下级组织设岗，城关镇党委是上级组织",
        "第 5 行〈设岗组织〉：“全区默认”岗位只能由区委组织部设立；请填写本组织",
        "第 6 行〈设岗组织编码〉：新增岗位须填写〈设岗组织编码〉或〈设岗组织〉（区委组织部的默认岗位填“全区默认”）",
        "第 7 行〈系统编号〉：记录不存在或无权限",
        "第 8 行〈设岗组织〉：与系统中的设岗组织（东街村党支部）不一致；岗位不能改由其他组织设立",
        "第 9 行〈排序〉：应为 0–999 的整数",
        "第 10 行〈设岗组织编码〉：岗位由党支部或党委设立，不能由党小组设立",
        "第 12 行：与第 11 行是同一岗位",
        "第 13 行〈岗位名称〉：与第 9 行的岗位同名（同一组织的岗位不能重名）",
    ]
    assert Post.objects.count() == before and _events(events) == []


def test_the_order_is_checked_and_a_rename_onto_a_stored_name_is_refused(world, tmp_path, catalogue):
    _catalogue(world)
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            CATALOGUE_HEADERS,
            [world.own.pk, None, None, None, "河道巡查岗", None, 1000, None],
            [world.retired.pk, None, None, None, "河道巡查岗", None, None, None],
        ],
    )
    assert _messages(pipeline.commit(catalogue, path, user=world.secretary)) == [
        "第 2 行〈排序〉：应为 0–999 的整数",
        "第 3 行〈岗位名称〉：与第 2 行的岗位同名（同一组织的岗位不能重名）",
    ]
    path = make_xlsx(tmp_path / "in2.xlsx", [CATALOGUE_HEADERS, [world.retired.pk, None, None, None, "河道巡查岗"]])
    assert _messages(pipeline.commit(catalogue, path, user=world.secretary)) == [
        "第 2 行〈岗位名称〉：设岗组织已有同名岗位"
    ]


# --- Evaluations -------------------------------------------------------------------------------------
def _evaluated(world, monkeypatch):
    monkeypatch.setattr(post_queries, "post_points", lambda assignment, year: Decimal("6.5"))
    world.zhang_a = assignment_in(world, "on_duty")
    world.wang_a = assignment_in(world, "on_duty", member=world.wang)
    posts.post_evaluation_record(actor=None, assignment=world.zhang_a, year=2025, rating="competent", note="按时履职")
    posts.post_evaluation_record(actor=None, assignment=world.wang_a, year=2025, rating="excellent")
    monkeypatch.setattr(post_queries, "post_points", lambda assignment, year: None)
    world.liu_a = assignment_in(world, "on_duty", member=world.liu)
    posts.post_evaluation_record(actor=None, assignment=world.liu_a, year=2026, rating="basically_competent")


@pytest.mark.parametrize("persona", ["organizer", "secretary"])
def test_reimporting_an_export_of_evaluations_changes_nothing(world, tmp_path, evaluations, persona, monkeypatch):
    _evaluated(world, monkeypatch)
    monkeypatch.setattr(post_queries, "post_points", lambda assignment, year: Decimal("9"))  # the ledger moved on
    user = getattr(world, persona)
    path, count = _export(tmp_path, evaluations, user)
    assert count == (3 if persona == "organizer" else 2)
    rows = _rows(path)
    header = rows[0]
    zhang = next(r for r in rows[1:] if r[header.index("姓名")] == "张强")
    assert (zhang[header.index("岗位积分")], zhang[header.index("评定等次")]) == (6.5, "称职")
    assert zhang[header.index("岗位系统编号")] == world.zhang_a.pk
    before, events = list(PostEvaluation.objects.values()), _last_event()
    outcome = pipeline.commit(evaluations, path, user=user)
    assert outcome.ok, _messages(outcome)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, count)
    assert list(PostEvaluation.objects.values()) == before and _events(events) == []


def test_the_evaluation_export_is_filtered_like_the_api(world, tmp_path, evaluations, monkeypatch):
    _evaluated(world, monkeypatch)
    _path, count = _export(tmp_path, evaluations, world.organizer, {"org": str(world.branch_a1.pk), "year": "2025"})
    assert count == 1
    _path, count = _export(tmp_path, evaluations, world.organizer, {"rating": "excellent"})
    assert count == 1


def test_rows_rate_a_year_and_change_a_rating_through_the_service(world, tmp_path, evaluations, monkeypatch):
    _evaluated(world, monkeypatch)
    day = dt.date(2026, 1, 15)
    expected = _by_services(
        lambda: (
            posts.post_evaluation_record(
                actor=None, assignment=world.zhang_a, year=2025, rating="excellent", note="按时履职", on=day
            ),
            posts.post_evaluation_record(actor=None, assignment=world.liu_a, year=2025, rating="competent", on=day),
        )
    )
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            EVALUATION_HEADERS,
            [world.zhang_a.pk, "张强", world.zhang.id_number, "政策宣传岗", 2025, "优秀", None, day],
            [None, "刘洋", world.liu.id_number, "政策宣传岗", 2025, "称职", None, day],  # found by member and post
        ],
    )
    since = _last_event()
    outcome = pipeline.commit(evaluations, path, user=world.secretary)
    assert outcome.ok, _messages(outcome)
    assert (outcome.created, outcome.updated) == (1, 1)
    assert _events(since) == expected
    assert [e[0] for e in expected] == ["post_evaluate", "post_evaluate"]
    stored = PostEvaluation.objects.get(assignment=world.zhang_a, year=2025)
    assert (stored.rating, stored.note, stored.evaluated_on) == ("excellent", "按时履职", day)
    assert PostEvaluation.objects.get(assignment=world.liu_a, year=2025).rating == "competent"


def test_bad_evaluation_rows_are_each_reported_and_nothing_is_written(world, tmp_path, evaluations, monkeypatch):
    _evaluated(world, monkeypatch)
    declared = assignment_in(world, "declared", member=world.zhao)
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            EVALUATION_HEADERS,
            [world.zhang_a.pk, "张强", world.zhang.id_number, None, 2024, "优秀", None, None],
            [world.zhang_a.pk, "张强", world.zhang.id_number, None, 2030, "优秀", None, None],
            [None, "张强", world.zhang.id_number, "环境卫生岗", 2025, "优秀", None, None],
            [world.wang_a.pk, "张强", world.zhang.id_number, None, 2025, "优秀", None, None],
            [declared.pk, "赵敏", world.zhao.id_number, None, 2025, "称职", None, None],
            [world.zhang_a.pk, "张强", world.zhang.id_number, "环境卫生岗", 2025, "优秀", None, None],
            [world.zhang_a.pk, "张强", world.zhang.id_number, None, 2025, "良好", None, None],
            [None, "张强", world.zhang.id_number, None, 2025, "优秀", None, None],
            [world.liu_a.pk, "刘洋", world.liu.id_number, None, 2026, "基本称职", None, dt.date(2026, 2, 1)],
            [world.zhang_a.pk, "张强", world.zhang.id_number, None, 2025, "优秀", None, dt.date(2099, 1, 1)],
            [world.liu_a.pk, "刘洋", world.liu.id_number, None, 2026, "优秀", None, None],
        ],
    )
    before, events = list(PostEvaluation.objects.values()), _last_event()
    outcome = pipeline.commit(evaluations, path, user=world.secretary)
    assert not outcome.committed
    assert _messages(outcome) == [
        "第 2 行〈年度〉：该党员该年度未在此岗位上岗",
        f"第 3 行〈年度〉：应为 2000 年至 {dt.date.today().year} 年之间的年度",
        "第 4 行〈岗位名称〉：该党员 2025 年没有在岗的“环境卫生岗”",
        "第 5 行〈岗位系统编号〉：记录不存在或无权限",
        "第 6 行〈年度〉：该党员该年度未在此岗位上岗",
        "第 7 行〈岗位名称〉：与系统中的岗位（政策宣传岗）不一致",
        "第 8 行〈评定等次〉：不是可选值之一（可选：优秀、称职、基本称职、不称职）",
        "第 9 行〈岗位系统编号〉：须填写〈岗位系统编号〉或〈岗位名称〉",
        "第 10 行〈评定日期〉：与系统中的评定日期（"
        + PostEvaluation.objects.get(assignment=world.liu_a).evaluated_on.isoformat()
        + "）不一致；修改评定等次或评语时才重新记录评定日期",
        "第 11 行〈评定日期〉：不能是将来的日期",
        "第 12 行：与第 10 行是同一岗位同一年度的评定",
    ]
    assert list(PostEvaluation.objects.values()) == before and _events(events) == []


# --- Objections in the assignments register ------------------------------------------------------------
ASSIGNMENT_HEADERS = [
    "系统编号",
    "姓名",
    "身份证号",
    "岗位名称",
    "产生方式",
    "申报日期",
    "审核日期",
    "公示开始日期",
    "公示结束日期",
    "上岗日期",
    "公示意见",
]


def test_objections_are_recorded_while_the_assignment_is_under_notice(world, tmp_path, assignments):
    under_notice = assignment_in(world, "publicised")
    dates = [DAY, DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=7), DAY + dt.timedelta(days=8)]

    def by_hand():
        posts.post_assignment_record_objections(
            actor=None, assignment=under_notice, objections="有群众提出意见，已核实"
        )
        a = posts.post_assignment_declare(
            actor=None, member=world.liu, post=world.sanitation, origin="self_declared", declared_on=dates[0]
        )
        a = posts.post_assignment_approve(actor=None, assignment=a, on=dates[1])
        a = posts.post_assignment_publicise(actor=None, assignment=a, starts_on=dates[2], ends_on=dates[3])
        a = posts.post_assignment_record_objections(actor=None, assignment=a, objections="无异议")
        posts.post_assignment_badge(actor=None, assignment=a, on=dates[4])

    expected = _by_services(by_hand)
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            ASSIGNMENT_HEADERS,
            [
                under_notice.pk,
                "张强",
                world.zhang.id_number,
                "政策宣传岗",
                "个人申报",
                *[None] * 5,
                "有群众提出意见，已核实",
            ],
            [None, "刘洋", world.liu.id_number, "环境卫生岗", "个人申报", *dates, "无异议"],
        ],
    )
    since = _last_event()
    outcome = pipeline.commit(assignments, path, user=world.secretary)
    assert outcome.ok, _messages(outcome)
    assert (outcome.created, outcome.updated) == (1, 1)
    assert outcome.changes[0].columns == ("公示意见",)
    assert _events(since) == expected
    assert [e[0] for e in expected] == [
        "post_objections",
        "create",
        "post_approve",
        "post_publicise",
        "post_objections",
        "post_badge",
    ]
    liu = PostAssignment.objects.get(member=world.liu)
    assert (liu.state, liu.objections) == ("on_duty", "无异议")
    path, count = _export(tmp_path, assignments, world.secretary)  # and the export carries them back unchanged
    again = pipeline.commit(assignments, path, user=world.secretary)
    assert (again.updated, again.unchanged) == (0, count), _messages(again)


def test_objections_outside_the_notice_are_refused(world, tmp_path, assignments):
    on_duty = assignment_in(world, "on_duty")
    declared = assignment_in(world, "declared", member=world.li)
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            ASSIGNMENT_HEADERS,
            [on_duty.pk, "张强", world.zhang.id_number, "政策宣传岗", "个人申报", *[None] * 5, "补录的意见"],
            [
                declared.pk,
                "李娜",
                world.li.id_number,
                "政策宣传岗",
                "个人申报",
                None,
                DAY,
                None,
                None,
                None,
                "提前的意见",
            ],
            [None, "刘洋", world.liu.id_number, "环境卫生岗", "个人申报", DAY, None, None, None, None, "意见"],
        ],
    )
    outcome = pipeline.commit(assignments, path, user=world.secretary)
    assert _messages(outcome) == [
        "第 2 行〈公示意见〉：公示已结束，不能再记录或修改公示意见",
        "第 3 行〈公示意见〉：公示意见在公示期间记录，须先填写〈公示开始日期〉和〈公示结束日期〉",
        "第 4 行〈公示意见〉：公示意见在公示期间记录，须先填写〈公示开始日期〉和〈公示结束日期〉",
    ]
    declared.refresh_from_db()
    assert (declared.state, declared.objections) == ("declared", "")
    assert PostAssignment.objects.count() == 2


# --- Pages and templates ------------------------------------------------------------------------------
def test_the_catalogue_and_branch_pages_link_to_both_registers_and_a_sibling_gets_404(world, client_for):
    client = client_for(world.secretary)
    page = client.get(f"/posts/orgs/{world.branch_a1.pk}/catalogue/").content.decode()
    assert f"/io/export/posts/?org={world.branch_a1.pk}" in page and 'href="/io/posts/"' in page
    page = client.get(f"/posts/orgs/{world.branch_a1.pk}/").content.decode()
    assert f"/io/export/post_evaluations/?org={world.branch_a1.pk}" in page and 'href="/io/post_evaluations/"' in page
    response = client.get(f"/io/export/posts/?org={world.branch_a1.pk}")
    assert response.status_code == 200
    sibling = client_for(world.sibling_secretary)
    for name in ("posts", "post_evaluations"):
        assert sibling.get(f"/io/export/{name}/?org={world.branch_a1.pk}").status_code == 404
    assert client_for(world.member_user).get("/io/export/post_evaluations/").status_code == 404
    assert client_for(world.auditor).get("/io/export/posts/").status_code == 404


@pytest.mark.parametrize(("name", "columns"), [("posts", {"岗位类别", "是否启用"}), ("post_evaluations", {"评定等次"})])
def test_the_blank_templates_have_drop_downs(name, columns):
    book = openpyxl.load_workbook(pipeline.blank(excel.get(name)))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    validated = {r.min_col for v in sheet.data_validations.dataValidation for r in v.sqref.ranges}
    assert {header.index(c) + 1 for c in columns} <= validated

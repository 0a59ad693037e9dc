"""Awards to several members (award_bulk) and the post tie through the API and the Excel registers:
the same service, so the same checks, chain, township confirmation and audit as the award page."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.core import excel
from dangjian.core.excel import pipeline
from dangjian.core.models import AuditEvent
from dangjian.points import services
from dangjian.points.models import PointClaim, PointEntry
from tests import factories
from tests.points.test_imports import export_file, records
from tests.points.test_post_tie import IN_A, IN_B, make_two_posts
from tests.support.api import field_errors


@pytest.fixture
def two_posts(world, rules):
    return make_two_posts(world)


@pytest.fixture
def zhao(world):
    """A third member of branch A1, on duty in 环境卫生岗 since 2025-03-08."""
    from tests.posts.posts_world import add_groups, assignment_in

    if not hasattr(world, "sanitation"):
        add_groups(world)
    member = factories.member(world.branch_a1, "赵敏", gender="female", birth=dt.date(1985, 1, 1))
    member.duty = assignment_in(world, "on_duty", member=member, post=world.sanitation)
    return member


def threshold(world, value: int) -> None:
    from dangjian.core.services import parameter_set

    parameter_set(actor=world.organizer, key=services.BULK_KEY, value=value, effective_from=dt.date(2025, 1, 1))


# --- API: claims name a post ------------------------------------------------------------------------------
def test_a_claim_through_the_api_names_its_post_and_shows_it(world, api_as, rules, two_posts):
    _a, b = two_posts
    secretary = api_as(world.secretary)
    body = {
        "member": world.zhang.pk,
        "rule": rules["good-deed"].pk,
        "occurred_on": IN_B.isoformat(),
        "event": "清理河道",
        "evidence": "村委会",
        "assignment": b.pk,
    }
    response = secretary.post("/points/claims", body)
    assert response.status_code == 201, response.content
    assert (response.json()["assignment_id"], response.json()["post_name"]) == (b.pk, "环境卫生岗")
    listed = secretary.get("/points/entries", {"member": world.zhang.pk}).json()["items"]
    assert listed[0]["post_name"] == "环境卫生岗"


def test_a_claim_naming_a_post_off_duty_or_not_the_members_is_refused_by_field(world, api_as, rules, two_posts, zhao):
    a, _b = two_posts
    secretary = api_as(world.secretary)
    body = {
        "member": world.zhang.pk,
        "rule": rules["task"].pk,
        "occurred_on": IN_B.isoformat(),
        "event": "入户宣传",
        "assignment": a.pk,
    }
    response = secretary.post("/points/claims", body)
    assert response.status_code == 422 and "政策宣传岗" in field_errors(response)["assignment"]
    response = secretary.post("/points/claims", {**body, "assignment": zhao.duty.pk})
    assert response.status_code == 422 and "张强" in field_errors(response)["assignment"]
    assert not PointEntry.objects.exists()


# --- API: awards --------------------------------------------------------------------------------------------
def award_body(rules, members, **extra):
    return {
        "members": [m.pk for m in members],
        "rule": rules["task"].pk,
        "occurred_on": IN_B.isoformat(),
        "event": "防汛值守",
        **extra,
    }


def test_the_branch_awards_several_members_through_the_api(world, api_as, rules, two_posts, zhao):
    _a, b = two_posts
    secretary = api_as(world.secretary)
    events = AuditEvent.objects.count()
    response = secretary.post("/points/awards", award_body(rules, [world.zhang, world.li, zhao]))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["count"] == 3 and not body["township_confirmation"] and body["chain"] == ["secretary"]
    assert [i["member_name"] for i in body["items"]] == ["张强", "李娜", "赵敏"]
    assert {i["status"] for i in body["items"]} == {"approved"} and {i["source_type"] for i in body["items"]} == {
        "award"
    }
    # Each member's entry names their own post on duty that day (李娜 has none).
    assert [i["assignment_id"] for i in body["items"]] == [b.pk, None, zhao.duty.pk]
    assert len({c.batch for c in PointClaim.objects.all()}) == 1 and body["batch"] == PointClaim.objects.first().batch
    assert AuditEvent.objects.count() == events + 1


def test_an_api_award_above_the_threshold_waits_for_the_township(world, api_as, rules, two_posts):
    threshold(world, 1)
    response = api_as(world.secretary).post("/points/awards", award_body(rules, [world.zhang, world.li]))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["township_confirmation"] and body["chain"] == ["secretary", "township"]
    assert {i["status"] for i in body["items"]} == {"proposed"} and {i["next_step"] for i in body["items"]} == {
        "township"
    }
    entry = PointEntry.objects.get(pk=body["items"][0]["id"])
    response = api_as(world.town_organizer).post(f"/points/entries/{entry.pk}/approve", {})
    assert response.status_code == 200 and response.json()["status"] == "approved"


def test_an_api_award_names_posts_explicitly(world, api_as, rules, two_posts):
    _a, b = two_posts
    body = award_body(rules, [world.zhang, world.li], rule=rules["good-deed"].pk, evidence="村委会", assignments=[b.pk])
    response = api_as(world.secretary).post("/points/awards", body)
    assert response.status_code == 201, response.content
    assert [i["post_name"] for i in response.json()["items"]] == ["环境卫生岗", ""]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"members": "twice"}, "members"),
        ({"members": "sibling"}, "members"),
        ({"assignments": "not awarded"}, "assignments"),
        ({"assignments": "off duty"}, "assignments"),
        ({"points": 9}, "points"),
        ({"rule": "automatic"}, "rule"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_refused_api_award_names_the_field_and_writes_nothing(world, api_as, rules, two_posts, change, field):
    a, b = two_posts
    body = award_body(rules, [world.zhang, world.li])
    if change.get("members") == "twice":
        body["members"] = [world.zhang.pk, world.zhang.pk]
    elif change.get("members") == "sibling":
        body["members"] = [world.zhang.pk, world.wang.pk]
    elif change.get("assignments") == "not awarded":
        body["members"] = [world.li.pk]
        body["assignments"] = [b.pk]
    elif change.get("assignments") == "off duty":
        body["assignments"] = [a.pk]
    elif change.get("rule") == "automatic":
        body["rule"] = rules["theme-day"].pk
    else:
        body.update(change)
    secretary = api_as(world.secretary)
    events = AuditEvent.objects.count()
    response = secretary.post("/points/awards", body)
    assert response.status_code == 422, response.content
    assert field in field_errors(response)
    assert not PointEntry.objects.exists() and AuditEvent.objects.count() == events


def test_a_member_or_a_sibling_secretary_cannot_award_the_branch(world, api_as, rules):
    for user in (world.member_user, world.sibling_secretary):
        response = api_as(user).post("/points/awards", award_body(rules, [world.zhang]))
        assert response.status_code == 422 and "members" in field_errors(response)
    assert not PointEntry.objects.exists()


# --- Excel: the ledger shows and takes the post ----------------------------------------------------------------
@pytest.fixture
def entry_template():
    return excel.get("point_entries")


@pytest.fixture
def award_template():
    return excel.get("point_awards")


LEDGER = ["姓名", "组织编码", "规则编码", "日期", "分值", "事由", "证明人或依据", "岗位"]


def test_a_ledger_row_names_its_post(world, rules, two_posts, entry_template, tmp_path):
    a, b = two_posts
    rows = [
        LEDGER,
        ["张强", "TA-001", "good-deed", IN_B, None, "清理河道", "村委会", "环境卫生岗"],
        ["张强", "TA-001", "task", IN_A, None, "入户宣传", "", None],
        ["张强", "TA-001", "task", dt.date(2025, 6, 4), None, "入户宣传", "", "政策宣传岗"],
        ["张强", "TA-001", "task", dt.date(2025, 6, 5), None, "入户宣传", "", "护林防火岗"],
    ]
    outcome = pipeline.run_values(entry_template, rows, user=world.secretary, commit=True)
    messages = [str(e) for e in outcome.errors]
    assert not outcome.committed and len(messages) == 2, messages
    assert "第 4 行〈岗位〉" in messages[0] and "2025-06-04" in messages[0]
    assert "第 5 行〈岗位〉" in messages[1] and "护林防火岗" in messages[1]
    outcome = pipeline.run_values(entry_template, rows[:3], user=world.secretary, commit=True)
    assert outcome.committed and outcome.created == 2, outcome.errors
    ties = dict(PointEntry.objects.values_list("rule__code", "claim__assignment"))
    assert ties == {"good-deed": b.pk, "task": a.pk}
    path, count = export_file(entry_template, world.secretary, tmp_path, {"year": "2025"})
    assert sorted(r["岗位"] for r in records(path)) == ["政策宣传岗", "环境卫生岗"]
    again = pipeline.run(entry_template, path, user=world.secretary, commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, count), again.errors


# --- Excel: 支部奖扣 -----------------------------------------------------------------------------------------------
AWARDS = ["姓名", "组织编码", "规则编码", "日期", "分值", "事由", "证明人或依据", "岗位"]


def award_rows(*members, event="防汛值守", day=IN_B, code="task", points=None, evidence="村委会"):
    return [[m.name, "TA-001", code, day, points, event, evidence, None] for m in members]


def test_rows_of_one_award_are_one_award_bulk(world, rules, two_posts, zhao, award_template, tmp_path):
    _a, b = two_posts
    rows = [
        AWARDS,
        *award_rows(world.zhang, world.li),
        *award_rows(world.zhang, event="清理河道", code="good-deed"),
        *award_rows(zhao),
    ]
    outcome = pipeline.run_values(award_template, rows, user=world.secretary, commit=True)
    assert outcome.committed and outcome.created == 4, outcome.errors
    entries = list(PointEntry.objects.select_related("claim", "rule").order_by("id"))
    assert {e.source_type for e in entries} == {"award"}
    batches = {e.claim.batch for e in entries if e.rule.code == "task"}
    assert len(batches) == 1  # 张强, 李娜 and 赵敏 (rows 2, 3, 5) are one award
    assert {e.member_id: e.claim.assignment_id for e in entries if e.rule.code == "task"} == {
        world.zhang.pk: b.pk,
        world.li.pk: None,
        zhao.pk: zhao.duty.pk,
    }
    # Two awards, each audited as on the page, and the import's own summary event.
    assert sorted(AuditEvent.objects.filter(object_type="points.batch").values_list("action", flat=True)) == [
        "create",
        "create",
        "import",
    ]
    path, count = export_file(award_template, world.secretary, tmp_path, {"year": "2025"})
    exported = records(path)
    assert count == 4 and {r["奖扣批次"] for r in exported if r["规则编码"] == "task"} == batches
    assert {r["姓名"]: r["岗位"] for r in exported if r["规则编码"] == "task"} == {
        "张强": "环境卫生岗",
        "李娜": None,
        "赵敏": "环境卫生岗",
    }
    again = pipeline.run(award_template, path, user=world.secretary, commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, count), again.errors
    typed = pipeline.run_values(award_template, rows, user=world.secretary, commit=True)
    assert (typed.created, typed.unchanged) == (0, 4), typed.errors
    assert PointEntry.objects.count() == 4


def test_an_imported_award_above_the_threshold_needs_the_township(world, rules, zhao, award_template):
    threshold(world, 2)
    rows = [AWARDS, *award_rows(world.zhang, world.li, zhao)]
    # The preview says so before anything is written (and says nothing of an award within the threshold).
    preview = pipeline.run_values(award_template, rows, user=world.secretary)
    assert preview.ok and len(preview.warnings) == 1, preview.warnings
    assert "共 3 人" in preview.warnings[0] and "须乡镇党委确认" in preview.warnings[0]
    assert not pipeline.run_values(award_template, rows[:3], user=world.secretary).warnings
    outcome = pipeline.run_values(award_template, rows, user=world.secretary, commit=True)
    assert outcome.committed, outcome.errors
    assert "共 3 人" in outcome.warnings[0]  # counted before the rows were written, not twice
    claims = PointClaim.objects.select_related("entry")
    assert {tuple(c.chain) for c in claims} == {("secretary", "township")}
    assert {c.entry.status for c in claims} == {"proposed"}


def test_rows_of_one_award_must_agree(world, rules, zhao, award_template):
    rows = [
        AWARDS,
        *award_rows(world.zhang),
        *award_rows(world.li, points="1"),
        *award_rows(zhao, evidence="支委会"),
    ]
    outcome = pipeline.run_values(award_template, rows, user=world.secretary, commit=True)
    messages = [str(e) for e in outcome.errors]
    assert not outcome.committed and len(messages) == 2, messages
    assert "第 3 行〈分值〉" in messages[0] and "与第 2 行是同一次奖扣" in messages[0]
    assert "第 4 行〈证明人或依据〉" in messages[1]
    assert not PointEntry.objects.exists()


def test_rows_of_one_award_far_apart_are_refused(world, rules, zhao, award_template, monkeypatch):
    monkeypatch.setattr(award_template, "chunk_rows", 2)
    rows = [AWARDS, *award_rows(world.zhang), *award_rows(world.li, event="清理河道"), *award_rows(zhao)]
    outcome = pipeline.run_values(award_template, rows, user=world.secretary, commit=True)
    assert not outcome.committed and "第 4 行" in str(outcome.errors[0]) and "放在一起" in str(outcome.errors[0])
    assert not PointEntry.objects.exists()


def test_a_post_duty_award_without_a_post_is_refused_at_the_post_column(world, rules, award_template):
    scheme = services.scheme_create(
        actor=None, name="东街村积分", org=world.branch_a1, effective_from=dt.date(2025, 1, 1)
    )
    services.rule_create(
        actor=None,
        scheme=scheme,
        effective_from=dt.date(2025, 1, 1),
        data={
            "code": "duty",
            "name": "岗位履职",
            "category": "tasks",
            "direction": "award",
            "points": "3",
            "source_kind": "post_duty",
        },
    )
    outcome = pipeline.run_values(award_template, [AWARDS, *award_rows(world.li, code="duty")], user=world.secretary)
    assert "第 2 行〈岗位〉" in str(outcome.errors[0]) and "岗位履职" in str(outcome.errors[0])


def test_the_sibling_secretary_cannot_import_awards_for_the_branch(world, rules, award_template):
    outcome = pipeline.run_values(award_template, [AWARDS, *award_rows(world.zhang)], user=world.sibling_secretary)
    assert not outcome.ok and "无权限" in str(outcome.errors[0])
    assert not PointEntry.objects.exists()


def test_the_awards_export_holds_only_awards_and_is_scoped(world, rules, award_template):
    services.award_bulk(
        actor=world.secretary, members=[world.zhang, world.li], rule=rules["task"], occurred_on=IN_B, event="防汛值守"
    )
    services.claim_propose(
        actor=world.secretary, member=world.zhang, rule=rules["good-deed"], occurred_on=IN_B, event="x", evidence="y"
    )
    assert pipeline.export(award_template, user=world.secretary, params={}).rows == 2
    assert pipeline.export(award_template, user=world.sibling_secretary, params={}).rows == 0


def test_the_award_page_links_to_the_awards_register(world, client_for, rules):
    page = client_for(world.secretary).get(f"/points/award/?org={world.branch_a1.pk}").content.decode()
    assert f"/io/export/point_awards/?org={world.branch_a1.pk}" in page and "/io/point_awards/" in page
    assert client_for(world.secretary).get("/io/point_awards/").status_code == 200


def test_an_award_split_in_two_still_needs_the_township_once_the_event_passes_the_threshold(
    world, api_as, rules, two_posts, zhao
):
    threshold(world, 2)
    secretary = api_as(world.secretary)
    first = secretary.post("/points/awards", award_body(rules, [world.zhang, world.li]))
    assert first.status_code == 201 and not first.json()["township_confirmation"]
    # The third member of the same event, rule and day: three in all, above two.
    second = secretary.post("/points/awards", award_body(rules, [zhao]))
    assert second.status_code == 201, second.content
    assert second.json()["township_confirmation"] and second.json()["chain"] == ["secretary", "township"]
    # Another event is another award.
    day = (IN_B - dt.timedelta(days=1)).isoformat()
    other = secretary.post("/points/awards", award_body(rules, [zhao], event="村庄保洁", occurred_on=day))
    assert other.status_code == 201, other.content
    assert not other.json()["township_confirmation"] and other.json()["chain"] == ["secretary"]


def test_the_preview_counts_an_award_already_imported_in_part(world, rules, zhao, award_template):
    threshold(world, 2)
    first = pipeline.run_values(
        award_template, [AWARDS, *award_rows(world.zhang, world.li)], user=world.secretary, commit=True
    )
    assert first.committed and not first.warnings
    preview = pipeline.run_values(award_template, [AWARDS, *award_rows(zhao)], user=world.secretary)
    assert preview.ok and len(preview.warnings) == 1
    assert "共 1 人（连同此前已奖扣的 2 人）" in preview.warnings[0]

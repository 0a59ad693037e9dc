import re
from pathlib import Path

from django.db.models.fields import BLANK_CHOICE_LABEL
from django.urls import reverse
from django.utils import translation

from dangjian.core import audit, parameters
from dangjian.core.audit import describe_changes
from dangjian.members.models import Member
from dangjian.rectification.models import Rectification
from tests import factories
from tests.support.api import has_chinese
from tests.test_i18n_walk import VisibleText


def test_the_interface_is_chinese_by_default(world, client_for):
    body = client_for(world.secretary).get(reverse("member-list")).content.decode()
    assert "党员" in body
    assert ">Members<" not in body


def test_an_english_browser_still_gets_chinese(world, client_for):
    body = client_for(world.secretary).get(reverse("member-list"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert '<html lang="zh-hans">' in body


def test_the_english_catalog_keeps_working(world, client_for):
    client = client_for(world.secretary)
    client.cookies["django_language"] = "en"
    body = client.get(reverse("member-list")).content.decode()
    assert '<html lang="en">' in body
    assert "Members" in body


def test_field_messages_are_chinese(world, client_for):
    response = client_for(world.secretary).post(reverse("member-create"), {"org": world.branch_a1.pk})
    body = response.content.decode()
    assert "此项为必填项" in body
    assert "invalid-feedback" in body


# --- Chinese everywhere a person reads (issue 14): the pages the walk (test_i18n_walk.py) found in English ---
def visible(response) -> str:
    parser = VisibleText()
    parser.feed(response.content.decode())
    return "\n".join(parser.parts)


def test_every_rule_has_a_chinese_name():
    with translation.override("zh-hans"):
        for key in parameters.DEFAULTS:
            assert has_chinese(parameters.name(key)), key


def test_the_rules_page_names_each_rule_and_its_history_in_chinese(world, client_for):
    text = visible(client_for(world.organizer).get(reverse("parameters")))
    assert "成立联合党支部的正式党员人数" in text  # the rule's name
    assert "正式党员少于此人数的，应成立联合党支部" in text  # its description, and the note the data migration stored
    assert "branch.joint_below_full_members" not in text
    assert "A branch with fewer full members" not in text


def test_point_rules_are_shown_by_name_not_by_code(world, client_for):
    text = visible(client_for(world.organizer).get(reverse("points-rules")))
    assert "主题党日" in text
    assert "theme-day" not in text and "absent" not in text


def test_the_audit_log_speaks_of_records_fields_and_values_in_words(world, client_for):
    factories.meeting(world.branch_a1, ["theme_day"], actor=world.secretary)
    response = client_for(world.auditor).get(reverse("audit-log"))
    text = visible(response)
    assert "用户 auditor" in text  # the auditor's own login: "core.user # auditor" before
    assert "会议" in text and "orglife.meeting" not in text
    assert "会议类型：— → 主题党日" in text  # the kinds by their names, the field by its verbose name
    assert "['theme_day']" not in text and "kinds" not in text


def test_the_audit_log_filters_are_drop_downs(world, client_for):
    client = client_for(world.auditor)
    body = client.get(reverse("audit-log")).content.decode()
    assert '<select class="form-select form-select-sm" id="id_action" name="action">' in body
    assert '<option value="login">登录</option>' in body
    assert '<option value="orglife.meeting">会议</option>' in body
    factories.meeting(world.branch_a1, ["theme_day"], actor=world.secretary)
    text = visible(client.get(reverse("audit-log"), {"object_type": "orglife.meeting"}))
    assert "主题党日" in text and "用户 auditor" not in text


def test_a_change_is_described_in_words_a_secretary_understands():
    with translation.override("zh-hans"):
        rows = describe_changes(
            Member, {"format": [None, "page"], "unmasked": [None, False], "status": ["probationary", "full"]}
        )
    assert rows == [("格式", "—", "网页"), ("显示完整身份证号", "—", "否"), ("党员类别", "预备党员", "正式党员")]


def test_a_status_column_is_not_called_member_category(world, client_for):
    text = visible(client_for(world.member_user).get(reverse("points-me")))
    assert "状态" in text and "党员类别" not in text


def test_django_s_blank_choice_is_chinese():
    with translation.override("zh-hans"):
        assert str(BLANK_CHOICE_LABEL) == "请选择…"


def test_every_audited_action_has_a_name():
    """The audit log's action filter offers the named actions: an action recorded without a name could
    be neither read nor filtered. (``action=f"rectification_{state}"`` is named for each state.)"""
    source = Path(parameters.__file__).parents[1]
    recorded = {
        match
        for path in source.rglob("*.py")
        if "migrations" not in path.parts
        for match in re.findall(r'\baction="([a-z_]+)"', path.read_text(encoding="utf-8"))
    } - {"store_true", "store_false"}  # argparse's actions, not audit events
    recorded |= {f"rectification_{state}" for state in Rectification.State.values}
    assert recorded - set(audit.ACTION_LABELS) == set()

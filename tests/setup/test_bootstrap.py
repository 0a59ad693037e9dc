"""``dangjian setup`` on an empty database, then as the README's "Starting a real installation" goes:
activate the four accounts, log in as the organizer, import the tree and the members in the browser."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from dangjian.accounts.delivery import Channel
from dangjian.accounts.models import Activation
from dangjian.core import idnumber
from dangjian.core.models import AuditEvent, RoleAssignment, User
from dangjian.members.models import Member
from dangjian.organizations.models import Organization
from tests.support.excel import make_xlsx

SENT: list[tuple[str, str, str]] = []  # (username, address, message) of every code sent
NEW_PASSWORD = "Qiyun-Anlan-2026!"


class RecordingChannel(Channel):
    """A channel that keeps the messages it sends: the test reads each person's code from it."""

    name = "recording"

    def address_for(self, user) -> str | None:
        return user.email or None

    def send(self, user, address: str, subject: str, message: str) -> None:
        SENT.append((user.username, address, message))


FLAGS = {
    "org_code": "AQ",
    "org_name": "中共安澜区委员会",
    "org_level": "党委",
    "sysadmin": "xitong",
    "sysadmin_name": "王磊",
    "sysadmin_email": "wanglei@example.cn",
    "secadmin": "anquan",
    "secadmin_name": "李娜",
    "secadmin_email": "lina@example.cn",
    "auditor": "shenji",
    "auditor_name": "周敏",
    "auditor_email": "zhoumin@example.cn",
    "organizer": "zuzhi",
    "organizer_name": "刘建华",
    "organizer_email": "liujianhua@example.cn",
}


@pytest.fixture(autouse=True)
def _recording_channel(settings, tmp_path):
    settings.ACTIVATION_CHANNEL = f"{__name__}.RecordingChannel"
    settings.VAR_DIR = tmp_path / "var"
    SENT.clear()


def setup(capture, **overrides):
    with capture(execute=True):
        call_command("setup", interactive=False, **{**FLAGS, **overrides})


def code_for(username: str) -> str:
    [message] = [m for u, _a, m in SENT if u == username]
    return re.search(r"[A-Z0-9]{4}(?:-[A-Z0-9]{4}){3}", message).group(0)


def activate(username: str) -> None:
    response = Client().post(
        reverse("account-activate"),
        {"username": username, "code": code_for(username), "new_password1": NEW_PASSWORD,
         "new_password2": NEW_PASSWORD},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]


def upload_and_commit(client, register: str, path) -> str:
    data = SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/octet-stream")
    preview = client.post(reverse(f"io-{register}-upload"), {"file": data}).content.decode()
    problems = re.findall(r"第 \d+ 行〈[^<]*", preview)
    assert reverse(f"io-{register}-commit") in preview, problems
    response = client.post(reverse(f"io-{register}-commit"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_from_an_empty_database_to_an_imported_district(django_capture_on_commit_callbacks, tmp_path):
    assert not Organization.objects.exists() and not User.objects.exists()
    setup(django_capture_on_commit_callbacks)

    root = Organization.objects.get()
    assert (root.code, root.name, root.level, root.parent) == ("AQ", "中共安澜区委员会", "committee", None)
    roles = dict(RoleAssignment.objects.filter(org=root).values_list("user__username", "role"))
    assert roles == {"xitong": "sysadmin", "anquan": "secadmin", "shenji": "auditor", "zuzhi": "organizer"}
    # Nobody has a password yet: each got a one-time code through the channel, to their own address.
    assert not any(u.has_usable_password() for u in User.objects.all())
    assert sorted((u, a) for u, a, _m in SENT) == sorted(
        (FLAGS[p], FLAGS[f"{p}_email"]) for p in ("sysadmin", "secadmin", "auditor", "organizer")
    )
    assert Activation.objects.filter(status=Activation.Status.SENT).count() == 4

    for username in ("xitong", "anquan", "shenji", "zuzhi"):
        activate(username)
    assert Activation.objects.filter(status=Activation.Status.USED).count() == 4

    organizer = Client()
    response = organizer.post(reverse("login"), {"username": "zuzhi", "password": NEW_PASSWORD})
    assert response.status_code == 302
    tree = make_xlsx(
        tmp_path / "tree.xlsx",
        [
            ("组织编码", "组织名称", "上级组织编码", "组织层级", "组织类别", "是否设委员会"),
            ("AQ-YX", "中共永兴镇委员会", "AQ", "党委", "农村", "是"),
            ("AQ-YX-01", "白树寺村党支部", "AQ-YX", "党支部", "农村", "是"),
        ],
    )
    assert "已新增 2 行" in upload_and_commit(organizer, "organizations", tree)
    members = make_xlsx(
        tmp_path / "members.xlsx",
        [
            ("姓名", "身份证号", "所属组织编码", "人员类别", "入党日期", "转正日期"),
            ("张强", idnumber.make("410102", dt.date(1970, 3, 4), 1, "male"), "AQ-YX-01", "正式党员", "1998-07-01",
             "1999-07-01"),
            ("李秀英", idnumber.make("410102", dt.date(1985, 9, 9), 2, "female"), "AQ-YX-01", "预备党员",
             "2025-10-01", ""),
        ],
    )  # fmt: skip
    assert "已新增 2 行" in upload_and_commit(organizer, "members", members)

    branch = Organization.objects.get(code="AQ-YX-01")
    assert branch.parent.parent == root
    assert set(Member.objects.filter(org=branch).values_list("name", flat=True)) == {"张强", "李秀英"}
    listed = organizer.get(reverse("member-list")).content.decode()
    assert "张强" in listed and "李秀英" in listed
    assert "中共永兴镇委员会" in organizer.get(reverse("org-detail", args=[root.pk])).content.decode()
    assert "白树寺村党支部" in organizer.get(reverse("org-detail", args=[branch.parent.pk])).content.decode()
    assert AuditEvent.objects.filter(action="import", actor__username="zuzhi").count() == 2


@pytest.mark.django_db
def test_setup_refuses_a_database_that_holds_anything(django_capture_on_commit_callbacks):
    User.objects.create(username="someone")
    with pytest.raises(CommandError, match="数据库不是空的"):
        setup(django_capture_on_commit_callbacks)
    assert not Organization.objects.exists() and User.objects.count() == 1 and SENT == []


@pytest.mark.django_db
def test_setup_refuses_a_database_with_an_organization(django_capture_on_commit_callbacks):
    setup(django_capture_on_commit_callbacks)
    SENT.clear()
    with pytest.raises(CommandError, match="数据库不是空的"):
        setup(django_capture_on_commit_callbacks, org_code="AQ2", sysadmin="other")
    assert Organization.objects.count() == 1 and SENT == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"org_level": "省委"}, "根组织层级：未知的值"),
        ({"org_code": "安澜"}, "根组织编码："),
        ({"org_name": ""}, "根组织名称为必填项（--org-name）"),
        ({"secadmin": "xitong"}, "四个不同的用户名"),
        ({"auditor_email": ""}, "没有 安全审计员 shenji 的地址"),
        ({"organizer": "bad name!"}, "--organizer："),
    ],
)
def test_bad_flags_are_refused_in_chinese_and_write_nothing(django_capture_on_commit_callbacks, overrides, message):
    with pytest.raises(CommandError, match=message):
        setup(django_capture_on_commit_callbacks, **overrides)
    assert not Organization.objects.exists() and not User.objects.exists() and SENT == []


@pytest.mark.django_db
def test_setup_needs_a_channel_to_deliver_the_codes(django_capture_on_commit_callbacks, settings):
    settings.ACTIVATION_CHANNEL = ""
    with pytest.raises(CommandError, match="未配置激活码发送渠道"):
        setup(django_capture_on_commit_callbacks)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_the_console_channel_of_development_logs_the_codes(django_capture_on_commit_callbacks, settings, caplog):
    settings.ACTIVATION_CHANNEL = "dangjian.accounts.delivery.ConsoleChannel"
    setup(django_capture_on_commit_callbacks, sysadmin_email="", secadmin_email="", auditor_email="",
          organizer_email="")  # fmt: skip
    logged = [r.getMessage() for r in caplog.records if r.name == "dangjian.accounts.delivery"]
    assert len(logged) == 4 and all(re.search(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", m) for m in logged)


@pytest.mark.django_db
def test_interactive_setup_asks_for_what_the_flags_leave_out(django_capture_on_commit_callbacks, monkeypatch):
    class Terminal:
        def isatty(self):
            return True

    answers = iter(
        ["AQ", "中共安澜区委员会", "", "",  # code, name, level and sector by default (党委, 机关)
         "xitong", "王磊", "wanglei@example.cn", "anquan", "李娜", "lina@example.cn",
         "shenji", "周敏", "zhoumin@example.cn", "zuzhi", "刘建华", "liujianhua@example.cn"]
    )  # fmt: skip
    asked = []
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or next(answers))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("setup")
    root = Organization.objects.get()
    assert (root.code, root.level, root.sector) == ("AQ", "committee", "agency")
    assert asked[0] == "根组织编码: " and asked[2] == "根组织层级 [committee]: "
    assert "安全审计员的用户名: " in asked and len(asked) == 16
    assert RoleAssignment.objects.filter(org=root).count() == 4 and len(SENT) == 4

"""Issue 13, item 8: common weak passwords are refused, Chinese ones included, however dressed up
(capitals, digits, symbols, leet-speak), and so is the user's name in pinyin; the demo accounts'
published passwords and the test personas' pass."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from dangjian.accounts.validators import WORD_LISTS, common_words
from dangjian.core.models import User
from dangjian.demo.accounts import DEMO_USERS
from tests.support.auth import PASSWORD
from tests.support.browser import PASSWORD as BROWSER_PASSWORD


def person(username: str, full_name: str) -> User:
    return User.objects.create_user(username=username, full_name=full_name)


def codes(password: str, user=None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list}
    return set()


@pytest.mark.parametrize(
    "password",
    [
        "Admin@123",
        "Passw0rd!",
        "Huawei@123",
        "P@ssw0rd2024",
        "1qaz@WSX",
        "Woaini1314!",
        "Zhangwei@88",
        "Qwer1234!",
        "Dangjian@2026",
        "Sysadmin#01",
    ],
)
def test_common_passwords_and_words_dressed_up_are_refused(db, password):
    assert "password_too_common" in codes(password)


@pytest.mark.parametrize("password", ["Wang-Fang-2026!", "Fangwang#2024", "WangFang@1"])
def test_the_users_name_in_pinyin_is_refused(db, password):
    user = person("wf01", "王芳")
    assert "password_has_name" in codes(password, user)
    assert "password_has_name" not in codes(password, person("lm01", "李明"))


def test_the_lists_include_chinese_leaks_and_say_where_they_come_from():
    assert {"woaini1314", "5201314", "zhangwei", "huawei", "admin"} <= common_words()
    assert len(common_words()) > 1000
    notice = (WORD_LISTS / "NOTICE").read_text(encoding="utf-8")
    assert "SecLists" in notice and "MIT" in notice


@pytest.mark.parametrize("password", [d.password for d in DEMO_USERS] + [PASSWORD, BROWSER_PASSWORD])
def test_the_demo_and_test_passwords_pass(db, password):
    assert codes(password, person("someone", "张强")) == set()

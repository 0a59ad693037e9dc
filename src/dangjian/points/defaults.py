"""The schemes loaded by default (migration ``0002``); from then on the department edits the rows.

- 百分制 (the default for every organization without a scheme of its own): a base of 20 that only
  deductions touch, 70 for taking part and for tasks and posts, 10 for rewards; training attendance
  and volunteer hours, recorded where they happen, add at most 4 each a year.
- 逐项积分 (a template to copy to a subtree): itemised study and organizational-life points with
  caps per month, quarter or year, and half points for study.

Evidence is a sentence saying who can confirm what was done: the rules against "formalism at the
fingertips" forbid asking for screenshots or forced check-ins.
"""

from __future__ import annotations

import datetime as dt

EFFECTIVE_FROM = dt.date(2024, 1, 1)


def _rule(code, name, category, direction, points, cap=None, cap_period=None, **more) -> dict:
    """One default rule as the loading migrations read it: a capped one names its cap and period; the
    rest (``source_kind``, ``chain``, ``note``, …) only where given."""
    row = {"code": code, "name": name, "category": category, "direction": direction, "points": points}
    if cap is not None:
        row.update(cap=cap, cap_period=cap_period)
    return row | more


HUNDRED = {
    "name": "党员积分百分制（基础分20、履职分70、奖励分10）",
    "template": False,
    "note": "基础分20分只扣不加；参加组织生活和完成岗位任务最多70分；表彰奖励最多10分。",
    "rules": [
        _rule("base", "年度基础分", "base", "base", "20", source_kind="base"),
        _rule(
            "absent", "无故缺席组织生活", "discipline", "deduction", "2", "20", "year", source_kind="meeting_absent:any"
        ),
        _rule("theme-day", "参加主题党日", "orglife", "award", "2", "24", "year", source_kind="meeting:theme_day"),
        _rule(
            "general-meeting",
            "参加支部党员大会",
            "orglife",
            "award",
            "2",
            "8",
            "year",
            source_kind="meeting:general_meeting",
        ),
        _rule("party-lecture", "参加党课", "study", "award", "2", "8", "year", source_kind="meeting:party_lecture"),
        _rule(
            "group-meeting", "参加党小组会", "orglife", "award", "1", "12", "year", source_kind="meeting:group_meeting"
        ),
        _rule("task", "完成岗位职责或支部交办任务", "tasks", "award", "2", "18", "year", chain=["secretary"]),
        _rule(
            "good-deed",
            "好人好事、志愿服务",
            "rewards",
            "award",
            "2",
            "6",
            "year",
            evidence_required=True,
            chain=["secretary"],
        ),
        _rule(
            "training",
            "参加党组织举办的培训（党校、大讲堂、培训班）",
            "study",
            "award",
            "1",
            "4",
            "year",
            source_kind="training:any",
            note="按培训签到记录自动计分，不论培训由哪一级党组织举办。",
        ),
        _rule(
            "service-hours",
            "志愿服务时长",
            "service",
            "award",
            "0.5",
            "4",
            "year",
            allow_fraction=True,
            source_kind="service_hours",
            note="每服务1小时0.5分，按社区记录的志愿服务时长自动计分；未经记录的好人好事仍按申报。",
        ),
        _rule(
            "honour",
            "获乡镇级以上表彰",
            "rewards",
            "award",
            "4",
            "4",
            "year",
            evidence_required=True,
            chain=["secretary", "township"],
        ),
        _rule(
            "misconduct",
            "违反纪律或造成不良影响",
            "discipline",
            "deduction",
            "5",
            "20",
            "year",
            chain=["secretary", "township"],
        ),
    ],
}

ITEMISED = {
    "name": "学习和组织生活逐项积分（封顶）",
    "template": True,
    "note": "逐项计分、按月按季按年封顶；自学交流可计半分。",
    "rules": [
        _rule("party-lecture", "参加党课", "study", "award", "1", "4", "quarter", source_kind="meeting:party_lecture"),
        _rule(
            "self-study",
            "自学并在小组交流心得",
            "study",
            "award",
            "0.5",
            "3",
            "month",
            allow_fraction=True,
            chain=["group_leader"],
        ),
        _rule("theme-day", "参加主题党日", "orglife", "award", "1", "12", "year", source_kind="meeting:theme_day"),
        _rule(
            "general-meeting",
            "参加支部党员大会",
            "orglife",
            "award",
            "1",
            "4",
            "year",
            source_kind="meeting:general_meeting",
        ),
        _rule(
            "volunteer",
            "参加志愿服务（按时长）",
            "service",
            "award",
            "0.5",
            "5",
            "month",
            allow_fraction=True,
            source_kind="service_hours",
            note="每服务1小时0.5分，按活动组织方记录的时长自动计分，无需申报或截图。",
        ),
        _rule("training", "参加培训", "study", "award", "1", "2", "month", source_kind="training:any"),
        _rule("absent", "无故缺席组织生活", "discipline", "deduction", "1", source_kind="meeting_absent:any"),
    ],
}

DEFAULT_SCHEMES = [HUNDRED, ITEMISED]

# Rules fed by training attendance and volunteer hours (migration ``0006`` adds them to the default
# schemes of an installation made before they existed; a fresh one gets them from ``0002``).
FEED_RULES = ("training", "service-hours", "volunteer")

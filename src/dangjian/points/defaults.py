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

HUNDRED = {
    "name": "党员积分百分制（基础分20、履职分70、奖励分10）",
    "template": False,
    "note": "基础分20分只扣不加；参加组织生活和完成岗位任务最多70分；表彰奖励最多10分。",
    "rules": [
        {
            "code": "base",
            "name": "年度基础分",
            "category": "base",
            "direction": "base",
            "points": "20",
            "source_kind": "base",
        },
        {
            "code": "absent",
            "name": "无故缺席组织生活",
            "category": "discipline",
            "direction": "deduction",
            "points": "2",
            "cap": "20",
            "cap_period": "year",
            "source_kind": "meeting_absent:any",
        },
        {
            "code": "theme-day",
            "name": "参加主题党日",
            "category": "orglife",
            "direction": "award",
            "points": "2",
            "cap": "24",
            "cap_period": "year",
            "source_kind": "meeting:theme_day",
        },
        {
            "code": "general-meeting",
            "name": "参加支部党员大会",
            "category": "orglife",
            "direction": "award",
            "points": "2",
            "cap": "8",
            "cap_period": "year",
            "source_kind": "meeting:general_meeting",
        },
        {
            "code": "party-lecture",
            "name": "参加党课",
            "category": "study",
            "direction": "award",
            "points": "2",
            "cap": "8",
            "cap_period": "year",
            "source_kind": "meeting:party_lecture",
        },
        {
            "code": "group-meeting",
            "name": "参加党小组会",
            "category": "orglife",
            "direction": "award",
            "points": "1",
            "cap": "12",
            "cap_period": "year",
            "source_kind": "meeting:group_meeting",
        },
        {
            "code": "task",
            "name": "完成岗位职责或支部交办任务",
            "category": "tasks",
            "direction": "award",
            "points": "2",
            "cap": "18",
            "cap_period": "year",
            "chain": ["secretary"],
        },
        {
            "code": "good-deed",
            "name": "好人好事、志愿服务",
            "category": "rewards",
            "direction": "award",
            "points": "2",
            "cap": "6",
            "cap_period": "year",
            "evidence_required": True,
            "chain": ["secretary"],
        },
        {
            "code": "training",
            "name": "参加党组织举办的培训（党校、大讲堂、培训班）",
            "category": "study",
            "direction": "award",
            "points": "1",
            "cap": "4",
            "cap_period": "year",
            "source_kind": "training:any",
            "note": "按培训签到记录自动计分，不论培训由哪一级党组织举办。",
        },
        {
            "code": "service-hours",
            "name": "志愿服务时长",
            "category": "service",
            "direction": "award",
            "points": "0.5",
            "allow_fraction": True,
            "cap": "4",
            "cap_period": "year",
            "source_kind": "service_hours",
            "note": "每服务1小时0.5分，按社区记录的志愿服务时长自动计分；未经记录的好人好事仍按申报。",
        },
        {
            "code": "honour",
            "name": "获乡镇级以上表彰",
            "category": "rewards",
            "direction": "award",
            "points": "4",
            "cap": "4",
            "cap_period": "year",
            "evidence_required": True,
            "chain": ["secretary", "township"],
        },
        {
            "code": "misconduct",
            "name": "违反纪律或造成不良影响",
            "category": "discipline",
            "direction": "deduction",
            "points": "5",
            "cap": "20",
            "cap_period": "year",
            "chain": ["secretary", "township"],
        },
    ],
}

ITEMISED = {
    "name": "学习和组织生活逐项积分（封顶）",
    "template": True,
    "note": "逐项计分、按月按季按年封顶；自学交流可计半分。",
    "rules": [
        {
            "code": "party-lecture",
            "name": "参加党课",
            "category": "study",
            "direction": "award",
            "points": "1",
            "cap": "4",
            "cap_period": "quarter",
            "source_kind": "meeting:party_lecture",
        },
        {
            "code": "self-study",
            "name": "自学并在小组交流心得",
            "category": "study",
            "direction": "award",
            "points": "0.5",
            "allow_fraction": True,
            "cap": "3",
            "cap_period": "month",
            "chain": ["group_leader"],
        },
        {
            "code": "theme-day",
            "name": "参加主题党日",
            "category": "orglife",
            "direction": "award",
            "points": "1",
            "cap": "12",
            "cap_period": "year",
            "source_kind": "meeting:theme_day",
        },
        {
            "code": "general-meeting",
            "name": "参加支部党员大会",
            "category": "orglife",
            "direction": "award",
            "points": "1",
            "cap": "4",
            "cap_period": "year",
            "source_kind": "meeting:general_meeting",
        },
        {
            "code": "volunteer",
            "name": "参加志愿服务（按时长）",
            "category": "service",
            "direction": "award",
            "points": "0.5",
            "allow_fraction": True,
            "cap": "5",
            "cap_period": "month",
            "source_kind": "service_hours",
            "note": "每服务1小时0.5分，按活动组织方记录的时长自动计分，无需申报或截图。",
        },
        {
            "code": "training",
            "name": "参加培训",
            "category": "study",
            "direction": "award",
            "points": "1",
            "cap": "2",
            "cap_period": "month",
            "source_kind": "training:any",
        },
        {
            "code": "absent",
            "name": "无故缺席组织生活",
            "category": "discipline",
            "direction": "deduction",
            "points": "1",
            "source_kind": "meeting_absent:any",
        },
    ],
}

DEFAULT_SCHEMES = [HUNDRED, ITEMISED]

# Rules fed by training attendance and volunteer hours (migration ``0006`` adds them to the default
# schemes of an installation made before they existed; a fresh one gets them from ``0002``).
FEED_RULES = ("training", "service-hours", "volunteer")

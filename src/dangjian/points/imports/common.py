"""The labels and helpers the points registers share: categories, directions, periods, steps,
sources and statuses as the spreadsheets spell them, and an approval chain as text."""

from __future__ import annotations

from decimal import Decimal

from dangjian.core import tree
from dangjian.core.excel import Choice
from dangjian.core.roles import Role
from dangjian.core.scoping import paths_for
from dangjian.points.models import CapPeriod, Category, Direction, PointEntry, Step

CATEGORIES = (
    Choice(Category.BASE, "基础分"),
    Choice(Category.STUDY, "政治学习", ("学习",)),
    Choice(Category.ORGLIFE, "组织生活"),
    Choice(Category.TASKS, "岗位职责和任务", ("岗位职责", "履职", "任务")),
    Choice(Category.SERVICE, "志愿服务"),
    Choice(Category.REWARDS, "表彰奖励", ("奖励",)),
    Choice(Category.DISCIPLINE, "纪律", ("扣分",)),
)


DIRECTIONS = (
    Choice(Direction.AWARD, "加分", ("奖励分",)),
    Choice(Direction.DEDUCTION, "扣分", ("减分",)),
    Choice(Direction.BASE, "基础分"),
)


PERIODS = (
    Choice(CapPeriod.MONTH, "每月", ("月",)),
    Choice(CapPeriod.QUARTER, "每季度", ("季度", "季")),
    Choice(CapPeriod.YEAR, "每年", ("年", "年度")),
)


STEP_NAMES = {
    Step.GROUP_LEADER: ("党小组长", "党小组"),
    Step.SECRETARY: ("支部书记", "党支部", "支部"),
    Step.TOWNSHIP: ("乡镇党委", "乡镇（街道）党委", "乡镇", "街道党工委"),
}


SOURCES = (
    Choice(PointEntry.Source.MEETING, "会议出勤"),
    Choice(PointEntry.Source.TRAINING, "培训出勤"),
    Choice(PointEntry.Source.SERVICE, "志愿服务"),
    Choice(PointEntry.Source.BASE, "基础分"),
    Choice(PointEntry.Source.CLAIM, "申报"),
    Choice(PointEntry.Source.AWARD, "支部奖扣"),
)


STATUSES = (
    Choice(PointEntry.Status.PROPOSED, "待审批"),
    Choice(PointEntry.Status.APPROVED, "已通过"),
    Choice(PointEntry.Status.REJECTED, "已驳回"),
    Choice(PointEntry.Status.REVERSED, "已冲销"),
)


SEPARATORS = ("、", ",", "，", ";", "；", "→", ">", "/", " ")


AUTOMATIC_REFUSED = "“{code}”是自动积分（会议出勤、培训出勤、志愿服务时长、基础分），由系统根据记录计算，不能导入"


def _split(text: str) -> list[str]:
    for sep in SEPARATORS[1:]:
        text = text.replace(sep, SEPARATORS[0])
    return [part.strip() for part in text.split(SEPARATORS[0]) if part.strip()]


def chain_of(text: str | None) -> list[str] | None:
    """``党小组长、支部书记`` → ``["group_leader", "secretary"]``; None when a step is unknown."""
    steps = []
    for part in _split(text or ""):
        code = next((c for c, names in STEP_NAMES.items() if part in names or part == c), None)
        if code is None:
            return None
        steps.append(str(code))
    return steps


def chain_text(chain: list[str]) -> str:
    return "、".join(STEP_NAMES[s][0] for s in chain if s in STEP_NAMES)


def _number(value: Decimal | None) -> str | None:
    """A points value as the spreadsheet shows it: ``2``, ``0.5``."""
    if value is None:
        return None
    return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)


def _can_edit(user, scheme) -> bool:
    paths = paths_for(user, {Role.ORGANIZER})
    if scheme.org_id is None:
        return any(tree.depth(p) == 1 for p in paths)
    return any(scheme.org_path.startswith(p) for p in paths)

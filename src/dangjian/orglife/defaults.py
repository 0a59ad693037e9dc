"""The requirements loaded by default: the branch work regulations (《中国共产党支部工作条例（试行）》,
2018) and the rules on democratic life meetings and the appraisal of members. The data migration
loads them once as rows; from then on the department edits the rows, never this list.
"""

from __future__ import annotations

import datetime as dt

# The regulations took effect on 28 October 2018; periods before that owe nothing by default.
EFFECTIVE_FROM = dt.date(2018, 10, 28)

DEFAULT_REQUIREMENTS = [
    # 支部党员大会一般每季度召开 1 次; decisions need more than half of the full members present.
    {
        "kind": "general_meeting",
        "levels": ["branch"],
        "period": "quarter",
        "minimum": 1,
        "quorum": "full_members",
        "note": "支部工作条例：支部党员大会一般每季度召开1次",
    },
    # 支部委员会一般每月召开 1 次 (branches that have a committee); more than half of the committee.
    {
        "kind": "committee_meeting",
        "levels": ["branch"],
        "committee_only": True,
        "period": "month",
        "minimum": 1,
        "quorum": "expected",
        "note": "支部工作条例：支部委员会会议一般每月召开1次",
    },
    # 党小组会一般每月召开 1 次 (organizations recorded as party groups).
    {
        "kind": "group_meeting",
        "levels": ["party_group"],
        "period": "month",
        "minimum": 1,
        "quorum": "none",
        "note": "支部工作条例：党小组会一般每月召开1次",
    },
    # 党课一般每季度 1 次.
    {
        "kind": "party_lecture",
        "levels": ["branch"],
        "period": "quarter",
        "minimum": 1,
        "quorum": "none",
        "note": "支部工作条例：党课一般每季度1次",
    },
    # 主题党日每月 1 次.
    {
        "kind": "theme_day",
        "levels": ["branch"],
        "period": "month",
        "minimum": 1,
        "quorum": "none",
        "note": "支部工作条例：每月相对固定1天开展主题党日",
    },
    # 组织生活会一般每年召开 1 次.
    {
        "kind": "life_meeting",
        "levels": ["branch"],
        "period": "year",
        "minimum": 1,
        "quorum": "none",
        "note": "支部工作条例：组织生活会一般每年召开1次",
    },
    # 民主评议党员一般每年开展 1 次.
    {
        "kind": "appraisal",
        "levels": ["branch"],
        "period": "year",
        "minimum": 1,
        "quorum": "none",
        "note": "支部工作条例：民主评议党员一般每年开展1次",
    },
    # 领导班子民主生活会每年召开 1 次.
    {
        "kind": "democratic_life_meeting",
        "levels": ["committee", "working_committee"],
        "period": "year",
        "minimum": 1,
        "quorum": "none",
        "note": "党内政治生活若干准则：民主生活会每年召开1次",
    },
]

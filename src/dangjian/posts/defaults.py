"""The default catalogue of 一编三定: four areas of posts for members without a formal post, ten
posts with their default duties. Loaded by migration ``0007``; the department and each
organization change the catalogue as data afterwards (``posts.services``).

The names and duties are data shown as they are written (Chinese), like organization names.
"""

from __future__ import annotations

# (code, name, order)
DEFAULT_AREAS = (
    ("economic", "经济发展", 1),
    ("supervision", "村务监督", 2),
    ("public_affairs", "公共事务", 3),
    ("ideological", "思想教育", 4),
)

# (area code, post code, name, duties)
DEFAULT_POSTS = (
    (
        "economic",
        "tech_demo",
        "科技示范岗",
        "带头学习推广农业新技术、新品种；每年结对帮带 2 户以上农户发展产业；参加技术培训并向群众传授。",
    ),
    (
        "economic",
        "distribution",
        "流通服务岗",
        "帮助群众联系农产品销路和农资购买渠道；牵线合作社、电商和市场；及时反映群众生产经营困难。",
    ),
    (
        "economic",
        "information",
        "信息咨询岗",
        "收集发布市场、用工、惠农政策等信息；为群众提供咨询和代办服务；每月向支部报告一次。",
    ),
    (
        "supervision",
        "finance_supervision",
        "财务监督岗",
        "参与村级财务收支审核和公开；监督集体资金、资产、资源管理；发现问题及时向支部和上级反映。",
    ),
    (
        "supervision",
        "major_affairs_supervision",
        "重大事项监督岗",
        "监督“四议两公开”落实；参与重大事项、工程项目的民主决策和验收监督；收集群众意见。",
    ),
    (
        "public_affairs",
        "public_order",
        "治安维护岗",
        "参与村（社区）治安巡逻和矛盾纠纷排查调解；宣传法律知识；发现安全隐患及时报告。",
    ),
    (
        "public_affairs",
        "facility_maintenance",
        "设施维护岗",
        "看护道路、路灯、水利、健身器材等公共设施；发现损坏及时报修并协助维护。",
    ),
    (
        "public_affairs",
        "sanitation",
        "环境卫生岗",
        "带头搞好房前屋后卫生；监督分包区域环境卫生；组织群众参加人居环境整治。",
    ),
    (
        "ideological",
        "policy_outreach",
        "政策宣传岗",
        "宣传党的路线方针政策和惠民政策；入户讲解每季度不少于一次；收集反馈群众思想动态。",
    ),
    (
        "ideological",
        "civility",
        "文明新风岗",
        "倡导移风易俗、红白事简办；参与评选星级文明户、好媳妇好婆婆等；带头参加志愿服务。",
    ),
)

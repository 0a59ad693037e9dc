"""The screening criteria loaded by the data migration: the usual grounds for naming a grassroots
organization weak and lax (软弱涣散) or lagging (后进), from common practice. They are rows: a
department changes them with effective dates, never in code."""

import datetime as dt

EFFECTIVE_FROM = dt.date(2000, 1, 1)

DEFAULT_CRITERIA = [
    ("C01", "班子不健全、书记长期缺职或不胜任"),
    ("C02", "班子软弱涣散、不团结，凝聚力战斗力不强"),
    ("C03", "组织生活不经常、不认真、不严肃"),
    ("C04", "党内制度不落实，“三会一课”等流于形式"),
    ("C05", "党员队伍管理松散，党员作用发挥不明显"),
    ("C06", "村级集体经济薄弱，发展思路不清"),
    ("C07", "信访矛盾突出，群众意见较大"),
    ("C08", "宗族宗教、黑恶势力干扰或影响较大"),
    ("C09", "服务群众意识不强，办事不公、村务不公开"),
    ("C10", "换届选举遗留问题多或班子任期届满未按期换届"),
]

"""What the apps above posts contribute to it, registered from their AppConfig.ready().

posts sits below points in the layers (``.importlinter``): points reads the members' posts on duty
and the party groups' leaders from here. The evaluation of a post (定评) shows, beside it, the points
that the post's duties earned in the year — a figure that only the points ledger has. So posts declares
here what it needs and points supplies it (:func:`provide_post_points`), as organizations does for the
member counts. Without a provider a post has no points figure (``None``), as when the ledger holds none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

# (assignment id, first day, last day) -> the approved points that name the assignment, or None.
PostPoints = Callable[[int, dt.date, dt.date], Decimal | None]


def _no_points(assignment_id: int, start: dt.date, end: dt.date) -> Decimal | None:
    return None


_post_points: PostPoints = _no_points


def provide_post_points(answer: PostPoints) -> None:
    global _post_points
    _post_points = answer


def post_points_provider() -> PostPoints:
    return _post_points

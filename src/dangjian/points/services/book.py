"""The rule book: every scheme and rule version loaded once per computation, and the periods caps
count over."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from dangjian.points.models import (
    AUTOMATIC_SOURCES,
    CapPeriod,
    PointRule,
    PointScheme,
    Step,
)

BULK_KEY = "points.bulk_confirm_above"


STEP_ORDER = [Step.GROUP_LEADER, Step.SECRETARY, Step.TOWNSHIP]


AUTOMATIC = AUTOMATIC_SOURCES


ONE_PLACE = Decimal("0.1")


PRESENT = "present"  # the attendance status of meetings and training sessions that earns points


class RuleBook:
    """Every scheme and rule version (small tables), with the look-ups the computations need."""

    def __init__(self) -> None:
        schemes = [s for s in PointScheme.objects.filter(template=False)]
        # Deepest organization first, then the newest: the nearest scheme up the tree wins.
        self.schemes = sorted(schemes, key=lambda s: (-len(s.org_path), -s.effective_from.toordinal(), -s.pk))
        self.rules = {r.pk: r for r in PointRule.objects.all()}
        self.auto: dict[tuple[int, str], list[PointRule]] = defaultdict(list)
        for rule in self.rules.values():
            if rule.source_kind:
                self.auto[(rule.scheme_id, rule.source_kind)].append(rule)
        self._candidates: dict[str, list[PointScheme]] = {}

    def scheme_for(self, path: str, day: dt.date) -> PointScheme | None:
        candidates = self._candidates.get(path)
        if candidates is None:
            candidates = [s for s in self.schemes if path.startswith(s.org_path)]
            self._candidates[path] = candidates
        for scheme in candidates:
            if scheme.in_force(day):
                return scheme
        return None

    def automatic_rule(self, scheme_id: int, keys: Iterable[str], day: dt.date) -> PointRule | None:
        """The rule in force that the event feeds; of several, the one giving the most points."""
        best = None
        for key in keys:
            for rule in self.auto.get((scheme_id, key), ()):
                if rule.in_force(day) and (best is None or (rule.points, best.code) > (best.points, rule.code)):
                    best = rule
        return best


def cap_window(rule: PointRule, day: dt.date) -> tuple | None:
    """The period a capped rule counts over, as a key; None when the rule has no cap."""
    if rule.cap is None or not rule.cap_period:
        return None
    if rule.cap_period == CapPeriod.MONTH:
        return (day.year, day.month)
    if rule.cap_period == CapPeriod.QUARTER:
        return (day.year, "q", (day.month - 1) // 3)
    return (day.year,)


def window_bounds(rule: PointRule, day: dt.date) -> tuple[dt.date, dt.date]:
    if rule.cap_period == CapPeriod.MONTH:
        start = day.replace(day=1)
        months = 1
    elif rule.cap_period == CapPeriod.QUARTER:
        start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        months = 3
    else:
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    n = start.year * 12 + start.month - 1 + months
    return start, dt.date(n // 12, n % 12 + 1, 1) - dt.timedelta(days=1)

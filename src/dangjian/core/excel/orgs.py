"""Finding the organization an import row names, by its code or its full name, in batches.

Shared by every register whose rows belong to an organization (members, meetings, …): one query
per batch of rows, and the same messages everywhere. The queryset passed in decides what the
importing user may write to; anything outside it reads as "does not exist".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NO_PERMISSION = "组织不存在或无权限"


@dataclass
class OrgLookup:
    queryset: Any  # Organization queryset, already scoped to the importing user
    by_code: dict[str, Any] = field(default_factory=dict)
    by_name: dict[str, list[Any]] = field(default_factory=dict)

    def load(self, rows, code_key: str = "org_code", name_key: str = "org_name") -> None:
        """Fetch the organizations named in ``rows`` that are not cached yet: at most two queries."""
        codes = {r.values[code_key] for r in rows if r.values.get(code_key)} - self.by_code.keys()
        if codes:
            found = {o.code: o for o in self.queryset.filter(code__in=codes)}
            self.by_code.update({code: found.get(code) for code in codes})
        names = {r.values[name_key] for r in rows if r.values.get(name_key)} - self.by_name.keys()
        if names:
            for name in names:
                self.by_name[name] = []
            for org in self.queryset.filter(name__in=names).order_by("path"):
                self.by_name[org.name].append(org)

    def resolve(self, template, row, *, missing: str, code_key: str = "org_code", name_key: str = "org_name"):
        """The organization the row names, or None with the reason added to the row's errors."""
        code, name = row.values.get(code_key), row.values.get(name_key)
        if code:
            org = self.by_code.get(code)
            if org is None:
                row.errors.append((template.header_of(code_key), NO_PERMISSION))
            return org
        if name:
            candidates = self.by_name.get(name, [])
            if len(candidates) == 1:
                return candidates[0]
            message = NO_PERMISSION if not candidates else f"有多个同名组织，请填写〈{template.header_of(code_key)}〉"
            row.errors.append((template.header_of(name_key), message))
            return None
        row.errors.append((template.header_of(code_key), missing))
        return None

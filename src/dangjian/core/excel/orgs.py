"""Finding the organization an import row names, by its code or its full name, in batches.

Shared by every register whose rows belong to an organization (members, meetings, …): one query
per batch of rows, and the same messages everywhere. The queryset passed in decides what the
importing user may write to; anything outside it reads as "does not exist".

A register declares the two columns with :func:`org_columns` (its own headers where they differ)
and mixes in :class:`OrgColumns` for the header check, the lookup and ``org_of``::

    class MeetingTemplate(OrgColumns, Template):
        columns = (Column("seq", …), *org_columns(name_aliases=("所属党组织",)), …)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.http import Http404

from dangjian.core.excel.declarations import KEEP, Column
from dangjian.core.scoping import get_visible_or_404

NO_PERMISSION = "组织不存在或无权限"
BY_CODE_HELP = "填写了组织编码时以编码为准"


def org_columns(
    *,
    code_header: str = "组织编码",
    code_aliases: tuple[str, ...] = ("党组织编码",),
    code_help: str = "",
    code_width: int = 14,
    name_header: str = "党组织名称",
    name_aliases: tuple[str, ...] = (),
    name_help: str = BY_CODE_HELP,
    name_example: str = "示例村党支部",
    name_width: int = 22,
) -> tuple[Column, Column]:
    """The ``org_code`` and ``org_name`` columns: either names the row's organization, the code first."""
    return (
        Column(
            "org_code",
            code_header,
            aliases=code_aliases,
            max_length=32,
            blank=KEEP,
            help=code_help,
            example="C-001",
            width=code_width,
        ),
        Column(
            "org_name",
            name_header,
            aliases=name_aliases,
            max_length=100,
            blank=KEEP,
            help=name_help,
            example=name_example,
            width=name_width,
        ),
    )


def chosen_org(params, organizations):
    """The organization an export's ``?org=`` names among ``organizations`` (a 404 outside them), or None."""
    return get_visible_or_404(organizations, pk=params["org"]) if params.get("org") else None


def list_filters(form, params) -> dict[str, Any]:
    """What a list page's filter ``form`` (bound to the export's ``params``) selects, read as the page
    reads it: nothing when the form is invalid. An ``?org=`` the form refuses (an organization outside
    the user's subtree) does not exist for the user: 404."""
    filters = form.cleaned_data if form.is_valid() else {}
    if params.get("org") and not filters.get("org"):
        raise Http404
    return filters


def described(filters: dict[str, Any]) -> dict[str, Any]:
    """``filters`` as the export's audit event records them: an object (the organization) by its key."""
    return {k: (v.pk if isinstance(v, Model) else v) for k, v in filters.items()}


class OrgColumns:
    """A template whose rows name their organization in the :func:`org_columns` columns.

    The file must have one of the two columns; a row's organization is looked up with
    :meth:`resolve_org` and kept in ``row.extra["org"]``, which :meth:`org_of` reports.
    """

    def _org_headers(self) -> tuple[str, str]:
        return self.column("org_code").header, self.column("org_name").header

    def check_headers(self, present) -> list[str]:
        if "org_code" not in present and "org_name" not in present:
            return ["缺少〈{}〉或〈{}〉列".format(*self._org_headers())]
        return []

    def resolve_org(self, row, orgs: OrgLookup, *, missing: str = ""):
        """The organization the row names in ``orgs``, or None with the reason on the row (``missing``
        when it names none: by default, that one of the two columns must be filled in)."""
        return orgs.resolve(self, row, missing=missing or "须填写{}或{}".format(*self._org_headers()))

    def org_of(self, row):
        return row.extra.get("org")


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


@dataclass
class OrgRowsState:
    """An import of rows that name organizations, from ``begin`` to its last chunk: who imports, whether
    it writes, the organizations found so far, and the first row of each record key (a later row with
    the same key is refused). A register keeping more subclasses it, with defaults."""

    user: Any
    commit: bool
    orgs: OrgLookup
    seen: dict[Any, int] = field(default_factory=dict)

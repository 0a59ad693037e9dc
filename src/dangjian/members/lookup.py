"""The member columns of a spreadsheet and finding the members its rows name (shared by the registers
of other modules).

A register declares its member columns with :func:`member_columns` (党员系统编号, 姓名, 身份证号; its own
aliases where they differ, or the single columns where it has fewer) and mixes in :class:`MemberRows`
to find a batch of rows' members::

    class TrainingAttendanceTemplate(MemberRows, OrgColumns, Template):
        columns = (Column("seq", …), *member_columns(), …)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dangjian.core import crypto, idnumber
from dangjian.core.excel import CLEAR, Column, Masked, Row, record_id_column
from dangjian.members.models import Member

EXAMPLE_ID_NUMBER = idnumber.make("410102", dt.date(1985, 6, 1), 1, "male")
ID_NUMBER_ALIASES = ("公民身份号码", "身份证号码")
MASKED_HELP = "导出时由系统填写；身份证号打码时用于识别"


def member_id_column(
    *, header: str = "党员系统编号", aliases: tuple[str, ...] = ("系统编号",), help: str = MASKED_HELP
) -> Column:
    """The member's system number (the record id): written by an export, it identifies a member whose
    ID number the export masked."""
    return record_id_column(key="member_id", header=header, aliases=aliases, help=help)


def name_column(
    *, key: str = "name", aliases: tuple[str, ...] = (), required: bool = True, example: str = "张三"
) -> Column:
    return Column(key, "姓名", aliases=aliases, required=required, max_length=64, example=example, width=10)


def id_number_column(
    *,
    aliases: tuple[str, ...] = ID_NUMBER_ALIASES,
    required: bool = True,
    blank: str = CLEAR,
    example: str = EXAMPLE_ID_NUMBER,
) -> Column:
    return Column(
        "id_number",
        "身份证号",
        kind="idnumber",
        aliases=aliases,
        required=required,
        masked=True,
        blank=blank,
        example=example,
        width=22,
    )


def identity_cells(person, birth: dt.date | None, *, full: bool) -> dict[str, Any]:
    """The identity cells of an export row: the ID number, phone and birth date in full for a role that
    may see full ID numbers; otherwise masked, with the birth date left empty (``idnumber.mask``: the
    area code and the birth date are never both derivable; an empty birth date keeps the stored one
    when the file is imported again)."""
    return {
        "id_number": person.id_number if full else person.id_number_masked,
        "phone": person.phone if full else person.phone_masked,
        "birth_date": birth if full else None,
    }


def row_hashes(rows: list[Row]) -> dict[int, str]:
    """The blind indexes of the rows' full ID numbers (not masked ones), by row number; each is also
    kept in its row's ``extra["hash"]``."""
    hashes = {}
    for row in rows:
        number = row.values.get("id_number")
        if number and not isinstance(number, Masked):
            hashes[row.number] = row.extra["hash"] = crypto.blind_index(number)
    return hashes


def member_columns(
    *,
    id_aliases: tuple[str, ...] = ("系统编号",),
    id_help: str = MASKED_HELP,
    name_aliases: tuple[str, ...] = (),
    name_required: bool = True,
    number_aliases: tuple[str, ...] = ID_NUMBER_ALIASES,
) -> tuple[Column, Column, Column]:
    """The ``member_id``, ``name`` and ``id_number`` columns :class:`MemberRows` reads."""
    return (
        member_id_column(aliases=id_aliases, help=id_help),
        name_column(aliases=name_aliases, required=name_required),
        id_number_column(aliases=number_aliases),
    )


class MemberRows:
    """For a register's Template: find the member a row names, in batches (two queries per chunk).

    A row names its member by ID number (blind index) or, when an export masked the ID numbers, by
    〈党员系统编号〉 (``member_id``), whose masked value must then match. Only members the user may
    write to are found. Used by the committee and the 一编三定 registers."""

    def member_candidates(self, user, by: str):
        """The members a row may name, found by ``by`` ("hash": the ID number; "id": 党员系统编号).
        A register whose rows name members outside the user's subtree (a community's volunteers who
        checked in there) widens this."""
        return Member.objects.writable_by(user)

    def _members(self, rows: list[Row], user) -> dict:
        hashes = row_hashes(rows)
        by_hash = (
            {
                m.id_number_hash: m
                for m in self.member_candidates(user, "hash")
                .select_related("org")
                .filter(id_number_hash__in=set(hashes.values()))
            }
            if hashes
            else {}
        )
        ids = {r.values["member_id"] for r in rows if r.values.get("member_id")}
        by_id = (
            {m.pk: m for m in self.member_candidates(user, "id").select_related("org").filter(pk__in=ids)}
            if ids
            else {}
        )
        return {"hash": by_hash, "id": by_id}

    def org_member_rows(self, rows: list[Row], state) -> list[tuple[Row, Any, Member]]:
        """For a template that also mixes in ``OrgColumns``: ``(row, org, member)`` for each row without
        errors whose organization (in ``state.orgs``) and member are both found; both are kept in
        ``row.extra`` and name the row ("姓名（组织）")."""
        state.orgs.load(rows)
        found = self._members(rows, state.user)
        named = []
        for row in rows:
            if row.errors:
                continue
            org = self.resolve_org(row, state.orgs)
            member = self._member(row, found) if org is not None else None
            if org is None or member is None:
                continue
            row.extra.update(org=org, member=member)
            row.label = f"{member.name}（{org.name}）"
            named.append((row, org, member))
        return named

    def _member(self, row: Row, found: dict) -> Member | None:
        number, member_id = row.values.get("id_number"), row.values.get("member_id")
        header = self.header_of("id_number")
        member = found["hash"].get(row.extra["hash"]) if "hash" in row.extra else None
        if member is None and isinstance(number, Masked) and member_id:
            candidate = found["id"].get(member_id)
            if candidate is not None and idnumber.mask_matches(number, candidate.id_number):
                member = candidate
            else:
                row.errors.append((header, "打码的身份证号与〈党员系统编号〉对应的党员不符"))
                return None
        elif isinstance(number, Masked):
            row.errors.append((header, "身份证号已打码，须同时填写〈党员系统编号〉才能识别"))
            return None
        if member is None:
            row.errors.append((header, "党员不存在或无权限"))
            return None
        if member_id and member_id != member.pk:
            row.errors.append((self.header_of("member_id"), "与身份证号对应的党员不符"))
            return None
        if row.values.get("name") and row.values["name"] != member.name:
            row.errors.append((self.header_of("name"), f"与系统中的姓名（{member.name}）不一致"))
            return None
        return member

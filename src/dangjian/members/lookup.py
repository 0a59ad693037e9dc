"""Finding the members that spreadsheet rows name (shared by the registers of other modules)."""

from __future__ import annotations

from dangjian.core import crypto, idnumber
from dangjian.core.excel import Masked, Row
from dangjian.members.models import Member


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
        hashes = {}
        for row in rows:
            number = row.values.get("id_number")
            if number and not isinstance(number, Masked):
                hashes[row.number] = row.extra["hash"] = crypto.blind_index(number)
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

    def _member(self, row: Row, found: dict) -> Member | None:
        number, member_id = row.values.get("id_number"), row.values.get("member_id")
        header = self.header_of("id_number")
        member = found["hash"].get(row.extra["hash"]) if "hash" in row.extra else None
        if member is None and isinstance(number, Masked) and member_id:
            candidate = found["id"].get(member_id)
            if candidate is not None and number == idnumber.mask(candidate.id_number):
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

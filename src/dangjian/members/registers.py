"""What the registers of people share (the member register, the reserve cadre register): a row is one
person, found by 〈系统编号〉 (with the masked ID number checked against the record) or by the full ID
number; the export is the list page with its filters; a row is written by the register's create or
update service, with the same checks and audit as the forms.

A register mixes in :class:`PersonRegister` before ``Template`` and names its records (``model``),
its list page (``filter_form``, ``list_query``), its services (``create_service``, ``update_service``
and the update's ``record_keyword``), what a person is called in its messages (``noun``) and how the
screening of its ID numbers names the import (``screening``); see ``MemberTemplate`` in
``members/imports.py`` and ``ReserveCadreTemplate`` in ``cadres/imports.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from dangjian.core import idnumber
from dangjian.core.excel import Masked, Row
from dangjian.core.excel.orgs import OrgRowsState, described, list_filters
from dangjian.members.collisions import ScreenedRowsState, screened_state
from dangjian.organizations.models import Organization

NO_RECORD = "记录不存在或无权限"


class PersonRegister:
    model: ClassVar[type]  # the register's records (``visible_to``, ``writable_by``)
    filter_form: ClassVar[type]  # the list page's filter form (``orgs=`` the user's organizations)
    list_query: ClassVar[Callable]  # (visible queryset, **the form's filters) → the list page's rows
    create_service: ClassVar[Callable]  # (actor=, org=, data=) → the new record
    update_service: ClassVar[Callable]  # (actor=, <record_keyword>=, data=, expected_version=)
    record_keyword: ClassVar[str]  # the update service's keyword for the record
    noun: ClassVar[str]  # what a person of the register is called in its messages ("党员")
    same_person: ClassVar[str] = "同一人"  # how a second row of one person is refused
    screening: ClassVar[str]  # the import as the screening of its ID numbers names it ("member import")

    # --- Export --------------------------------------------------------------------------------
    def export_queryset(self, user, params):
        """Exactly the list page's filters, over what the user sees."""
        form = self.filter_form(params or None, orgs=Organization.objects.visible_to(user))
        active = {k: v for k, v in list_filters(form, params).items() if v not in (None, "", False)}
        queryset = self.list_query(self.model.objects.visible_to(user), **active)
        return queryset, described(active), active.get("org")

    # --- Import: finding the person ----------------------------------------------------------------
    def begin(self, user, *, commit: bool) -> ScreenedRowsState:
        return screened_state(user, commit=commit, where=self.screening)

    def by_record_id(self, row: Row, found: dict[int, Any]) -> tuple[Any, bool]:
        """The record the row's 〈系统编号〉 names among ``found`` (None without one), and whether the
        row may go on (False: it names a record the user cannot write, said on the row)."""
        record_id = row.values.get("record_id")
        if not record_id:
            return None, True
        record = found.get(record_id)
        if record is None:
            row.errors.append((self.header_of("record_id"), NO_RECORD))
        return record, record is not None

    def check_masked(self, row: Row, record, number: Masked) -> None:
        """A masked ID number identifies no one: it needs 〈系统编号〉, whose record it must match."""
        header = self.header_of("id_number")
        if record is None:
            row.errors.append((header, "身份证号已打码，须同时填写〈系统编号〉才能识别"))
        elif not idnumber.mask_matches(number, record.id_number):
            row.errors.append((header, f"打码的身份证号与〈系统编号〉对应的{self.noun}不符"))

    def first_row(self, row: Row, state: OrgRowsState, key: tuple) -> bool:
        """Whether ``row`` is the first of its person (``key``) in the file; a later one is refused."""
        if key[1] is None:
            return True
        if key in state.seen:
            row.errors.append(("", f"与第 {state.seen[key]} 行是{self.same_person}"))
            return False
        state.seen[key] = row.number
        return True

    # --- Import: comparing and writing ---------------------------------------------------------------
    def phone_unchanged(self, row: Row, value, stored: str) -> bool:
        """Whether the row's phone leaves the stored one alone (a masked value must match it)."""
        if isinstance(value, Masked):
            if value != idnumber.mask_phone(stored):
                row.errors.append((self.header_of("phone"), "打码的电话与系统记录不符"))
            return True
        return value == stored

    def same_org(self, row: Row, org, reason: str) -> bool:
        """Whether the row's organization (code, or else name) is the record's; a move is not an import."""
        code, name = row.values.get("org_code"), row.values.get("org_name")
        if (code and code != org.code) or (not code and name and name != org.name):
            row.errors.append((self.header_of("org_code" if code else "org_name"), reason))
            return False
        return True

    def apply(self, row: Row, state: OrgRowsState) -> None:
        if row.action == "create":
            row.instance = self.create_service(actor=state.user, org=row.extra["org"], data=dict(row.data))
        else:
            record = {self.record_keyword: row.instance}
            self.update_service(actor=state.user, data=dict(row.data), expected_version=row.instance.version, **record)

    def org_of(self, row: Row):
        return row.extra.get("org") or (row.instance.org if row.instance is not None else None)

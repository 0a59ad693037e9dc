"""The shared building blocks: the generic API page and related fields, the Excel template's default
permissions and organization columns, list paging from the settings, and the revise page."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory
from django.utils import timezone
from ninja import Schema

from dangjian.core.apischema import Page, choice_label, related
from dangjian.core.excel import Row, Template
from dangjian.core.excel.orgs import OrgColumns, OrgLookup, org_columns
from dangjian.core.forms import StyledForm
from dangjian.core.generic_views import ReviseView
from dangjian.core.pages import page_of, paged
from dangjian.core.roles import Role
from dangjian.organizations.models import Organization


class _SeatOut(Schema):
    id: int
    org_name: str = related("org.name")
    level_label: str = choice_label("level")


def test_a_page_of_related_fields_keeps_the_field_names(world):
    seat = SimpleNamespace(id=7, org=world.branch_a1, get_level_display=world.branch_a1.get_level_display)
    page = Page[_SeatOut].model_validate({"count": 1, "page": 1, "page_size": 50, "items": [seat]})
    assert page.model_dump() == {
        "count": 1,
        "page": 1,
        "page_size": 50,
        "items": [{"id": 7, "org_name": world.branch_a1.name, "level_label": world.branch_a1.get_level_display()}],
    }


class _Register(OrgColumns, Template):
    name = "test_register"
    title = "测试"
    object_type = "organizations.organization"
    columns = (*org_columns(code_header="主办组织编码", name_header="主办党组织"),)


class _OpenRegister(_Register):
    import_roles = (Role.ORGANIZER,)
    export_roles = None


def test_organizers_and_secretaries_import_and_export_by_default(world):
    register = _Register()
    assert register.can_import(world.secretary) and register.can_export(world.secretary)
    assert not register.can_import(world.member_user) and not register.can_export(world.member_user)
    assert not register.can_export(AnonymousUser())


def test_a_register_names_who_imports_and_lets_everyone_export(world):
    register = _OpenRegister()
    assert not register.can_import(world.secretary)
    assert register.can_export(world.member_user)
    assert not register.can_export(AnonymousUser())


def test_organization_columns_speak_of_their_own_headers(world):
    register = _Register()
    assert register.check_headers(set()) == ["缺少〈主办组织编码〉或〈主办党组织〉列"]
    assert register.check_headers({"org_name"}) == []
    row = Row(number=2, values={})
    assert register.resolve_org(row, OrgLookup(Organization.objects.all())) is None
    assert row.errors == [("主办组织编码", "须填写主办组织编码或主办党组织")]
    row = Row(number=3, values={"org_code": world.branch_a1.code})
    lookup = OrgLookup(Organization.objects.all())
    lookup.load([row])
    row.extra["org"] = register.resolve_org(row, lookup)
    assert register.org_of(row) == world.branch_a1


def test_lists_are_paged_by_the_setting(settings):
    settings.PAGE_SIZE = 2
    request = RequestFactory().get("/", {"page": "2", "org": "5"})
    page, query = paged(request, list(range(5)))
    assert list(page) == [2, 3] and query == "org=5"
    assert list(page_of(RequestFactory().get("/", {"page": "x"}), list(range(5)))) == [0, 1]


class _RuleForm(StyledForm):
    FIELDS = ("code", "points")

    code = forms.CharField()
    points = forms.IntegerField()
    effective_from = forms.DateField()


class _Revise(ReviseView):
    rule = None

    def get_record(self):
        return self.rule


def test_a_revise_page_keeps_the_code_and_starts_the_day_after(world, rf):
    rule = SimpleNamespace(pk=3, code="meeting", points=2, effective_from=dt.date(2020, 1, 1))
    calls = []
    view = _Revise.as_view(
        rule=rule,
        form_class=_RuleForm,
        revise=lambda **kwargs: calls.append(kwargs),
        record_arg="rule",
        fixed="code",
        success_url=lambda r: f"/rules/#{r.code}",
    )
    page = _Revise(rule=rule, form_class=_RuleForm, fixed="code")
    page.request = rf.get("/")
    form = page.get_form(rule)
    assert form.fields["code"].disabled
    assert form.initial == {"code": "meeting", "points": 2, "effective_from": timezone.localdate()}

    request = rf.post("/", {"code": "changed", "points": "5", "effective_from": "2030-01-01"})
    request.user = world.organizer
    request._messages = CookieStorage(request)
    response = view(request, pk=3)
    assert response.status_code == 302 and response["Location"] == "/rules/#meeting"
    assert calls == [
        {"actor": world.organizer, "rule": rule, "data": {"points": 5}, "effective_from": dt.date(2030, 1, 1)}
    ]

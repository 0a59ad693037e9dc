"""Attack tests: malformed values at every form, broken and hostile bytes at the .xlsx reader.

Each property runs a bounded, derandomised number of examples so the suite stays fast; the
figures go to SECURITY.md.
"""

from __future__ import annotations

import random

from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.core import excel
from dangjian.core.excel import pipeline
from dangjian.core.models import AuditEvent
from dangjian.members.models import Member
from dangjian.organizations.models import Organization

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "'; DROP TABLE members_member; --",
            "<script>alert(1)</script>",
            "9" * 400,
            "2019-02-30",
            "0000-00-00",
            "9999-12-31",
            "-1",
            "1e309",
            "NaN",
            "410102198005170011",
            "\ud800x",
        ]
    ),
)
FORM_FIELDS = {
    "member-create": [
        "org",
        "name",
        "id_number",
        "gender",
        "birth_date",
        "ethnicity",
        "phone",
        "education",
        "occupation",
        "status",
        "joined_on",
        "full_member_on",
        "mobile",
        "mobile_destination",
    ],
}
BOUNDED = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def clean(value: str) -> str:
    return value.encode("utf-8", "replace").decode("utf-8")


@BOUNDED
@given(values=st.lists(hostile_text, min_size=14, max_size=14))
def test_the_member_form_never_fails_and_never_half_writes(world, client_for, values):
    client = client_for(world.secretary)
    before = (Member.objects.count(), AuditEvent.objects.filter(action="create").count())
    data = {name: clean(v) for name, v in zip(FORM_FIELDS["member-create"], values, strict=True)}
    response = client.post(reverse("member-create"), data)
    assert response.status_code in (200, 302)
    after = (Member.objects.count(), AuditEvent.objects.filter(action="create").count())
    assert after == before if response.status_code == 200 else after == (before[0] + 1, before[1] + 1)


@BOUNDED
@given(values=st.lists(hostile_text, min_size=9, max_size=9))
def test_the_member_edit_form_never_fails(world, client_for, values):
    client = client_for(world.secretary)
    names = ["name", "id_number", "birth_date", "phone", "joined_on", "full_member_on", "status", "gender", "version"]
    before = Member.objects.values_list("version", flat=True).get(pk=world.zhang.pk)
    response = client.post(
        reverse("member-edit", args=[world.zhang.pk]), {n: clean(v) for n, v in zip(names, values, strict=True)}
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert Member.objects.values_list("version", flat=True).get(pk=world.zhang.pk) == before


@BOUNDED
@given(values=st.lists(hostile_text, min_size=8, max_size=8))
def test_the_organization_form_never_fails(world, client_for, values):
    client = client_for(world.organizer)
    names = ["name", "code", "level", "sector", "term_starts_on", "term_ends_on", "established_on", "version"]
    before = Organization.objects.count()
    response = client.post(
        reverse("org-create-child", args=[world.town_a.pk]), {n: clean(v) for n, v in zip(names, values, strict=True)}
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert Organization.objects.count() == before


def _valid_workbook() -> bytes:
    fh = pipeline.blank(excel.get("members"))
    return fh.read()


VALID = _valid_workbook()


@settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), flips=st.integers(1, 64), cut=st.integers(0, len(VALID)))
def test_the_xlsx_reader_survives_broken_files(world, tmp_path_factory, seed, flips, cut):
    """Random byte flips and truncations of a real template: an error message or rows, never an exception."""
    rng = random.Random(seed)
    data = bytearray(VALID[:cut] if cut > 100 else VALID)
    for _ in range(flips):
        data[rng.randrange(len(data))] = rng.randrange(256)
    path = tmp_path_factory.mktemp("fuzz") / "broken.xlsx"
    path.write_bytes(bytes(data))
    before = Member.objects.count()
    outcome = pipeline.preview(excel.get("members"), path, user=world.organizer)
    assert outcome.errors or outcome.rows >= 0
    assert all(str(e) for e in outcome.errors)  # every problem has a message
    assert Member.objects.count() == before


def test_the_xlsx_reader_refuses_random_bytes(world, tmp_path):
    path = tmp_path / "noise.xlsx"
    path.write_bytes(random.Random(1).randbytes(4096))
    outcome = pipeline.preview(excel.get("members"), path, user=world.organizer)
    assert outcome.file_rejected and outcome.errors


def test_the_zip_of_a_real_template_still_parses(world, tmp_path):
    path = tmp_path / "ok.xlsx"
    path.write_bytes(VALID)
    outcome = pipeline.preview(excel.get("members"), path, user=world.organizer)
    assert not outcome.file_rejected, [str(e) for e in outcome.errors]

"""On the small demo district: the default template writes the department's kinds of sentences with the
records' numbers, and every figure equals the one its module's page shows (one number for one thing)."""

import io
import re

import docx
import pytest
from django.contrib.auth import get_user_model

from dangjian.core.spans import Span
from dangjian.demo.build import build
from dangjian.organizations.models import Organization
from dangjian.reports import summary as summaries
from dangjian.reports.summary_output import summary_document
from tests.support.api import api_client_for


@pytest.mark.django_db
def test_the_demo_districts_summary_matches_the_module_pages(client, today):
    build(scale="small", seed=1)
    root = Organization.objects.filter(parent__isnull=True).order_by("path").first()
    user = get_user_model().objects.get(username="dept")
    client.force_login(user)
    last = today.year - 1
    past = summaries.summary_of(root, Span.year(last), user)
    now = summaries.summary_of(root, Span.year(today.year), user)
    was = {v.name: v.value for v in past.values}
    isnow = {v.name: v.value for v in now.values}
    text = "\n".join(t for s in past.sections for t in s.text())
    # the kinds of sentences of the source district's report, with the records' numbers
    assert re.search(r"各级党组织开展主题党日(近)?\d+(余)?次", text)
    assert re.search(r"举办党员干部培训\d+期，累计培训(近)?\d+(余)?人次", text)
    assert re.search(r"其中，“[^”]+”\d+期(近)?\d+(余)?人次", text)
    assert re.search(r"培养村级后备干部\d+人，覆盖\d+个村，平均每村[\d.]+人", text)
    assert re.search(r"排查出的\d+个软弱涣散和后进党组织中，已有\d+个完成整顿任务", text)
    assert re.search(r"(近)?\d+(余)?名在职党员到社区报到，开展志愿服务活动(近)?\d+(余)?场", text)
    assert was["training.person_times"] > 0 and was["cadres.reserve"] > 0 and was["rectification.screened"] > 0
    assert was["community.volunteer_activities"] > 0 and was["community.checked_in_members"] > 0

    # each figure equals the module page's figure
    api = api_client_for(user)
    assert isnow["members.total"] == api.get(f"/members?org={root.pk}").json()["count"]
    training = client.get(f"/training/figures/?org={root.pk}&year={last}").context["table"].total
    assert (was["training.person_times"], was["training.sessions"]) == (training.person_times, training.sessions)
    reserve = client.get(f"/reserve/?org={root.pk}").context["fig"]
    assert (isnow["cadres.reserve"], isnow["cadres.villages"]) == (reserve.in_pool, reserve.villages)
    rectification = client.get(f"/rectification/?org={root.pk}&year={last}").context["table"].total
    assert was["rectification.screened"] == rectification.marked
    assert was["rectification.rectified"] == rectification.cases.get("closed", 0)
    community = client.get(f"/community/volunteers/?org={root.pk}&year={last}").context["table"].total
    assert was["community.volunteer_activities"] == community.activities

    # the year's Word document holds the sentences and the appendix of every figure
    document = docx.Document(io.BytesIO(summary_document(root, Span.year(last), user, "docx")))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    assert "完成整顿任务" in paragraphs and "到社区报到" in paragraphs
    assert len(document.tables[0].rows) == 1 + len(past.values)

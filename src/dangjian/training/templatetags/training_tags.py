"""``{% training_record member %}``: a member's training this year on the member's page (two queries)."""

from django import template
from django.utils import timezone

from dangjian.training import queries

register = template.Library()


@register.inclusion_tag("training/_member_card.html")
def training_record(member, limit: int = 10):
    today = timezone.localdate()
    start, end = today.replace(month=1, day=1), today.replace(month=12, day=31)
    return {
        "year": today.year,
        "summary": queries.member_summary(member, start, end),
        "rows": list(queries.member_training(member, start, end)[:limit]),
    }

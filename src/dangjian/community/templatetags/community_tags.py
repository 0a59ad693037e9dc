"""``{% volunteer_record member %}``: a member's volunteer service this year and their check-in, on the
member's page (two queries). Whoever sees the member sees their own service record."""

from django import template
from django.utils import timezone

from dangjian.community import queries
from dangjian.community.models import MemberCheckIn, ServiceHours

register = template.Library()


@register.inclusion_tag("community/_member_card.html")
def volunteer_record(member, limit: int = 5):
    today = timezone.localdate()
    span = queries.Span.year(today.year)
    record = queries.member_record(ServiceHours.objects.all(), MemberCheckIn.objects.open_on(today), member, span)
    return {"member": member, "year": today.year, "record": record, "rows": record.rows[:limit]}

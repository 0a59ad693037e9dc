"""``{% post_card member %}``: 一编三定 on the member's page — their group and its leader, their post
with its duties, the last evaluations (four queries; nothing shown when there is none of it)."""

from django import template

from dangjian.posts import queries

register = template.Library()


@register.inclusion_tag("posts/_member_card.html", takes_context=True)
def post_card(context, member):
    assignment = queries.current_assignment(member)
    return {
        "member": member,
        "nav": context.get("nav"),
        "post": {
            "group": queries.group_of(member),
            "leader": queries.group_leader_of(member),
            "assignment": assignment,
            "evaluations": list(assignment.evaluations.order_by("-year")[:3]) if assignment else [],
        },
    }

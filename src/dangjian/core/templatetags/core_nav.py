"""``{% subnav "community-table" _("Volunteer figures") "community-activities" _("Activities") %}``: the pills
that link the pages of a section, given as pairs of URL name and label; the pill of the page shown is active."""

from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("core/_subnav.html", takes_context=True)
def subnav(context, *tabs):
    path = context["request"].path
    urls = [reverse(name) for name in tabs[::2]]
    return {"links": [(url, label, url == path) for url, label in zip(urls, tabs[1::2], strict=True)]}

"""Template helpers of the organizational-life pages."""

from django import template

register = template.Library()


@register.filter
def get(mapping, key):
    """``row.by_kind|get:kind``: a dictionary value by a key held in a variable."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None

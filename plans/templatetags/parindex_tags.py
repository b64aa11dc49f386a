from django import template

from parindex.core.numbers import format_decimal

register = template.Library()


@register.filter
def get(mapping, key):
    """`row|get:code`: a dict value by a key held in a variable."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def score(value):
    """A score with the decimal comma and only the decimals it has: 5,55; 10; 0,537."""
    return format_decimal(value)

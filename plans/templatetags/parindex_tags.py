from django import template

from parindex.core.numbers import format_decimal
from plans import tables

register = template.Library()


@register.filter
def get(mapping, key):
    """`row|get:code`: a dict value by a key held in a variable."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def score(value):
    """A score with the decimal comma and only the decimals it has: 5,55; 10; 0,537."""
    return format_decimal(value)


@register.filter
def share(value):
    """A share 0–1 as a whole percentage: 0.667 → "67 %"; None → "" (no linked work)."""
    if value is None:
        return ""
    return f"{round(value * 100)} %"


@register.simple_tag
def assignment_cards(rows, empty):
    """`{% assignment_cards rows empty %}`: assignments as cards (`plans.tables`)."""
    return tables.assignment_cards(rows, empty=empty)

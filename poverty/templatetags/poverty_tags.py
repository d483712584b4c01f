"""Template helpers: masking by the reader's role, money formatting."""

from decimal import Decimal

from django import template

from poverty.masking import mask_for

register = template.Library()


@register.simple_tag(takes_context=True)
def masked(context, kind: str, value):
    """{% masked "id_number" member.id_number %}: whole or masked, by the reader's role."""
    return mask_for(context["request"].user, kind, value)


@register.filter
def yuan(value):
    """3120.5 → 3,120.50 (money with two decimals and thousands separators)."""
    if value is None or value == "":
        return ""
    return f"{Decimal(str(value)):,.2f}"

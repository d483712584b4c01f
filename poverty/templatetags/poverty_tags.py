"""Template helpers: masking by the reader's role, money formatting, the reader's role."""

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


@register.filter
def role_of(user) -> str:
    """{{ user|role_of }}: the user's role code ("cadre", "county_office" …), or ""."""
    from poverty.scoping import user_role

    return user_role(user) or ""


@register.filter
def role_label(user) -> str:
    """{{ user|role_label }}: the user's role as shown (县扶贫办, 帮扶责任人 …), or ""."""
    from poverty.roles import Role

    role = role_of(user)
    return str(Role(role).label) if role else ""

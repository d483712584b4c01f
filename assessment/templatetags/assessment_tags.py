"""Template helpers of the assessment pages."""

from django import template

from assessment.rules.base import fmt_pct

register = template.Library()


@register.filter
def pct(value):
    """0.021 → 2.1% (ratios as the verdicts print them); blank for no value."""
    if value is None or value == "":
        return "—"
    return fmt_pct(value)

"""`{% load loyalty_tags %}{% member_points_balance member %}`: the member's balance on the
staff tablet profile, with a link to the history (used by templates/members/detail.html)."""

from django import template

from loyalty import selectors

register = template.Library()


@register.inclusion_tag("loyalty/_balance_badge.html", takes_context=True)
def member_points_balance(context, member):
    merchant = context["request"].merchant
    return {"merchant": merchant, "member": member, "balance": selectors.points_balance(merchant=merchant, member=member)}


@register.filter
def negate(value):
    """Redeemed points are stored negative; pages say "200 points", not "-200"."""
    return -int(value)

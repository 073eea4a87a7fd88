"""Money, times and dates in templates (omo.formats), loaded on every page (TEMPLATES builtins).

    {{ order.total|money:order.currency }}   {{ price|merchant_money:request.merchant }}
    {{ order.placed_at|when }}               {{ campaign.starts_at|day }}
"""

from django import template

from omo import formats

register = template.Library()


@register.filter
def money(amount, currency):
    return formats.format_money(amount, currency)


@register.filter
def merchant_money(amount, merchant):
    return formats.merchant_money(amount, merchant)


@register.filter
def when(value):
    return formats.format_when(value)


@register.filter
def day(value):
    return formats.format_day(value)

from django import template

from members.masking import mask_email, mask_phone

register = template.Library()

register.filter("masked_phone", mask_phone)
register.filter("masked_email", mask_email)

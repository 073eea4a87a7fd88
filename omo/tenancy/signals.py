from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import selectors
from .models import Merchant


@receiver([post_save, post_delete], sender=Merchant, dispatch_uid="tenancy.merchant_forget")
def merchant_edited(sender, **kwargs):
    selectors.merchants_forget()

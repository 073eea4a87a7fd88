"""Receivers that keep the performance rollups (`rollups`) on writes of lower layers that cannot
call attribution: a member registered by staff, a new merchant."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from members.models import Member
from omo.tenancy.models import Merchant

from . import rollups


@receiver(post_save, sender=Member, dispatch_uid="attribution.rollups.member_registered")
def member_registered(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        rollups.member_registered(instance)


@receiver(post_save, sender=Merchant, dispatch_uid="attribution.rollups.merchant_created")
def merchant_created(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        rollups.merchant_created(instance)

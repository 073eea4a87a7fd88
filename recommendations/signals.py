"""Joining clicks made before login to the account that logs in (SPEC section 3), and keeping
the cached link cards (cards.py) in step with the catalog they show."""

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from commerce.models import Product, Variation
from omo.tenancy.models import Staff, Store

from . import cards, services


@receiver(user_logged_in, dispatch_uid="recommendations.join_pending_clicks")
def join_pending_clicks(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    if request.session.get(services.PENDING_CLICKS_KEY):
        services.pending_clicks_record(request.session, user=user)


def catalog_edited(sender, instance, **kwargs):
    cards.catalog_changed(instance.merchant_id)


# What a link card shows: product and variation names, prices, availability; staff and store names.
for model in (Product, Variation, Staff, Store):
    post_save.connect(catalog_edited, sender=model, dispatch_uid=f"recommendations.card.save.{model.__name__}")
    post_delete.connect(catalog_edited, sender=model, dispatch_uid=f"recommendations.card.delete.{model.__name__}")

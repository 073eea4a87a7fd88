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


def _variation_edited(sender, instance, **kwargs):
    cards.catalog_changed(instance.merchant_id, variation_ids=[instance.pk])


def _product_edited(sender, instance, **kwargs):
    cards.product_changed(instance.merchant_id, instance.pk)


def _staff_edited(sender, instance, **kwargs):
    cards.catalog_changed(instance.merchant_id, staff_ids=[instance.pk])


def _store_edited(sender, instance, **kwargs):
    cards.catalog_changed(instance.merchant_id, store_ids=[instance.pk])


# What a link card shows: product and variation names, prices, pictures, availability; staff and
# store names. Admin, services, imports and connectors all save through the models.
for model, edited in ((Product, _product_edited), (Variation, _variation_edited), (Staff, _staff_edited),
                      (Store, _store_edited)):
    post_save.connect(edited, sender=model, dispatch_uid=f"recommendations.card.save.{model.__name__}")
    post_delete.connect(edited, sender=model, dispatch_uid=f"recommendations.card.delete.{model.__name__}")

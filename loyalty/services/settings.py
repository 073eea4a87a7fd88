"""Merchant settings and offers: saving them, and loading the offers the engine evaluates
(with the checkout's preview of what an order would earn and its discounts)."""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.models import Order
from omo.tenancy.scoping import merchant_scope

from .. import offers as rules
from .. import selectors
from ..models import LoyaltySettings, Offer, OfferStore

logger = logging.getLogger(__name__)


def settings_for(merchant) -> LoyaltySettings:
    return selectors.loyalty_settings_get(merchant=merchant)


def _rule_offers(merchant, settings: LoyaltySettings, event: str, *, offer_ids=None) -> list[rules.Offer]:
    """The merchant's offers for `event` as engine dataclasses.

    `offer_ids` loads exactly those offers (active or not): a reversal is
    computed with the offers that earned, even if one was switched off since.
    """
    holidays = settings.holiday_dates()
    offers = Offer.objects.for_merchant(merchant).filter(event=event).select_related("min_tier")
    offers = list((offers.filter(pk__in=offer_ids) if offer_ids is not None else offers.filter(active=True))
                  .order_by("position", "id"))
    # Store filters through the join table: the offers are this merchant's, so are their stores.
    store_ids: dict[int, list[int]] = {}
    through = OfferStore.objects.for_merchant(merchant).filter(offer_id__in=[offer.pk for offer in offers])
    for offer_id, store_id in through.values_list("offer_id", "store_id"):
        store_ids.setdefault(offer_id, []).append(store_id)
    result = []
    for offer in offers:
        if offer.holidays_only and not holidays:
            continue  # "holidays only" with an empty calendar never applies
        try:
            result.append(offer.as_rule(holidays=holidays, store_ids=store_ids.get(offer.pk, [])))
        except ValueError:
            logger.warning("loyalty offer %s is misconfigured; skipped", offer.pk)
    return result


def offers_preview(
    *, merchant, member=None, channel=None, store=None, payment_method=None, lines=(), amount=None, at=None
) -> list[rules.Award]:
    """What an order being built would earn now, discounts included (checkout / tablet preview).

    `lines` are `loyalty.offers.LineFacts`. A "discount percentage" award's
    `eligible_amount` is the amount the checkout discounts.
    """
    settings = settings_for(merchant)
    at = at or timezone.now()
    lines = tuple(lines)
    tier = selectors.member_tier(merchant=merchant, member=member, at=at) if member is not None else None
    facts = rules.EventFacts(
        kind=rules.EventKind.ORDER_PAID,
        local_date=rules.local_day(at, merchant.tzinfo),
        channel=channel,
        store_id=store.pk if store else None,
        store_attributes=_store_attributes(store),
        payment_method=payment_method,
        lines=lines,
        member_birthday=member.birthday if member else None,
        order_amount=amount if amount is not None else sum((line.amount for line in lines), Decimal("0")),
        tier_threshold=tier.threshold if tier else None,
        tier_multiplier=tier.multiplier if tier else Decimal("1"),
    )
    return rules.evaluate(facts, _rule_offers(merchant, settings, Offer.Event.ORDER_PAID), stacking=settings.stacking)


@dataclass(frozen=True)
class CheckoutDiscount:
    offer_name: str
    percentage: Decimal
    amount: Decimal


def checkout_discounts(*, merchant, member=None, store=None, lines=()) -> list[CheckoutDiscount]:
    """The discount offers (SPEC section 6: an offer's action may be a discount) that apply to an
    order being placed online now, each with the amount it takes off. `lines` are LineFacts."""
    awards = [
        award
        for award in offers_preview(merchant=merchant, member=member, channel=Order.Channel.WEB, store=store, lines=lines)
        if award.discount_percentage
    ]
    names = dict(Offer.objects.for_merchant(merchant).filter(pk__in=[a.offer_id for a in awards]).values_list("pk", "name"))
    return [
        CheckoutDiscount(names.get(award.offer_id, ""), award.discount_percentage, rules.award_discount(award, merchant.currency))
        for award in awards
    ]


def _store_attributes(store) -> dict:
    if store is None:
        return {}
    return {str(k): str(v) for k, v in (store.attributes or {}).items()}


@transaction.atomic
def offer_save(*, merchant, offer: Offer, stores=()) -> Offer:
    """Create or update an offer configured by the merchant admin (form-validated fields)."""
    stores = list(stores)
    if offer.merchant_id not in (None, merchant.pk) or any(store.merchant_id != merchant.pk for store in stores):
        raise ValidationError(_("The offer and its stores must belong to this merchant."))
    offer.merchant = merchant
    offer.clean()
    offer.save()
    with merchant_scope(merchant):
        offer.stores.set(stores, through_defaults={"merchant_id": offer.merchant_id})
    return offer


@transaction.atomic
def loyalty_settings_save(*, merchant, **values) -> LoyaltySettings:
    settings, _created = LoyaltySettings.objects.for_merchant(merchant).get_or_create(merchant=merchant)
    for name, value in values.items():
        setattr(settings, name, value)
    # The row is this merchant's own (get_or_create above): field and clean() checks only.
    settings.full_clean(validate_unique=False, validate_constraints=False)
    settings.save()
    return settings

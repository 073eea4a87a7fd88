"""Shopper checkout on the storefront: the order goes through the order service like any other."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from commerce.models import Order, OrderLine, Variation
from commerce.services import LineInput, next_order_number, order_create, order_update
from loyalty import selectors as loyalty_selectors
from loyalty import services as loyalty_services
from loyalty.offers import LineFacts
from members.models import Member
from members.services import member_for_user
from omo.integrations import payments
from partners import selectors as partner_selectors
from recommendations.models import RecommendationItem

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CartLine:
    variation: Variation
    quantity: int

    @property
    def available(self) -> bool:
        return self.variation.product.available_online

    @property
    def subtotal(self) -> Decimal:
        return self.variation.price * self.quantity


def cart_lines(*, merchant, cart: dict[int, int]) -> list[CartLine]:
    variations = Variation.objects.for_merchant(merchant).select_related("product").filter(pk__in=list(cart))
    found = {v.pk: v for v in variations}
    return [CartLine(found[pk], qty) for pk, qty in cart.items() if pk in found and qty > 0]


def variation_check_available(variation: Variation) -> None:
    """Only products published in the online store (and not removed) can go in the cart."""
    if not variation.product.available_online:
        raise ValidationError(_("“%(name)s” is not available in the online store.") % {"name": variation.product.name})


def _campaign_code(merchant, *, typed: str, remembered: str) -> str:
    """The referral code the order carries. A code the shopper typed must credit a running
    campaign (ValidationError with its message stops the checkout); one remembered from a
    campaign page is dropped quietly when it no longer does."""
    now = timezone.now()
    if typed.strip():
        return partner_selectors.campaign_for_code(
            merchant=merchant, code=typed, placed_at=now, currency=merchant.currency
        ).code
    if remembered:
        try:
            return partner_selectors.campaign_for_code(
                merchant=merchant, code=remembered, placed_at=now, currency=merchant.currency
            ).code
        except ValidationError as exc:
            logger.info("remembered campaign code %r not used: %s", remembered, exc.messages)
    return ""


@dataclass(frozen=True)
class CartPrice:
    """What the shopper pays for the available lines: the subtotal less the offers' discounts."""

    subtotal: Decimal
    discounts: list  # loyalty.services.CheckoutDiscount
    discount_total: Decimal
    # Variations the shopper's link recommended: offers may favour them, the order marks them.
    recommended: frozenset[int]

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount_total


def _recommended_variation_ids(merchant, link) -> frozenset[int]:
    if link is None:
        return frozenset()
    items = RecommendationItem.objects.for_merchant(merchant).filter(link=link)
    return frozenset(items.values_list("variation_id", flat=True))


def cart_price(*, merchant, member, lines: list[CartLine], link=None) -> CartPrice:
    """The price of the cart's available lines with the merchant's discount offers applied (the
    web channel, the link's store when the shopper came through one). Never below zero."""
    available = [line for line in lines if line.available]
    recommended = _recommended_variation_ids(merchant, link)
    facts = [
        LineFacts(product_id=line.variation.pk, category=line.variation.product.category, amount=line.subtotal,
                  recommended=line.variation.pk in recommended)
        for line in available
    ]
    subtotal = sum((line.subtotal for line in available), Decimal("0"))
    discounts = loyalty_services.checkout_discounts(
        merchant=merchant, member=member, store=link.store if link is not None else None, lines=facts
    ) if facts else []
    return CartPrice(subtotal, discounts, min(sum((d.amount for d in discounts), Decimal("0")), subtotal), recommended)


class PaymentMethod(models.TextChoices):
    """How the shopper pays, recorded on the order (`Order.payment_method`): offers with a
    payment-method filter (e.g. "100 points for paying online") match on these values."""

    IN_STORE = "in_store", gettext_lazy("Pay in store")
    ONLINE = "online", gettext_lazy("Online payment")


def _pay_online(merchant, order: Order) -> Order:
    """Charge the order through the payment provider now and mark it paid (through the order
    service, so the followers hear of it: the points of a paid order). A declined charge raises
    ValidationError, which rolls the whole checkout back."""
    try:
        payments.get_provider().charge(amount=order.total, currency=order.currency, reference=order.number)
    except payments.PaymentDeclined as exc:
        raise ValidationError(_("The payment was declined: %(reason)s") % {"reason": exc}) from exc
    return order_update(
        merchant=merchant,
        order=order,
        changes={"payment_status": Order.PaymentStatus.PAID, "paid_amount": order.total},
    )


DOUBLE_SUBMIT_SECONDS = 10


def _just_placed(merchant, member, lines: list[CartLine]) -> Order | None:
    """The order this same cart placed seconds ago (a double tap on "Place order"), if any.

    The member row is locked first, so a second concurrent checkout waits for the first to
    commit and then finds its order instead of placing a copy.
    """
    Member.objects.for_merchant(merchant).select_for_update().filter(pk=member.pk).first()
    since = timezone.now() - timedelta(seconds=DOUBLE_SUBMIT_SECONDS)
    wanted = sorted((line.variation.pk, line.quantity) for line in lines)
    recent = Order.objects.for_merchant(merchant).filter(member=member, created_from="Storefront", created_at__gte=since)
    for order in recent.order_by("-created_at"):
        placed = sorted(
            OrderLine.objects.for_merchant(merchant).filter(order=order).values_list("variation_id", "quantity")
        )
        if placed == wanted:
            return order
    return None


def _points_value(merchant, member, points: int, amount: Decimal) -> Decimal:
    """What `points` pay of `amount` (points + cash); more than the member may use is refused."""
    usable = loyalty_selectors.points_redeemable(merchant=merchant, member=member, amount=amount)
    if points > usable:
        raise ValidationError(
            ngettext("You can use at most %(points)s point on this order.",
                     "You can use at most %(points)s points on this order.", usable) % {"points": usable}
        )
    return loyalty_services.points_value(merchant=merchant, points=points)


@transaction.atomic
def storefront_checkout(
    *, merchant, user, cart: dict[int, int], link=None, referral_code: str = "", campaign_code: str = "",
    points: int = 0, payment_method: str = PaymentMethod.IN_STORE,
) -> Order:
    """Place the shopper's order: status processing, with the payment method the shopper chose.

    Pay in store: payment pending (the store takes it). Online payment: the payment provider
    charges the total at once and the order is paid (`_pay_online`).

    Unavailable products are refused; the merchant's discount offers and the points used are taken
    off (`cart_price`, `_points_value`); with a recommendation link the order names the link and
    its store and marks the lines of recommended variations; a referral code rides on the order
    (`_campaign_code`) for the partners follower. Raises ValidationError (nothing written).
    """
    if payment_method not in PaymentMethod.values:
        raise ValidationError(_("Choose how you want to pay."))
    lines = cart_lines(merchant=merchant, cart=cart)
    if not lines:
        raise ValidationError(_("Your cart is empty."))
    for line in lines:
        variation_check_available(line.variation)
    if link is not None and link.merchant_id != merchant.pk:
        link = None
    member = member_for_user(merchant=merchant, user=user)
    duplicate = _just_placed(merchant, member, lines)
    if duplicate is not None:
        return duplicate
    price = cart_price(merchant=merchant, member=member, lines=lines, link=link)
    points_paid = _points_value(merchant, member, points, price.total) if points else Decimal("0")
    order = order_create(
        merchant=merchant,
        number=next_order_number(merchant),
        channel=Order.Channel.WEB,
        created_from="Storefront",
        source_store=link.store if link is not None else None,
        recommendation_token=link.token if link is not None else "",
        campaign_code=_campaign_code(merchant, typed=referral_code, remembered=campaign_code),
        member=member,
        status=Order.Status.PROCESSING,
        payment_status=Order.PaymentStatus.PENDING,
        payment_method=payment_method,
        lines=[
            LineInput(
                variation=line.variation,
                quantity=line.quantity,
                unit_price=line.variation.price,
                recommended=line.variation.pk in price.recommended,
            )
            for line in lines
        ],
        discounts=price.discount_total,
        points_redeemed=points_paid,
    )
    if points:  # the ledger entry; a balance spent meanwhile rolls the whole checkout back
        loyalty_services.points_redeem_for_order(merchant=merchant, member=member, points=points, order=order)
    if payment_method == PaymentMethod.ONLINE:
        return _pay_online(merchant, order)
    return order

"""The shopper storefront: the shared link, product list, recommended list, session cart, checkout."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commerce import selectors
from commerce.models import Order
from loyalty.selectors import loyalty_settings_get, order_points_used, points_redeemable
from members.services import member_for_user
from omo.formats import money_digits
from omo.api.limits import limit_unknown_tokens
from partners import referrals
from recommendations import cards
from recommendations import selectors as link_selectors
from recommendations import services as link_services

from . import cart as session_cart
from . import page_shell
from . import selectors as storefront_selectors
from .forms import CheckoutForm
from .services import PaymentMethod, cart_lines, cart_price, storefront_checkout, variation_check_available


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _cart_count(request) -> int:
    return sum(session_cart.cart_get(request.session, merchant=request.merchant).values())


@require_GET
def product_list(request, merchant):
    query = request.GET.get("q", "")
    products = selectors.storefront_products(merchant=request.merchant, query=query)[:60]
    return render(
        request, "storefront/product_list.html",
        {"products": products, "query": query, "cart_count": _cart_count(request), "referral": _referral(request)},
    )


def _referral(request):
    """The partner referral the shopper came through (partners' referral link remembers the code
    in the session for this merchant), or None."""
    if request.session.get("campaign_merchant") != request.merchant.slug:
        return None
    return storefront_selectors.referral_get(merchant=request.merchant, code=request.session.get("campaign_code", ""))


def recommended_card(request, token: str, gate=None) -> cards.Card:
    """The card of `token` (the link, its products, their rendered list) in the shopper's language,
    or 404: built by the worker at share time and on catalog edits (recommendations/cards.py)."""
    return cards.card_get(merchant=request.merchant, token=token, language=get_language(), gate=gate)


def recommended_page(request, card):
    """The recommended list of `link` for a logged-in shopper; the link becomes the cart's source.

    Also the answer of the shared link itself (`storefront:open`), so a shopper's open is
    one request; "add to cart" comes back to the list page, never to the link (another click).
    """
    link = card.link
    response = page_shell.recommended_response(request, link=link, card_html=card.html, cart_count=_cart_count(request))
    if session_cart.link_token_get(request, merchant=request.merchant) != link.token:
        session_cart.link_token_set(request, response, merchant=request.merchant, token=link.token)
    return response


@transaction.non_atomic_requests  # its one write, the click, commits alone: no request transaction
@require_GET
@limit_unknown_tokens(view_reads_count=True)
def link_open(request, merchant, token):
    """The shopper's link: a logged-in shopper's open is a click and shows the list; before login
    the click waits in the session and the shopper goes to login, then to the list."""
    limit = request.unknown_token_limit  # read with the card: one round trip to Redis
    card = recommended_card(request, token, gate=(limit.key, limit.check))
    user_agent = request.headers.get("User-Agent", "")
    if request.user.is_authenticated:
        link_services.click_record(merchant=request.merchant, link=card.link, user=request.user, user_agent=user_agent)
        # The list itself, in this response: one request per open, at the URL the shopper shared.
        return recommended_page(request, card)
    link_services.pending_click_add(request.session, link=card.link, user_agent=user_agent)
    return link_landing(request, card)


def link_landing(request, card):
    """The shared link before login: the shop (name, logo), who picked what, with pictures, and the
    ways in (a mobile number and an SMS code, or email and password); each comes back to the list."""
    target = reverse("storefront:recommended", kwargs={"merchant": request.merchant.slug, "token": card.link.token})
    context = {
        "link": card.link,
        "variations": card.variations,
        "count": len(card.variations),
        "next_query": urlencode({"next": target}),
    }
    return render(request, "storefront/link_landing.html", context)


@require_GET
@login_required
def recommended(request, merchant, token):
    return recommended_page(request, recommended_card(request, token))


@require_POST
def cart_add(request, merchant):
    """Add one variation (or several: "add all recommended"); unavailable products are refused."""
    quantity = _int(request.POST.get("quantity"), 1)
    for variation_id in request.POST.getlist("variation") or [None]:
        variation = selectors.variation_get(merchant=request.merchant, variation_id=_int(variation_id))
        try:
            variation_check_available(variation)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            session_cart.cart_add(request.session, merchant=request.merchant, variation_id=variation.pk, quantity=quantity)
            messages.success(request, _("Added “%(name)s” to your cart.") % {"name": variation})
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("storefront:cart", merchant=request.merchant.slug)


@require_POST
def cart_update(request, merchant):
    variation = selectors.variation_get(merchant=request.merchant, variation_id=_int(request.POST.get("variation")))
    session_cart.cart_set(
        request.session, merchant=request.merchant, variation_id=variation.pk, quantity=_int(request.POST.get("quantity"), 0)
    )
    return redirect("storefront:cart", merchant=request.merchant.slug)


@require_GET
def cart_view(request, merchant):
    lines = cart_lines(merchant=request.merchant, cart=session_cart.cart_get(request.session, merchant=request.merchant))
    total = sum((line.subtotal for line in lines if line.available), 0)
    return render(
        request,
        "storefront/cart.html",
        {
            "lines": lines,
            "total": total,
            "can_check_out": any(line.available for line in lines),
            "any_unavailable": any(not line.available for line in lines),
            "cart_count": _cart_count(request),
        },
    )


def _current_link(request):
    token = session_cart.link_token_get(request, merchant=request.merchant)
    if not token:
        return None
    try:
        return link_selectors.link_by_token(merchant=request.merchant, token=token)
    except Http404:
        return None


@require_http_methods(["GET", "POST"])
@login_required
def checkout(request, merchant):
    cart = session_cart.cart_get(request.session, merchant=request.merchant)
    lines = cart_lines(merchant=request.merchant, cart=cart)
    if request.method == "GET" and not any(line.available for line in lines):
        # Nothing that can be ordered: no checkout page to fill in for nothing (a post still gets
        # the checkout's own answer, e.g. "no longer available").
        messages.info(request, _("Your cart is empty."))
        return redirect("storefront:cart", merchant=request.merchant.slug)
    link = _current_link(request)
    referral = _referral(request)
    form = CheckoutForm(
        request.POST if request.method == "POST" else None,
        initial={"referral_code": referral.code} if referral else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            order = storefront_checkout(
                merchant=request.merchant,
                user=request.user,
                cart=cart,
                link=link,
                referral_code=form.cleaned_data["referral_code"],
                # The last partner link opened in this browser, within its lifetime (signed cookie).
                campaign_code=referrals.remembered_code(request, merchant=request.merchant),
                points=form.cleaned_data["points"] or 0,
                payment_method=form.cleaned_data["payment_method"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            session_cart.cart_clear(request.session, merchant=request.merchant)
            return redirect("storefront:order", merchant=request.merchant.slug, number=order.number)
    member = member_for_user(merchant=request.merchant, user=request.user)
    price = cart_price(merchant=request.merchant, member=member, lines=lines, link=link)
    status = 400 if form.errors else 200
    context = {
        "lines": lines,
        "price": price,
        "form": form,
        "cart_count": _cart_count(request),
        "referral": referral,
        "points_usable": points_redeemable(merchant=request.merchant, member=member, amount=price.total),
        "point_value": loyalty_settings_get(merchant=request.merchant).point_value,
        "money_digits": money_digits(request.merchant.currency, request.merchant.money_decimals),
    }
    return render(request, "storefront/checkout.html", context, status=status)


@require_GET
@login_required
def order_detail(request, merchant, number):
    order = get_object_or_404(
        Order.objects.for_merchant(request.merchant).prefetch_related("lines"), number=number, member__user=request.user
    )
    methods = dict(PaymentMethod.choices)
    return render(
        request, "storefront/order.html",
        {
            "order": order,
            "payment_method": methods.get(order.payment_method, order.payment_method),
            "points_used": order_points_used(merchant=request.merchant, order=order),
            "cart_count": _cart_count(request),
        },
    )


@require_GET
@login_required
def my_orders(request, merchant):
    """The signed-in shopper's orders at this shop, newest first, with their status."""
    member_for_user(merchant=request.merchant, user=request.user)  # claims a staff-registered record by a verified number
    orders = selectors.shopper_orders(merchant=request.merchant, user=request.user)
    page = Paginator(orders, 20).get_page(request.GET.get("page"))
    return render(request, "storefront/my_orders.html", {"page": page, "cart_count": _cart_count(request)})
